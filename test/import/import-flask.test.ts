/**
 * The Flask importer (SPEC-WAVE2 §16) end to end: a fixture source database with the upstream schema on
 * PostgreSQL, the target through the real app database layer (PGlite, or PostgreSQL with TEST_DATABASE_URL).
 * Refusals, dry run, an interrupted apply that resumes, the mapping, money, idempotency, login, shares.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport, type ImportOptions } from '../../src/import/run.js';
import { uuidv5 } from '../../src/import/plan.js';
import { ADMIN, createTestApp, ledgerInvariant, type TestApp } from '../support/harness.js';
import { unaccountedTables } from './report-check.js';
import {
  addRefusedRows,
  ALICE_PASSWORD,
  BALANCES,
  createSourceDatabase,
  DAVE_SOURCE_ID,
  DELETED_SHARE_TOKEN,
  fillFixture,
  ID,
  postgresAvailable,
  removeRefusedRows,
  SHARE_TOKEN,
  type SourceDatabase,
} from './upstream-fixture.js';

const SOURCE_ADMIN_URL = process.env.TEST_SOURCE_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const available = await postgresAvailable(SOURCE_ADMIN_URL);
if (!available) console.warn(`import-flask tests skipped: no PostgreSQL for the source at ${SOURCE_ADMIN_URL}`);

const journal = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'drizzle', 'meta', '_journal.json'), 'utf8')) as { entries: { when: number }[] };

/** Every table the importer may write, for "nothing written" checks. */
const TARGET_TABLES = [
  'users', 'roles', 'transactions', 'legacy_transactions', 'credit_packages', 'payment_methods', 'discount_codes', 'discount_redemptions',
  'discount_code_user_uses', 'payments', 'analyses', 'analysis_sections', 'report_shares', 'referrals', 'notifications', 'chat_conversations',
  'activity_feed', 'audit_logs', 'email_templates', 'system_settings', 'import_runs', 'import_map', 'import_archive',
];

/** The target on PGlite always, and on PostgreSQL too when TEST_DATABASE_URL is set (the source is always PostgreSQL). */
const TARGETS = [{ kind: 'pglite' as const }, ...(process.env.TEST_DATABASE_URL ? [{ kind: 'pg' as const }] : [])];

