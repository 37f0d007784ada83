/**
 * db:import-flask for the wave-2 tables (SPEC-WAVE2 §16.3 rows currencies, payments' currency, ngo_requests,
 * project_vouchers, analyses.voucher_id, partners / social_media, contact_messages; §0.1 on consent): the
 * fixture of upstream-fixture.ts plus realistic and hostile wave-2 rows, on PGlite (and PostgreSQL with
 * TEST_DATABASE_URL). Dry run writes nothing and reports what the apply does; each rule; a second run changes nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetIdOf } from '../../src/import/plan.js';
import { runImport, type ImportOptions } from '../../src/import/run.js';
import { ADMIN, createTestApp, type TestApp } from '../support/harness.js';
import { unaccountedTables } from './report-check.js';
import {
  ALICE_PASSWORD,
  CONTACT_BODY,
  createSourceDatabase,
  fillFixture,
  fillWave2Fixture,
  ID,
  insert,
  postgresAvailable,
  VOUCHER_CODE,
  W2,
  type SourceDatabase,
} from './upstream-fixture.js';

const SOURCE_ADMIN_URL = process.env.TEST_SOURCE_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const available = await postgresAvailable(SOURCE_ADMIN_URL);
if (!available) console.warn(`import-wave2 tests skipped: no PostgreSQL for the source at ${SOURCE_ADMIN_URL}`);
const journal = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'drizzle', 'meta', '_journal.json'), 'utf8')) as { entries: { when: number }[] };
const expectedMigrations = { count: journal.entries.length, lastWhen: journal.entries.at(-1)!.when };

/** The tables the wave-2 mapping writes, plus the import bookkeeping, for "nothing written / nothing changed". */
const TABLES = [
  'currencies', 'payments', 'ngo_requests', 'ngo_vouchers', 'ngo_voucher_redemptions', 'analyses', 'partners', 'social_links', 'contact_messages',
  'users', 'transactions', 'import_map', 'import_archive', 'import_runs',
];
const TARGETS = [{ kind: 'pglite' as const }, ...(process.env.TEST_DATABASE_URL ? [{ kind: 'pg' as const }] : [])];
const req = (sid: string) => targetIdOf('ngo_requests', sid);
const voucher = (sid: string) => targetIdOf('project_vouchers', sid);