describe.skipIf(!available).each(TARGETS)('db:import-flask (target: $kind)', ({ kind }) => {
  let t: TestApp;
  let source: SourceDatabase;
  const lines: string[] = [];

  const options = (over: Partial<ImportOptions> = {}): ImportOptions => ({
    sourceUrl: source.url,
    db: t.db,
    dryRun: false,
    pendingPayments: 'import',
    appEnv: 'test',
    adminEmail: ADMIN.email,
    batchSize: 3,
    expectedMigrations: { count: journal.entries.length, lastWhen: journal.entries.at(-1)!.when },
    log: (l) => lines.push(l),
    ...over,
  });

  async function fingerprint(): Promise<Record<string, string>> {
    const parts = TARGET_TABLES.map((table) => sql`(SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') FROM ${sql.identifier(table)} x) AS ${sql.identifier(table)}`);
    const res = await t.db.execute<Record<string, string>>(sql`SELECT ${sql.join(parts, sql`, `)}`);
    return res.rows[0]!;
  }
  const one = async <T = any>(q: ReturnType<typeof sql>) => (await t.db.execute(q)).rows[0] as T;
  const all = async <T = any>(q: ReturnType<typeof sql>) => (await t.db.execute(q)).rows as T[];

  beforeAll(async () => {
    t = await createTestApp({}, { databaseKind: kind });
    // The email-lifecycle columns of SPEC-WAVE2 §11 (a no-op once that migration is in): the importer fills them when present.
    await t.db.execute(sql`ALTER TABLE users ADD COLUMN IF NOT EXISTS email_verified_at timestamptz, ADD COLUMN IF NOT EXISTS signup_bonus_due boolean NOT NULL DEFAULT true`);
    source = await createSourceDatabase(SOURCE_ADMIN_URL);
    await fillFixture(source, { adminEmail: ADMIN.email });
  }, 120_000);
  afterAll(async () => {
    await source?.drop();
    await t?.close();
  });

  it('refuses, listing every refusal, and writes nothing (dry run) or only a refused run row (apply)', async () => {
    await addRefusedRows(source);
    try {
      const before = await fingerprint();
      const dry = await runImport(options({ dryRun: true, pendingPayments: undefined }));
      expect(dry.exitCode).toBe(2);
      const codes = dry.report.refusals.map((r) => r.code).sort();
      expect(codes).toEqual(['duplicate_email', 'negative_credits', 'pending_payments']);
      const dup = dry.report.refusals.find((r) => r.code === 'duplicate_email')!;
      expect(dup.details).toMatchObject({ email: 'alice@example.com', source_ids: expect.arrayContaining([ID.alice, 'dup00000-0000-4000-8000-000000000001']) });
      expect(await fingerprint()).toEqual(before);

      const applied = await runImport(options({ pendingPayments: undefined }));
      expect(applied.exitCode).toBe(2);
      const after = await fingerprint();
      for (const table of TARGET_TABLES.filter((x) => x !== 'import_runs')) expect(after[table], table).toBe(before[table]);
      expect(await all(sql`SELECT status FROM import_runs`)).toEqual([{ status: 'refused' }]);

      const production = await runImport(options({ appEnv: 'production' }));
      expect(production.report.refusals.map((r) => r.code)).toContain('production_unconfirmed');
      const unreachable = await runImport(options({ dryRun: true, sourceUrl: 'postgres://nobody@127.0.0.1:1/none' }));
      expect(unreachable.exitCode).toBe(2);
      expect(unreachable.report.refusals[0]!.code).toBe('source_unreachable');
      const stale = await runImport(options({ dryRun: true, expectedMigrations: { count: 99, lastWhen: 0 } }));
      expect(stale.report.refusals.map((r) => r.code)).toContain('target_not_migrated');
    } finally {
      await removeRefusedRows(source);
      await t.db.execute(sql`DELETE FROM import_runs`);
    }
  }, 60_000);

  it.skipIf(kind !== 'pg')('refuses a source that is the target database itself', async () => {
    const name = (await one<{ db: string }>(sql`SELECT current_database() AS db`)).db;
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${name}`;
    const same = await runImport(options({ dryRun: true, sourceUrl: url.toString() }));
    expect(same.exitCode).toBe(2);
    expect(same.report.refusals.map((r) => r.code)).toContain('same_database');
  });

  it('refuses while another import runs; a run older than 6 h is taken over with a warning', async () => {
    await t.db.execute(sql`INSERT INTO import_runs (mode, status, source_fingerprint) VALUES ('apply', 'running', 'elsewhere')`);
    try {
      const busy = await runImport(options({ dryRun: true }));
      expect(busy.exitCode).toBe(2);
      expect(busy.report.refusals.map((r) => r.code)).toEqual(['import_running']);
      await t.db.execute(sql`UPDATE import_runs SET started_at = now() - interval '7 hours'`);
      const stale = await runImport(options({ dryRun: true }));
      expect(stale.exitCode).toBe(0);
      expect(stale.report.warnings.join('\n')).toMatch(/running for more than 6 h/);
    } finally {
      await t.db.execute(sql`DELETE FROM import_runs`);
    }
  }, 60_000);

  it('refuses a source missing a first-day table or column; later columns and tables may be absent (warnings)', async () => {
    const old = await createSourceDatabase(SOURCE_ADMIN_URL);
    try {
      await old.query('DROP TABLE referrals; ALTER TABLE users DROP COLUMN credits');
      const refused = await runImport(options({ dryRun: true, sourceUrl: old.url }));
      expect(refused.exitCode).toBe(2);
      expect(refused.report.refusals.map((r) => r.message).sort()).toEqual(['source column users.credits is missing', 'source table referrals is missing']);
      await old.query('CREATE TABLE referrals (id varchar(36) PRIMARY KEY, referrer_email varchar(255) NOT NULL, referred_email varchar(255) NOT NULL, referral_code varchar(50) NOT NULL, status varchar(50), rewarded_at timestamp, created_at timestamp)');
      await old.query('ALTER TABLE users ADD COLUMN credits integer; ALTER TABLE users DROP COLUMN display_name; DROP TABLE social_media');
      await old.query(`INSERT INTO users (id, email, credits, referral_code) VALUES ('0ld00000-0000-4000-8000-000000000001', 'old@example.com', 2, 'OLD00001')`);
      const ok = await runImport(options({ dryRun: true, sourceUrl: old.url }));
      expect(ok.exitCode, JSON.stringify(ok.report.refusals)).toBe(0);
      expect(ok.report.warnings).toEqual(expect.arrayContaining(['column users.display_name is absent: read as NULL', 'table social_media is absent: nothing to import from it']));
      expect(ok.report.tables.users).toMatchObject({ read: 1, inserted: 1 });
    } finally {
      await old.drop();
    }
  }, 60_000);

  let dryReport: Awaited<ReturnType<typeof runImport>>['report'];

  it('dry run: reads and plans everything, writes nothing, and reports what it would do', async () => {
    const before = await fingerprint();
    const dry = await runImport(options({ dryRun: true }));
    expect(dry.exitCode, JSON.stringify(dry.report.refusals)).toBe(0);
    expect(await fingerprint()).toEqual(before);
    dryReport = dry.report;
    // The bootstrap admin found in the source is mapped onto the target's account, not inserted.
    expect(dry.report.tables.users).toMatchObject({ read: 5, inserted: 4, already_present: 0, mapped_existing: 1 });
    expect(unaccountedTables(dry.report)).toEqual([]);
    expect(dry.report.totals.opening_balances).toEqual({ count: 3, credits: BALANCES.alice + BALANCES.carol + BALANCES.admin });
    expect(dry.report.tables.api_request_logs?.inserted ?? 0).toBe(0);
  }, 60_000);

  it('an interrupted apply leaves whole chunks and reports what the dry run reported; the next run resumes', async () => {
    const broken = await runImport(options({ failAfterChunks: 4 }));
    expect(broken.exitCode).toBe(1);
    const strip = (r: typeof dryReport) => ({ tables: r.tables, totals: r.totals, problems: r.problems, warnings: r.warnings });
    expect(strip(broken.report)).toEqual(strip(dryReport));
    expect(await one(sql`SELECT status FROM import_runs WHERE id = ${broken.report.run_id!}`)).toEqual({ status: 'failed' });
    const partial = Number((await one<{ n: string }>(sql`SELECT count(*) AS n FROM import_map`)).n);
    expect(partial).toBeGreaterThan(0);

    const started = performance.now();
    const resumed = await runImport(options());
    const ms = performance.now() - started;
    expect(resumed.exitCode, resumed.report.error).toBe(0);
    const sourceRows = Object.values(resumed.report.tables).reduce((n, x) => n + x.read, 0);
    console.log(`[import] resumed run: ${sourceRows} source rows in ${ms.toFixed(0)} ms (${((sourceRows / ms) * 1000).toFixed(0)} rows/s), chunks ${String(resumed.report.totals.chunks)}`);
    expect(resumed.report.tables.users!.already_present + resumed.report.tables.users!.inserted + resumed.report.tables.users!.mapped_existing).toBe(5);
    expect(unaccountedTables(resumed.report)).toEqual([]);
  }, 120_000);

  it('users: emails normalised, ids kept (v5 otherwise), bcrypt kept, unusable passwords !unset, profile rules', async () => {
    const alice = await one(sql`SELECT * FROM users WHERE id = ${ID.alice}`);
    expect(alice).toMatchObject({ email: 'alice@example.com', language: 'ar', full_name: 'أليس الشامي', referral_code: 'A1B2C3D4', phone_number: '+963 944 123 456', onboarding_completed: true });
    expect(alice.password_hash).toMatch(/^\$2[aby]\$/);
    expect(alice.notification_preferences).toEqual({ analysis_completed: false, analysis_failed: true, credits_low: true, credits_added: true, payment_approved: true, payment_rejected: true, referral_joined: true, share_opened: false, announcement: true });
    const bob = await one(sql`SELECT * FROM users WHERE id = ${ID.bob}`);
    expect(bob.password_hash).toBe('!unset');
    expect(bob.referral_code).toMatch(/^[A-Z0-9]{8}$/);
    expect(new Date(bob.created_at).toISOString()).toBe('2025-11-03T09:00:00.000Z'); // NULL created_at → updated_at
    const carol = await one(sql`SELECT u.*, r.name AS role_name, r.permissions AS role_permissions FROM users u JOIN roles r ON r.id = u.role_id WHERE u.id = ${ID.carol}`);
    expect(carol).toMatchObject({ password_hash: '!unset', language: 'ar', phone_number: null, profile_image: null, role_name: 'content_editor_' });
    expect(carol.role_permissions).toEqual(['view_users']);
    const dave = await one(sql`SELECT * FROM users WHERE id = ${uuidv5(`users:${DAVE_SOURCE_ID}`)}`);
    expect(dave).toMatchObject({ email: 'dave@example.com', is_active: false });
    expect(dave.referral_code).not.toBe('A1B2C3D4'); // taken by alice: regenerated
    expect(new Date(alice.email_verified_at).toISOString()).toBe('2025-11-02T12:00:00.000Z'); // verified upstream → its created_at
    expect(bob.email_verified_at).toBeNull();
    expect([alice.signup_bonus_due, bob.signup_bonus_due, carol.signup_bonus_due]).toEqual([false, false, false]);
    const admins = await all(sql`SELECT id FROM users WHERE email = ${ADMIN.email}`);
    expect(admins).toHaveLength(1); // the bootstrap admin was reused, not duplicated
    expect(dryReport.problems).toContainEqual(expect.objectContaining({ reason: 'mapped_to_bootstrap_admin' }));
  });

  it('money: one opening balance per user equal to the source balance, the ledger invariant for everyone, history kept apart', async () => {
    const rows = await all(sql`SELECT u.id, u.email, u.credits FROM users u`);
    for (const u of rows) {
      const inv = await ledgerInvariant(t, u.id);
      expect(inv.balance, u.email).toBe(inv.ledgerSum);
    }
    const byEmail = Object.fromEntries(rows.map((r) => [r.email, Number(r.credits)]));
    expect(byEmail['alice@example.com']).toBe(BALANCES.alice);
    expect(byEmail['carol@example.com']).toBe(BALANCES.carol);
    expect(byEmail['bob@example.com']).toBe(0);
    expect(byEmail[ADMIN.email]).toBe(BALANCES.admin);
    const opening = await all(sql`SELECT user_id, credits, description FROM transactions WHERE type = 'opening_balance' ORDER BY credits`);
    expect(opening.map((o) => Number(o.credits))).toEqual([3, 7, 25]);
    expect(opening[0].description).toBe('Balance imported from Planlyze (Flask)');
    const legacy = await all(sql`SELECT type, credits, amount_usd, status FROM legacy_transactions ORDER BY created_at, type`);
    expect(legacy).toHaveLength(4);
    expect(legacy.find((l) => l.type === 'purchase')!.amount_usd).toBe('2.68'); // 2.675 half-up
    expect(legacy.find((l) => l.type === 'bonus from client')!.amount_usd).toBe('37.82');
    expect(legacy.find((l) => l.type === 'usage')!.status).toBe('refunded');
    expect(dryReport.totals.legacy_sum_mismatches).toBeGreaterThan(0);

    const login = await t.request('POST', '/api/auth/login', { body: { email: 'alice@example.com', password: ALICE_PASSWORD } });
    const me = await t.request('GET', '/api/auth/me', { token: login.body.data.token });
    expect(me.body.data.credits).toBe(BALANCES.alice);
  });

  it('GET /transactions/legacy: own upstream history, newest first; another user needs view_credits', async () => {
    const alice = (await t.request('POST', '/api/auth/login', { body: { email: 'alice@example.com', password: ALICE_PASSWORD } })).body.data;
    const own = await t.request('GET', '/api/transactions/legacy', { token: alice.token });
    expect(own.status, own.text).toBe(200);
    expect(own.body.data.map((r: any) => [r.type, r.credits, r.amount_usd])).toEqual([['analysis', -10, null], ['purchase', 20, 2.68]]);
    expect(own.body.pagination.total).toBe(2);
    const other = await t.request('GET', `/api/transactions/legacy?user_id=${ID.carol}`, { token: alice.token });
    expect(other.status).toBe(403);
    const admin = (await t.request('POST', '/api/auth/login', { body: ADMIN })).body.data;
    const seen = await t.request('GET', `/api/transactions/legacy?user_id=${ID.carol}`, { token: admin.token });
    expect(seen.body.data).toEqual([expect.objectContaining({ type: 'bonus from client', credits: 999, amount_usd: 37.82, status: 'completed' })]);
  });

  it('payments: amounts to cents, packages and methods matched or made legacy, discounts and counters, review data', async () => {
    const list = await all(sql`SELECT p.*, m.name AS method, m.is_active AS method_active, k.name AS package FROM payments p
      JOIN payment_methods m ON m.id = p.payment_method_id JOIN credit_packages k ON k.id = p.package_id ORDER BY p.created_at, p.credits`);
    expect(list).toHaveLength(4); // the zero-price one is skipped
    const alice = list.find((p) => p.user_id === ID.alice)!;
    expect(alice).toMatchObject({ source: 'import', list_price_usd: '11.10', discount_usd: '1.11', amount_usd: '9.99', method: 'Bank transfer', status: 'approved', package: 'Legacy purchase' });
    const bob = list.find((p) => p.user_id === ID.bob)!;
    expect(bob).toMatchObject({ method: 'Western Union', method_active: false, package: 'Starter', list_price_usd: '9.99' });
    const rejected = list.find((p) => p.status === 'rejected')!;
    expect(rejected).toMatchObject({ rejection_reason: 'الإيصال غير واضح', method: 'Unknown (legacy)' });
    const pending = list.find((p) => p.status === 'pending')!;
    expect(pending.notes).toMatch(/^\[imported: verify amount and credits\]/);
    expect(pending.reviewed_at).toBeNull();
    expect(pending.payment_proof).toBeNull(); // allowed for imports only (payments_proof_unless_imported)
    const admin = (await t.request('POST', '/api/auth/login', { body: ADMIN })).body.data;
    const detail = await t.request('GET', `/api/payments/${pending.id}`, { token: admin.token });
    expect(detail.status, detail.text).toBe(200);
    expect(detail.body.data).toMatchObject({ payment_proof: null, status: 'pending', credits: 500 });
    await expect(t.db.execute(sql`INSERT INTO payments (user_id, package_id, payment_method_id, credits, list_price_usd, amount_usd, payment_proof)
      VALUES (${pending.user_id}, ${pending.package_id}, ${pending.payment_method_id}, 1, 1, 1, NULL)`)).rejects.toThrow();
    // No purchase rows: the balances already hold them.
    expect(await all(sql`SELECT id FROM transactions WHERE type = 'purchase'`)).toEqual([]);
    const codes = await all(sql`SELECT code, discount_percent, discount_amount, max_uses, uses_count, per_user_limit FROM discount_codes WHERE code IN ('SAVE10', 'BOTH')`);
    expect(codes.find((c) => c.code === 'SAVE10')).toMatchObject({ discount_percent: 10, max_uses: 2, uses_count: 2 }); // overshoot raised
    expect(codes.find((c) => c.code === 'BOTH')).toMatchObject({ discount_percent: 5, discount_amount: null });
    const redemptions = await all(sql`SELECT status FROM discount_redemptions ORDER BY status`);
    expect(redemptions.map((r) => r.status)).toEqual(['confirmed', 'confirmed']);
    // SYP (and carol's lower-case 'syp') now map onto the imported currency: nothing archived, the §12.1 columns filled.
    expect(await all(sql`SELECT source_id, reason FROM import_archive WHERE reason = 'currency_detail'`)).toHaveLength(0);
    expect(bob).toMatchObject({ currency_code: 'SYP', exchange_rate: '12000.000000', currency_decimals: 2, currency_amount_minor: '11988000' });
    expect(rejected).toMatchObject({ currency_code: 'SYP', currency_amount_minor: '500' });
    expect(alice).toMatchObject({ currency_code: 'USD', exchange_rate: '1.000000', currency_amount_minor: '999' });
    // bob: 9.99 USD × 12000 = 119880 SYP, consistent; carol's rejected one says 5 SYP: flagged
    expect(dryReport.problems.filter((p) => p.reason === 'currency_amount_mismatch')).toEqual([
      { table: 'payments', source_id: 'p0000000-0000-4000-8000-000000000003', reason: 'currency_amount_mismatch', detail: 'SYP' },
    ]);
    expect(dryReport.totals.payments_imported_pending).toBe(1);
  });

  it('analyses: tiers, migrated market, invalid tabs failed and archived, legacy_paid, deleted, short ideas archived', async () => {
    const a1 = await one(sql`SELECT * FROM analyses WHERE id = ${ID.A1}`);
    expect(a1).toMatchObject({ report_type: 'premium', report_language: 'ar', legacy_paid: true, status: 'failed', market_fit_score: 72, user_rating: null });
    expect([...a1.user_feedback].length).toBe(2000);
    const sections = Object.fromEntries((await all(sql`SELECT section, status, content, error_code FROM analysis_sections WHERE analysis_id = ${ID.A1}`)).map((s) => [s.section, s]));
    expect(sections.overview.status).toBe('completed');
    expect(sections.market.status).toBe('completed');
    expect(sections.market.content.local_market.opportunity).toBe('كبيرة');
    expect(sections.market.content.syrian_market).toBeUndefined();
    expect(sections.market.content.competitors[0].links).toEqual({ android: 'https://play.example/1', website: 'https://c1.example' });
    expect(sections.business).toMatchObject({ status: 'failed', error_code: 'legacy_invalid' });
    expect(sections.technical.status).toBe('pending');
    const a2 = await one(sql`SELECT legacy_paid, report_type FROM analyses WHERE id = ${ID.A2}`);
    expect(a2).toEqual({ legacy_paid: false, report_type: 'premium' }); // its charge was refunded upstream
    const a3 = await one(sql`SELECT status, deleted_at FROM analyses WHERE id = ${ID.A3}`);
    expect(a3.status).toBe('completed');
    expect(a3.deleted_at).not.toBeNull();
    expect(await all(sql`SELECT section FROM analysis_sections WHERE analysis_id = ${ID.A3} ORDER BY section`)).toEqual([{ section: 'market' }, { section: 'overview' }]);
    const a6 = await one(sql`SELECT status FROM analyses WHERE id = ${ID.A6}`);
    expect(a6.status).toBe('failed');
    const archived = await all(sql`SELECT source_id, reason FROM import_archive WHERE source_table = 'analyses' ORDER BY source_id, reason`);
    expect(archived).toEqual(expect.arrayContaining([
      { source_id: ID.A1, reason: 'legacy_report' },
      { source_id: ID.A1, reason: 'section_invalid:business' },
      { source_id: ID.A3, reason: 'tier_excluded:business' },
      { source_id: 'a0000000-0000-4000-8000-0000000000a4', reason: 'idea_too_short' },
      { source_id: ID.A6, reason: 'section_invalid:overview' },
    ]));
  });

  it('shares: legacy tokens open the sanitised report, stored only as hashes; deleted analyses inactive; foreign creators skipped', async () => {
    const res = await t.request('GET', `/api/report-shares/public/${SHARE_TOKEN}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.report.market.local_market.opportunity).toBe('كبيرة');
    expect((await t.request('GET', `/api/report-shares/public/${DELETED_SHARE_TOKEN}`)).status).toBe(404);
    const shares = await all(sql`SELECT token_hash, view_count, is_active FROM report_shares`);
    expect(shares).toHaveLength(2);
    expect(JSON.stringify(shares)).not.toContain(SHARE_TOKEN);
    expect(dryReport.tables.report_shares!.skipped).toEqual({ analysis_not_imported: 1, creator_not_owner: 1 });
  });

  it('referrals, notifications, conversations, activity, audit, templates, settings', async () => {
    const refs = await all(sql`SELECT referrer_id, referred_id, status FROM referrals ORDER BY created_at`);
    expect(refs).toEqual([
      { referrer_id: ID.alice, referred_id: ID.bob, status: 'joined' },
      { referrer_id: ID.carol, referred_id: uuidv5(`users:${DAVE_SOURCE_ID}`), status: 'rewarded' },
    ]);
    expect((await one(sql`SELECT referred_by FROM users WHERE id = ${ID.bob}`)).referred_by).toBe(ID.alice);
    expect(dryReport.tables.referrals!.skipped).toEqual({ duplicate_referred: 1, cycle: 1, self_referral: 1 });

    const notes = await all(sql`SELECT type, title, message, data, is_read FROM notifications ORDER BY type`);
    expect(notes).toEqual([
      { type: 'analysis_completed', title: 'تقريرك جاهز', message: '', data: { analysis_id: ID.A1 }, is_read: true },
      { type: 'announcement', title: 'server_error', message: 'x', data: { legacy_type: 'server_error' }, is_read: false },
    ]);
    const chat = await one(sql`SELECT message_count, analysis_id, jsonb_array_length(messages) AS n, messages->0 AS first, messages->-1 AS last FROM chat_conversations WHERE user_id = ${ID.alice}`);
    expect(chat).toMatchObject({ message_count: 200, n: 200, analysis_id: ID.A1 });
    expect(chat.last.content).toBe('رسالة 249');
    const bobChat = await one(sql`SELECT analysis_id, message_count FROM chat_conversations WHERE user_id = ${ID.bob}`);
    expect(bobChat).toEqual({ analysis_id: null, message_count: 0 }); // not bob's analysis
    expect(await all(sql`SELECT action, data FROM activity_feed`)).toEqual([{ action: 'analysis_created', data: { title: 'فكرة جديدة', description: null, metadata: { a: 1 }, legacy: true } }]);
    const audit = await one(sql`SELECT action, entity_type, actor_id FROM audit_logs WHERE action LIKE 'legacy.%'`);
    expect(audit).toMatchObject({ action: 'legacy.payment_approved', entity_type: 'legacy' });
    const templates = await all(sql`SELECT template_key, is_active FROM email_templates WHERE template_key LIKE 'legacy_%'`);
    expect(templates).toEqual([{ template_key: 'legacy_low_credits', is_active: false }]);
    expect((await one(sql`SELECT value FROM system_settings WHERE key = 'premium_report_cost'`)).value).toBe(10);
    const archivedSettings = await all(sql`SELECT reason FROM import_archive WHERE source_table = 'system_settings' ORDER BY reason`);
    expect(archivedSettings).toEqual([{ reason: 'invalid_value' }, { reason: 'unknown_key' }]);
  });

  it('a second apply inserts nothing and books nothing; a setting changed since is not re-applied', async () => {
    await t.db.execute(sql`UPDATE system_settings SET value = '7'::jsonb WHERE key = 'premium_report_cost'`);
    const before = await fingerprint();
    const again = await runImport(options());
    expect(again.exitCode, again.report.error).toBe(0);
    for (const [table, r] of Object.entries(again.report.tables)) expect(r.inserted, table).toBe(0);
    expect(unaccountedTables(again.report)).toEqual([]);
    expect(again.report.totals.balance_drift).toBe(0);
    const after = await fingerprint();
    for (const table of TARGET_TABLES.filter((x) => x !== 'import_runs')) expect(after[table], table).toBe(before[table]);
  }, 60_000);

  it('a later run imports only rows new in the source, and reports a balance that moved without booking it', async () => {
    await source.query(`UPDATE users SET credits = 40 WHERE id = $1`, [ID.alice]);
    await source.query(`INSERT INTO notifications (id, user_email, type, title, message) VALUES ('n0000000-0000-4000-8000-000000000009', 'bob@example.com', 'credits_added', 'late', 'late')`);
    try {
      const later = await runImport(options());
      expect(later.exitCode, later.report.error).toBe(0);
      expect(later.report.tables.notifications).toMatchObject({ inserted: 1, already_present: 2 });
      expect(unaccountedTables(later.report)).toEqual([]);
      expect(later.report.totals.balance_drift).toBe(1);
      expect(later.report.problems).toContainEqual({ table: 'users', source_id: ID.alice, reason: 'balance_drift', email: 'alice@example.com', detail: '25 → 40' });
      expect(Number((await one(sql`SELECT credits FROM users WHERE id = ${ID.alice}`)).credits)).toBe(BALANCES.alice);
      expect((await ledgerInvariant(t, ID.alice)).ledgerSum).toBe(BALANCES.alice);
    } finally {
      await source.query(`UPDATE users SET credits = 25 WHERE id = $1`, [ID.alice]);
    }
  }, 60_000);

  it('auth: a bcrypt user logs in with the old password and is re-hashed to scrypt; an !unset user gets the generic 401', async () => {
    const ok = await t.request('POST', '/api/auth/login', { body: { email: 'ALICE@example.com', password: ALICE_PASSWORD } });
    expect(ok.status, ok.text).toBe(200);
    expect((await one(sql`SELECT password_hash FROM users WHERE id = ${ID.alice}`)).password_hash).toMatch(/^\$scrypt\$/);
    const wrong = await t.request('POST', '/api/auth/login', { body: { email: 'carol@example.com', password: 'pbkdf2:sha256:600000$abc$def' } });
    expect(wrong.status).toBe(401);
    const unset = await t.request('POST', '/api/auth/login', { body: { email: 'bob@example.com', password: '!unset' } });
    expect(unset.status).toBe(401);
    expect(unset.body.error_code).toBe(wrong.body.error_code);
  });

  it('report hygiene: no hash, code, token, proof or message body in the report or the console', () => {
    const text = JSON.stringify(dryReport) + lines.join('\n');
    for (const secret of ['$2b$', '$2a$', 'pbkdf2', SHARE_TOKEN, DELETED_SHARE_TOKEN, 'iVBORw0KGgo', '123456', '654321', 'رسالة 1', ALICE_PASSWORD]) {
      expect(text, secret).not.toContain(secret);
    }
  });
});

describe.skipIf(!available)('db:import-flask --templates=prefer-source', () => {
  let t: TestApp;
  let source: SourceDatabase;
  beforeAll(async () => {
    t = await createTestApp();
    source = await createSourceDatabase(SOURCE_ADMIN_URL);
    const tpl = (id: string, key: string, bodyEn: string) =>
      source.query(`INSERT INTO email_templates (id, template_key, name, subject_en, subject_ar, body_en, body_ar) VALUES ($1, $2, $2, 'Subject', 'الموضوع', $3, 'نص {{name}}')`, [id, key, bodyEn]);
    await tpl('e1000000-0000-4000-8000-000000000001', 'payment_approved', 'Hi {{name}}, {{credits}} credits are yours.');
    await tpl('e1000000-0000-4000-8000-000000000002', 'payment_rejected', '{{#if reason}}Because {{reason}}{{/if}}');
    await tpl('e1000000-0000-4000-8000-000000000003', 'analysis_completed', 'Hi {{name}}, see {{secret_link}}');
  }, 120_000);
  afterAll(async () => {
    await source?.drop();
    await t?.close();
  });

  it('replaces a product template only without conditionals and with declared variables; the rest become inactive legacy_<key>', async () => {
    const result = await runImport({
      sourceUrl: source.url, db: t.db, dryRun: false, appEnv: 'test', adminEmail: ADMIN.email, templates: 'prefer-source',
      expectedMigrations: { count: journal.entries.length, lastWhen: journal.entries.at(-1)!.when },
    });
    expect(result.exitCode, result.report.error).toBe(0);
    const rows = (await t.db.execute<{ template_key: string; body_en: string; is_active: boolean }>(sql`SELECT template_key, body_en, is_active FROM email_templates ORDER BY template_key`)).rows;
    const byKey = Object.fromEntries(rows.map((r) => [r.template_key, r]));
    expect(byKey.payment_approved!.body_en).toBe('Hi {{name}}, {{credits}} credits are yours.');
    expect(byKey.payment_rejected!.body_en).not.toContain('{{#if');
    expect(byKey.analysis_completed!.body_en).not.toContain('secret_link');
    expect(byKey.legacy_payment_rejected).toMatchObject({ is_active: false });
    expect(byKey.legacy_analysis_completed).toMatchObject({ is_active: false });
    expect(result.report.problems.map((p) => p.reason).sort()).toEqual(['template_conditional', 'template_undeclared_variable']);
    // The replaced product template is a row the target had: mapped onto it, not inserted.
    expect(result.report.tables.email_templates).toEqual({ read: 3, inserted: 2, already_present: 0, mapped_existing: 1, skipped: {}, archived: 0 });
    expect(unaccountedTables(result.report)).toEqual([]);
  }, 60_000);
});