describe.skipIf(!available).each(TARGETS)('db:import-flask, wave-2 tables (target: $kind)', ({ kind }) => {
  let t: TestApp;
  let source: SourceDatabase;
  const lines: string[] = [];
  let dry: Awaited<ReturnType<typeof runImport>>['report'];
  let applied: Awaited<ReturnType<typeof runImport>>['report'];

  const options = (over: Partial<ImportOptions> = {}): ImportOptions => ({
    sourceUrl: source.url, db: t.db, dryRun: false, pendingPayments: 'import', appEnv: 'test', adminEmail: ADMIN.email, batchSize: 4,
    currencyDecimals: { JOD: 3 }, expectedMigrations, log: (l) => lines.push(l), ...over,
  });
  async function fingerprint(): Promise<Record<string, string>> {
    const parts = TABLES.map((table) => sql`(SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') FROM ${sql.identifier(table)} x) AS ${sql.identifier(table)}`);
    return (await t.db.execute<Record<string, string>>(sql`SELECT ${sql.join(parts, sql`, `)}`)).rows[0]!;
  }
  const all = async <T = any>(q: ReturnType<typeof sql>) => (await t.db.execute(q)).rows as T[];
  const one = async <T = any>(q: ReturnType<typeof sql>) => (await all<T>(q))[0]!;
  const problems = (table: string) => dry.problems.filter((p) => p.table === table).map(({ source_id, reason, detail }) => ({ source_id, reason, ...(detail === undefined ? {} : { detail }) }));

  // The dry run and the apply run happen once, here, so that each test below fails for its own rule only.
  let dryResult: Awaited<ReturnType<typeof runImport>>;
  let appliedResult: Awaited<ReturnType<typeof runImport>>;
  let dryWroteNothing: { before: Record<string, string>; after: Record<string, string> };
  let applyMs = 0;
  beforeAll(async () => {
    t = await createTestApp({}, { databaseKind: kind });
    source = await createSourceDatabase(SOURCE_ADMIN_URL);
    await fillFixture(source, { adminEmail: ADMIN.email });
    await fillWave2Fixture(source, { adminEmail: ADMIN.email });
    const before = await fingerprint();
    dryResult = await runImport(options({ dryRun: true }));
    dryWroteNothing = { before, after: await fingerprint() };
    dry = dryResult.report;
    const started = performance.now();
    appliedResult = await runImport(options());
    applyMs = performance.now() - started;
    applied = appliedResult.report;
  }, 120_000);
  afterAll(async () => {
    await source?.drop();
    await t?.close();
  });

  it('dry run writes nothing and reports what the apply run then does; every source row is counted once', () => {
    expect(dryResult.exitCode, JSON.stringify(dryResult.report.refusals)).toBe(0);
    expect(dryWroteNothing.after).toEqual(dryWroteNothing.before);
    expect(appliedResult.exitCode, applied.error).toBe(0);
    const strip = (r: typeof dry) => ({ tables: r.tables, totals: { ...r.totals, chunks: undefined }, problems: r.problems, warnings: r.warnings });
    expect(strip(applied)).toEqual(strip(dry));
    expect(unaccountedTables(dry)).toEqual([]);
    expect(dry.warnings.join('\n')).not.toMatch(/archived/);
    const rows = Object.values(applied.tables).reduce((n, x) => n + x.read, 0);
    console.log(`[import-wave2] ${rows} source rows in ${applyMs.toFixed(0)} ms (${((rows / applyMs) * 1000).toFixed(0)} rows/s), ${String(applied.totals.chunks)} batches`);
    console.log(`[import-wave2] report: ${JSON.stringify(Object.fromEntries(Object.entries(applied.tables).map(([k, v]) => [k, [v.read, v.inserted, v.already_present, v.mapped_existing, v.skipped, v.archived]])))}`);
  });

  it('the report per wave-2 table: source USD mapped onto the target\'s, currencies created from payments in the totals only', () => {
    // Source USD maps onto the target's USD (mapped_existing); JOD and TRY, created from payments, are no source rows of `currencies`.
    expect(dry.tables.currencies).toEqual({ read: 8, inserted: 4, already_present: 0, mapped_existing: 1, skipped: { invalid_code: 1, invalid_rate: 1, case_collision: 1 }, archived: 0 });
    expect(dry.tables.ngo_requests).toEqual({ read: 5, inserted: 4, already_present: 0, mapped_existing: 0, skipped: { name_too_short: 1 }, archived: 3 });
    expect(dry.tables.project_vouchers).toEqual({ read: 6, inserted: 3, already_present: 0, mapped_existing: 0, skipped: { request_not_imported: 1, invalid_code: 1, case_collision: 1 }, archived: 3 });
    expect(dry.tables.partners).toEqual({ read: 5, inserted: 5, already_present: 0, mapped_existing: 0, skipped: {}, archived: 4 });
    expect(dry.tables.social_media).toEqual({ read: 4, inserted: 3, already_present: 0, mapped_existing: 0, skipped: { url_invalid: 1 }, archived: 4 });
    expect(dry.tables.contact_messages).toEqual({ read: 5, inserted: 3, already_present: 0, mapped_existing: 0, skipped: { message_too_short: 1, invalid_email: 1 }, archived: 4 });
    // Built-in roles, the matching payment method and the bootstrap admin are mapped onto the target's rows.
    expect(dry.tables.roles).toMatchObject({ read: 4, inserted: 1, mapped_existing: 3 });
    expect(dry.tables.payment_methods).toMatchObject({ read: 1, inserted: 0, mapped_existing: 1 });
    expect(dry.tables.users).toMatchObject({ read: 5, inserted: 4, mapped_existing: 1 });
    expect(dry.totals).toMatchObject({
      currency_default: 'unchanged', currencies_created_from_payments: ['JOD', 'TRY'], payments_non_usd: 6, weak_voucher_codes: 3, voucher_links: { linked: 4, not_linked: 3 },
    });
  });

  it('currencies: codes upper-cased and checked, rates rounded to 6 places, USD and the default left alone when ambiguous, payment-only codes created inactive', async () => {
    const rows = await all(sql`SELECT code, name, symbol, decimals, rate_per_usd, is_active, is_default, rounding_increment_minor FROM currencies ORDER BY code`);
    expect(rows).toEqual([
      { code: 'AED', name: 'AED name', symbol: 'AED', decimals: 2, rate_per_usd: '3.672500', is_active: true, is_default: false, rounding_increment_minor: 1 },
      { code: 'EUR', name: 'Euro', symbol: '€', decimals: 2, rate_per_usd: '0.920000', is_active: true, is_default: false, rounding_increment_minor: 1 },
      { code: 'GBP', name: 'GBP name', symbol: 'GBP', decimals: 2, rate_per_usd: '0.791235', is_active: false, is_default: false, rounding_increment_minor: 1 },
      { code: 'JOD', name: 'JOD', symbol: 'JOD', decimals: 3, rate_per_usd: '0.709000', is_active: false, is_default: false, rounding_increment_minor: 1 },
      { code: 'SYP', name: 'Syrian Pound', symbol: 'ل.س', decimals: 2, rate_per_usd: '12000.000000', is_active: false, is_default: false, rounding_increment_minor: 1 },
      { code: 'TRY', name: 'TRY', symbol: 'TRY', decimals: 2, rate_per_usd: '32.000000', is_active: false, is_default: false, rounding_increment_minor: 1 },
      { code: 'USD', name: 'US Dollar', symbol: '$', decimals: 2, rate_per_usd: '1.000000', is_active: true, is_default: true, rounding_increment_minor: 1 },
    ]);
    expect(new Date((await one(sql`SELECT rate_updated_at FROM currencies WHERE code = 'EUR'`)).rate_updated_at).toISOString()).toBe('2026-01-02T10:00:00.000Z');
    expect(problems('currencies')).toEqual([
      { source_id: W2.euro, reason: 'invalid_code', detail: 'EURO' },
      { source_id: W2.tryZero, reason: 'invalid_rate', detail: 'TRY' },
      { source_id: W2.eurCase, reason: 'case_collision', detail: 'EUR' },
      { source_id: `y0000000-0000-4000-8000-000000000001,${W2.aed}`, reason: 'several_defaults', detail: 'USD, AED' },
      { source_id: W2.payJodLate, reason: 'created_from_payments', detail: 'JOD at 0.709000' },
      { source_id: W2.payTry, reason: 'created_from_payments', detail: 'TRY at 32.000000' },
    ]);
    const publicList = await t.request('GET', '/api/currencies');
    expect(publicList.body.data.map((c: any) => c.code).sort()).toEqual(['AED', 'EUR', 'USD']);
  });

  it('payments record their currency: own rate and amount in minor units, the currency rate when missing, USD for an unusable code', async () => {
    const rows = await all(sql`SELECT id, currency_code, exchange_rate, currency_decimals, currency_amount_minor::text AS minor, amount_usd FROM payments WHERE user_id = ${targetIdOf('users', 'legacy-42')} ORDER BY created_at, id`);
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    const p = (sid: string) => byId[targetIdOf('payments', sid)];
    expect(p(W2.payJodEarly)).toMatchObject({ currency_code: 'JOD', exchange_rate: '0.700000', currency_decimals: 3, minor: '7000' });
    expect(p(W2.payJodLate)).toMatchObject({ currency_code: 'JOD', exchange_rate: '0.709000', currency_decimals: 3, minor: '7090' });
    expect(p(W2.payTry)).toMatchObject({ currency_code: 'TRY', exchange_rate: '32.000000', currency_decimals: 2, minor: '32000' });
    expect(p(W2.payEurNoRate)).toMatchObject({ currency_code: 'EUR', exchange_rate: '0.920000', minor: '920' });
    expect(p(W2.payBadCode)).toMatchObject({ currency_code: 'USD', exchange_rate: '1.000000', minor: '1000', amount_usd: '10.00' });
    expect(await all(sql`SELECT source_id FROM import_archive WHERE reason = 'currency_detail'`)).toEqual([{ source_id: W2.payBadCode }]);
    expect(problems('payments')).toEqual(expect.arrayContaining([
      { source_id: W2.payBadCode, reason: 'currency_unknown', detail: 'US$' },
      { source_id: W2.payEurNoRate, reason: 'exchange_rate_from_currency', detail: 'EUR' },
    ]));
    expect(problems('payments').filter((x) => x.reason === 'currency_amount_mismatch').map((x) => x.source_id)).toEqual(['p0000000-0000-4000-8000-000000000003']);
    const admin = (await t.request('POST', '/api/auth/login', { body: ADMIN })).body.data;
    const stats = await t.request('GET', '/api/payments/stats', { token: admin.token });
    expect(stats.status, stats.text).toBe(200);
    expect(stats.body.data.by_currency.find((c: any) => c.currency_code === 'JOD')).toMatchObject({ count: 2, amount_minor: 14090, decimals: 3 });
  });

  it('NGO requests: user kept, reviewer by email, types outside the enum → other, the newest live request per user stays', async () => {
    const rows = await all(sql`SELECT id, user_id, organization_type, contact_email, website, status, review_reason, reviewed_by, char_length(description) AS description_chars FROM ngo_requests ORDER BY created_at, id`);
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    const adminId = (await one(sql`SELECT id FROM users WHERE email = ${ADMIN.email}`)).id;
    expect(rows).toHaveLength(4);
    expect(byId[req(W2.reqAlice)]).toMatchObject({ user_id: ID.alice, organization_type: 'charity', contact_email: 'info@relief.example.org', website: 'https://relief.example.org', status: 'approved', reviewed_by: adminId });
    expect(byId[req(W2.reqBobNew)]).toMatchObject({ user_id: ID.bob, organization_type: 'foundation', status: 'approved', review_reason: null });
    expect(byId[req(W2.reqBobOld)]).toMatchObject({ user_id: ID.bob, organization_type: 'other', website: null, status: 'rejected', review_reason: 'superseded at import' });
    // An invalid contact email is kept as written (lower-cased) and reported, like an invalid phone.
    expect(byId[req(W2.reqCarolWeird)]).toMatchObject({ user_id: ID.carol, status: 'pending', description_chars: 2000, contact_email: 'office at relief' });
    expect(problems('ngo_requests')).toEqual([
      { source_id: W2.reqBobOld, reason: 'superseded' },
      { source_id: W2.reqBobOld, reason: 'organization_type_other', detail: 'religious org' },
      { source_id: W2.reqBobOld, reason: 'website_dropped' },
      { source_id: W2.reqCarolWeird, reason: 'unknown_status_pending', detail: 'on hold' },
      { source_id: W2.reqCarolWeird, reason: 'contact_email_invalid' },
      { source_id: W2.reqCarolWeird, reason: 'contact_phone_invalid' },
      { source_id: W2.reqCarolWeird, reason: 'field_cut', detail: 'description' },
      { source_id: W2.reqCarolShort, reason: 'name_too_short' },
    ]);
    expect(await all(sql`SELECT source_id, reason FROM import_archive WHERE source_table = 'ngo_requests' ORDER BY reason`)).toEqual([
      { source_id: W2.reqCarolWeird, reason: 'description_cut' },
      { source_id: W2.reqCarolShort, reason: 'name_too_short' },
      { source_id: W2.reqBobOld, reason: 'website_dropped' },
    ]);
  });

  it('vouchers: legacy codes upper-cased, cap 0 → unlimited and inactive, a bad window → inactive, an overshot cap raised to the links', async () => {
    const rows = await all(sql`SELECT id, ngo_request_id, code, max_redemptions, redeemed_count, funding, is_active, activation_start, activation_end FROM ngo_vouchers ORDER BY code`);
    expect(rows).toEqual([
      { id: voucher(W2.vOver), ngo_request_id: req(W2.reqAlice), code: VOUCHER_CODE, max_redemptions: 3, redeemed_count: 3, funding: 'self', is_active: true, activation_start: '2026-01-01', activation_end: '2026-12-31' },
      { id: voucher(W2.vZero), ngo_request_id: req(W2.reqAlice), code: 'VOUCHER_042', max_redemptions: null, redeemed_count: 0, funding: 'self', is_active: false, activation_start: null, activation_end: null },
      { id: voucher(W2.vWindow), ngo_request_id: req(W2.reqAlice), code: 'VOUCHER_043', max_redemptions: 5, redeemed_count: 1, funding: 'self', is_active: false, activation_start: null, activation_end: null },
    ]);
    expect(problems('project_vouchers')).toEqual([
      { source_id: W2.vZero, reason: 'no_cap_inactive' },
      { source_id: W2.vWindow, reason: 'invalid_window_inactive' },
      { source_id: W2.vOrphan, reason: 'request_not_imported' },
      { source_id: W2.vBadCode, reason: 'invalid_code' },
      { source_id: W2.vCase, reason: 'case_collision' },
      { source_id: W2.vOver, reason: 'max_redemptions_raised', detail: '2 → 3' },
    ]);
  });

  it('voucher links: the earliest per (voucher, user) linked with the NGO flags, no charge, no consent (§0.1); the NGO\'s own and the others archived and reported', async () => {
    const links = await all(sql`SELECT analysis_id, voucher_id, user_id, status, consented_at, sponsored, charge_transaction_id, is_favourite, is_archived FROM ngo_voucher_redemptions ORDER BY created_at`);
    const dave = targetIdOf('users', 'legacy-42');
    const base = { status: 'linked', consented_at: null, sponsored: false, charge_transaction_id: null };
    expect(links).toEqual([
      { ...base, analysis_id: W2.W2, voucher_id: voucher(W2.vOver), user_id: ID.bob, is_favourite: false, is_archived: true },
      { ...base, analysis_id: W2.W7, voucher_id: voucher(W2.vOver), user_id: ID.carol, is_favourite: true, is_archived: false },
      { ...base, analysis_id: W2.W3, voucher_id: voucher(W2.vOver), user_id: dave, is_favourite: false, is_archived: false },
      { ...base, analysis_id: W2.W4, voucher_id: voucher(W2.vWindow), user_id: dave, is_favourite: false, is_archived: false },
    ]);
    expect(problems('analyses').filter((p) => p.reason.startsWith('voucher'))).toEqual([
      { source_id: W2.W1, reason: 'voucher_own_ngo' }, // alice owns the voucher's NGO (§13.2 check 3)
      { source_id: W2.W5, reason: 'voucher_duplicate_user' },
      { source_id: W2.W6, reason: 'voucher_not_imported' },
    ]);
    expect(await all(sql`SELECT source_id, payload->>'not_linked' AS why FROM import_archive WHERE reason = 'voucher_link' ORDER BY source_id`)).toEqual([
      { source_id: W2.W1, why: 'voucher_own_ngo' },
      { source_id: W2.W5, why: 'voucher_duplicate_user' },
      { source_id: W2.W6, why: 'voucher_not_imported' },
    ]);
    expect(await all(sql`SELECT count(*)::int AS n FROM analyses WHERE id IN (${W2.W1}, ${W2.W5}, ${W2.W6})`)).toEqual([{ n: 3 }]); // the analyses themselves are imported

    // The NGO (alice, approved) sees its programme; contact data stays hidden until the beneficiary consents.
    const alice = (await t.request('POST', '/api/auth/login', { body: { email: 'alice@example.com', password: ALICE_PASSWORD } })).body.data;
    const list = await t.request('GET', '/api/ngo/vouchers', { token: alice.token });
    expect(list.status, list.text).toBe(200);
    expect(list.body.data.find((v: any) => v.id === voucher(W2.vOver))).toMatchObject({ state: 'exhausted', redeemed_count: 3, remaining: 0 });
    const reports = await t.request('GET', `/api/ngo/vouchers/${voucher(W2.vOver)}/analyses?include_archived=true`, { token: alice.token });
    expect(reports.status, reports.text).toBe(200);
    expect(reports.body.data).toHaveLength(3);
    for (const item of reports.body.data) expect(item.beneficiary).toEqual({ full_name: null, email: null, phone_number: null });
  });

  it('partners and social links: valid rows active; non-https links, bad colours and icons imported inactive and reported', async () => {
    const ps = await all(sql`SELECT id, name, name_ar, logo_url, website_url, color, is_active FROM partners ORDER BY display_order`);
    const pid = (sid: string) => targetIdOf('partners', sid);
    expect(ps).toEqual([
      { id: pid(W2.partnerOk), name: 'Syrian Startups', name_ar: 'شريك Syrian Startups', logo_url: 'https://cdn.example.com/logo.png', website_url: 'https://partner.example.org', color: '1A2B3C', is_active: true },
      { id: pid(W2.partnerHttp), name: 'Old Partner', name_ar: 'شريك Old Partner', logo_url: 'https://cdn.example.com/logo.png', website_url: 'https://old.example.com/about', color: '1A2B3C', is_active: false },
      { id: pid(W2.partnerColour), name: 'Bad Colour', name_ar: 'شريك Bad Colour', logo_url: 'https://cdn.example.com/logo.png', website_url: 'https://partner.example.org', color: '6B46C1', is_active: false },
      { id: pid(W2.partnerNoLogo), name: 'No Logo', name_ar: 'No Logo', logo_url: '', website_url: 'https://partner.example.org', color: '1A2B3C', is_active: false },
      { id: pid(W2.partnerSvg), name: 'Scripted Logo', name_ar: 'شريك Scripted Logo', logo_url: '', website_url: 'https://partner.example.org', color: '1A2B3C', is_active: false },
    ]);
    const sl = await all(sql`SELECT platform, url, icon, hover_color, is_active FROM social_links ORDER BY display_order`);
    expect(sl).toEqual([
      { platform: 'Facebook', url: 'https://facebook.com/planlyze', icon: 'Facebook', hover_color: 'hover:bg-blue-600 hover:border-blue-600', is_active: true },
      { platform: 'Twitter', url: 'https://twitter.com/planlyze', icon: 'Twitter', hover_color: 'hover:bg-orange-500 hover:border-orange-500', is_active: false },
      { platform: 'Instagram', url: 'https://instagram.com/planlyze', icon: 'fainstagram', hover_color: 'hover:bg-orange-500 hover:border-orange-500', is_active: false },
    ]);
    expect([...problems('partners'), ...problems('social_media')].map((p) => `${p.source_id} ${p.reason}`)).toEqual([
      `${W2.partnerHttp} website_url_invalid_inactive`,
      `${W2.partnerColour} color_invalid_inactive`,
      `${W2.partnerNoLogo} logo_url_invalid_inactive`,
      `${W2.partnerSvg} logo_url_invalid_inactive`,
      `${W2.socialHttp} url_invalid_inactive`,
      `${W2.socialIcon} icon_invalid_inactive`,
      `${W2.socialIcon} hover_color_invalid_inactive`,
      `${W2.socialScript} url_invalid`,
    ]);
    const archived = await all(sql`SELECT source_id, reason, payload FROM import_archive WHERE source_table IN ('partners', 'social_media') ORDER BY source_id, reason`);
    expect(archived.find((a) => a.source_id === W2.partnerHttp)).toMatchObject({ reason: 'website_url_invalid', payload: { website_url: 'http://old.example.com/about' } });
    expect(archived.find((a) => a.source_id === W2.socialScript)).toMatchObject({ reason: 'url_invalid' });
    // The public catalogs show active rows only.
    expect((await t.request('GET', '/api/partners')).body.data.map((p: any) => p.name)).toEqual(['Syrian Startups']);
    expect((await t.request('GET', '/api/social-media')).body.data.map((p: any) => p.platform)).toEqual(['Facebook']);
  });

  it('contact messages: read flag → status, emails lower-cased, long text cut and archived, unusable rows skipped and archived', async () => {
    const rows = await all(sql`SELECT id, name, email, status, language, ip_hash, char_length(message) AS chars, char_length(name) AS name_chars FROM contact_messages ORDER BY email`);
    const mid = (sid: string) => targetIdOf('contact_messages', sid);
    expect(rows).toEqual([
      { id: mid(W2.msgLong), name: 'Long', email: 'long@example.com', status: 'new', language: 'en', ip_hash: '', chars: 5000, name_chars: 4 },
      { id: mid(W2.msgLongName), name: 'N'.repeat(120), email: 'names@example.com', status: 'new', language: 'en', ip_hash: '', chars: [...CONTACT_BODY].length, name_chars: 120 },
      { id: mid(W2.msgRead), name: 'Sami', email: 'sami@example.com', status: 'read', language: 'en', ip_hash: '', chars: [...CONTACT_BODY].length, name_chars: 4 },
    ]);
    expect(await all(sql`SELECT source_id, reason FROM import_archive WHERE source_table = 'contact_messages' ORDER BY source_id, reason`)).toEqual([
      { source_id: W2.msgLong, reason: 'message_cut' },
      { source_id: W2.msgShort, reason: 'message_too_short' },
      { source_id: W2.msgBadEmail, reason: 'invalid_email' },
      { source_id: W2.msgLongName, reason: 'name_cut' },
    ]);
    const admin = (await t.request('POST', '/api/auth/login', { body: ADMIN })).body.data;
    const inbox = await t.request('GET', '/api/contact-messages', { token: admin.token });
    expect(inbox.status, inbox.text).toBe(200);
    expect(inbox.body.meta.new_count).toBe(2);
  });

  it('report hygiene: no voucher code and no message body in the report or the console', () => {
    const text = JSON.stringify(dry) + JSON.stringify(applied) + lines.join('\n');
    for (const secret of [VOUCHER_CODE, 'VOUCHER_042', 'VOUCHER_043', 'CAROL_001', CONTACT_BODY, 'long message']) expect(text, secret).not.toContain(secret);
  });

  it('a second apply inserts nothing and changes nothing; a new source row is the only thing a later run imports', async () => {
    const before = await fingerprint();
    const again = await runImport(options());
    expect(again.exitCode, again.report.error).toBe(0);
    for (const [table, r] of Object.entries(again.report.tables)) expect(r.inserted, table).toBe(0);
    expect(again.report.tables.project_vouchers).toMatchObject({ already_present: 3 });
    expect(again.report.tables.currencies).toMatchObject({ already_present: 5, mapped_existing: 0 });
    expect(again.report.totals.currencies_created_from_payments).toEqual([]);
    expect(unaccountedTables(again.report)).toEqual([]);
    expect(again.report.totals.voucher_links).toEqual({ linked: 0, not_linked: 0 });
    const after = await fingerprint();
    for (const table of TABLES.filter((x) => x !== 'import_runs')) expect(after[table], table).toBe(before[table]);

    // A link that appears later in the source: one redemption more, counted on its (already imported) voucher.
    await insert(source, 'analyses', { id: 'a0000000-0000-4000-8000-0000000000b7', user_email: 'Carol@Example.com', business_idea: 'مطبخ مركزي للمطاعم الصغيرة', report_type: 'free', voucher_id: W2.vWindow, created_at: '2026-01-20 10:00:00' });
    const later = await runImport(options());
    expect(later.exitCode, later.report.error).toBe(0);
    expect(later.report.tables.analyses).toMatchObject({ inserted: 1 });
    expect(later.report.totals.voucher_links).toEqual({ linked: 1, not_linked: 0 });
    expect(unaccountedTables(later.report)).toEqual([]);
    expect(await one(sql`SELECT redeemed_count, max_redemptions FROM ngo_vouchers WHERE id = ${voucher(W2.vWindow)}`)).toEqual({ redeemed_count: 2, max_redemptions: 5 });
  }, 120_000);

  it('the post-apply check fails a run when an imported voucher counts other than its redemptions', async () => {
    await t.db.execute(sql`UPDATE ngo_vouchers SET redeemed_count = 1 WHERE id = ${voucher(W2.vZero)}`);
    try {
      const run = await runImport(options());
      expect(run.exitCode).toBe(1);
      expect(run.report.error).toBe('post-apply check: 1 imported vouchers have a redeemed_count unlike their redemptions');
    } finally {
      await t.db.execute(sql`UPDATE ngo_vouchers SET redeemed_count = 0 WHERE id = ${voucher(W2.vZero)}`);
    }
  }, 60_000);
});

describe.skipIf(!available)('db:import-flask: the single active default currency becomes the default', () => {
  let t: TestApp;
  let source: SourceDatabase;
  beforeAll(async () => {
    t = await createTestApp();
    source = await createSourceDatabase(SOURCE_ADMIN_URL);
    await insert(source, 'currencies', { id: 'c1', code: 'USD', name: 'US Dollar', symbol: '$', exchange_rate: 1, is_default: false, is_active: true });
    await insert(source, 'currencies', { id: 'c2', code: 'syp', name: 'Syrian Pound', symbol: 'ل.س', exchange_rate: 13000.1234567, is_default: true, is_active: true });
  }, 120_000);
  afterAll(async () => {
    await source?.drop();
    await t?.close();
  });

  it('moves the default in one statement (USD stays active), once: a later change in the target is never undone', async () => {
    const run = () => runImport({ sourceUrl: source.url, db: t.db, dryRun: false, appEnv: 'test', adminEmail: ADMIN.email, expectedMigrations });
    const first = await run();
    expect(first.exitCode, first.report.error).toBe(0);
    expect(first.report.totals.currency_default).toBe('SYP');
    const rows = (await t.db.execute<{ code: string; is_default: boolean; is_active: boolean; rate_per_usd: string }>(sql`SELECT code, is_default, is_active, rate_per_usd FROM currencies ORDER BY code`)).rows;
    expect(rows).toEqual([
      { code: 'SYP', is_default: true, is_active: true, rate_per_usd: '13000.123457' },
      { code: 'USD', is_default: false, is_active: true, rate_per_usd: '1.000000' },
    ]);
    await t.db.execute(sql`UPDATE currencies SET is_default = (code = 'USD')`);
    const second = await run();
    expect(second.exitCode, second.report.error).toBe(0);
    expect((await t.db.execute<{ code: string }>(sql`SELECT code FROM currencies WHERE is_default`)).rows).toEqual([{ code: 'USD' }]);
  }, 60_000);
});

describe.skipIf(!available).each(TARGETS)('db:import-flask: later voucher links onto vouchers imported earlier (target: $kind)', ({ kind }) => {
  let t: TestApp;
  let source: SourceDatabase;
  const L = {
    ngo: 'dd000000-0000-4000-8000-000000000001',
    dave: 'dd000000-0000-4000-8000-000000000002',
    erin: 'dd000000-0000-4000-8000-000000000003',
    request: 'dd000000-0000-4000-8000-000000000011',
    capped: 'dd000000-0000-4000-8000-000000000021',
    unused: 'dd000000-0000-4000-8000-000000000022',
    first: 'dd000000-0000-4000-8000-000000000031',
    again: 'dd000000-0000-4000-8000-000000000032',
    other: 'dd000000-0000-4000-8000-000000000033',
    toDeleted: 'dd000000-0000-4000-8000-000000000034',
  };
  const analysis = (id: string, email: string, voucherId: string, createdAt: string) =>
    insert(source, 'analyses', { id, user_email: email, business_idea: 'ورشة لإصلاح الهواتف في حلب', report_type: 'free', voucher_id: voucherId, created_at: createdAt });
  const run = () => runImport({ sourceUrl: source.url, db: t.db, dryRun: false, appEnv: 'test', adminEmail: ADMIN.email, expectedMigrations });
  const voucherRow = async (sid: string) =>
    (await t.db.execute<{ redeemed_count: number; max_redemptions: number | null }>(sql`SELECT redeemed_count, max_redemptions FROM ngo_vouchers WHERE id = ${voucher(sid)}`)).rows[0];

  beforeAll(async () => {
    t = await createTestApp({}, { databaseKind: kind });
    source = await createSourceDatabase(SOURCE_ADMIN_URL);
    for (const [id, email, code] of [[L.ngo, 'ngo@example.org', 'NGOACC01'], [L.dave, 'dave@example.org', 'DAVEAC01'], [L.erin, 'erin@example.org', 'ERINAC01']] as const) {
      await insert(source, 'users', { id, email, password_hash: null, credits: 0, referral_code: code, created_at: '2026-01-01 10:00:00' });
    }
    await insert(source, 'ngo_requests', {
      id: L.request, user_id: L.ngo, organization_name: 'Aleppo Makers', organization_type: 'nonprofit', contact_name: 'Lina Aziz', contact_email: 'lina@example.org',
      contact_phone: '+963 21 000 0000', status: 'approved', created_at: '2026-01-02 10:00:00',
    });
    await insert(source, 'project_vouchers', { id: L.capped, ngo_request_id: L.request, code: 'MAKERS_1', name: 'Makers', linked_ideas_count: 1, is_active: true, created_at: '2026-01-03 10:00:00' });
    await insert(source, 'project_vouchers', { id: L.unused, ngo_request_id: L.request, code: 'MAKERS_2', name: 'Makers 2', linked_ideas_count: 3, is_active: true, created_at: '2026-01-03 11:00:00' });
    await analysis(L.first, 'dave@example.org', L.capped, '2026-01-04 10:00:00');
  }, 120_000);
  afterAll(async () => {
    await source?.drop();
    await t?.close();
  });

  it('an analysis an earlier build imported without its link claims no pair; a cap a later link overshoots is raised and reported; a voucher deleted since links nothing', async () => {
    const first = await run();
    expect(first.exitCode, first.report.error).toBe(0);
    expect(first.report.totals.voucher_links).toEqual({ linked: 1, not_linked: 0 });
    expect(await voucherRow(L.capped)).toEqual({ redeemed_count: 1, max_redemptions: 1 });

    // What an earlier build left: the analysis imported (in import_map), its link archived instead of written.
    await t.db.execute(sql`DELETE FROM ngo_voucher_redemptions WHERE analysis_id = ${L.first}`);
    await t.db.execute(sql`UPDATE ngo_vouchers SET redeemed_count = 0 WHERE id = ${voucher(L.capped)}`);
    // The NGO deleted its unused voucher since (allowed: no redemptions).
    await t.db.execute(sql`DELETE FROM ngo_vouchers WHERE id = ${voucher(L.unused)}`);
    // New in the source: dave again on the same voucher, erin on it too (over its cap of 1), and a link to the deleted voucher.
    await analysis(L.again, 'dave@example.org', L.capped, '2026-01-05 10:00:00');
    await analysis(L.other, 'erin@example.org', L.capped, '2026-01-06 10:00:00');
    await analysis(L.toDeleted, 'erin@example.org', L.unused, '2026-01-07 10:00:00');

    const later = await run();
    expect(later.exitCode, later.report.error).toBe(0);
    expect(unaccountedTables(later.report)).toEqual([]);
    expect(later.report.totals.voucher_links).toEqual({ linked: 2, not_linked: 1 });
    const links = (await t.db.execute<{ analysis_id: string; user_id: string }>(sql`SELECT analysis_id, user_id FROM ngo_voucher_redemptions WHERE voucher_id = ${voucher(L.capped)} ORDER BY created_at`)).rows;
    expect(links).toEqual([{ analysis_id: L.again, user_id: L.dave }, { analysis_id: L.other, user_id: L.erin }]);
    expect(await voucherRow(L.capped)).toEqual({ redeemed_count: 2, max_redemptions: 2 });
    const reported = later.report.problems.filter((p) => p.table === 'project_vouchers' || p.reason.startsWith('voucher')).map(({ table, source_id, reason, detail }) => ({ table, source_id, reason, detail }));
    expect(reported).toEqual([
      { table: 'project_vouchers', source_id: L.unused, reason: 'deleted_in_target', detail: undefined },
      { table: 'analyses', source_id: L.toDeleted, reason: 'voucher_not_imported', detail: undefined },
      { table: 'project_vouchers', source_id: L.capped, reason: 'max_redemptions_raised', detail: '1 → 2' },
    ]);

    // A pair the target already holds stays taken, whoever linked it: a third dave analysis is not linked.
    await analysis('dd000000-0000-4000-8000-000000000035', 'dave@example.org', L.capped, '2026-01-08 10:00:00');
    const third = await run();
    expect(third.exitCode, third.report.error).toBe(0);
    expect(third.report.problems.filter((p) => p.reason.startsWith('voucher'))).toEqual([
      { table: 'analyses', source_id: 'dd000000-0000-4000-8000-000000000035', reason: 'voucher_duplicate_user' },
    ]);
    expect(third.report.problems.some((p) => p.reason === 'max_redemptions_raised')).toBe(false);
  }, 120_000);
});
