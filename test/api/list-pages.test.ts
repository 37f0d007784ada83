/**
 * Every paginated list (generated: the OpenAPI document's operations whose 200 carries `pagination`)
 * reads its first page and total in ONE statement (`readJsonPage` or `readPage`, src/db/pagination.ts), any page in ONE
 * round trip after auth (SPEC §10: reads ≤ 2), and a page past the end still reports the right total.
 * Walked by the super admin, who sees every list.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, loginAdmin, registerUser, type TestApp, userWithPermissions, type TestUser } from '../support/harness.js';
import { completeAnalysis, createAnalysis } from './content/helpers.js';
import { createDiscount, seededCatalog, submitPayment, uniqueCode } from './economy/helpers.js';

/** Lists paged in memory from a cached catalog/settings read: no list statement to count. */
const CACHED = new Set(['GET /api/credit-packages', 'GET /api/payment-methods', 'GET /api/system-settings', 'GET /api/partners', 'GET /api/social-media', 'GET /api/currencies']);
/**
 * Lists whose page shares its round trip with other statements: statements after auth. Lists built by PostgreSQL
 * (readJsonPage) read what they report beside the page — a meta count, whether the parent exists — in the same
 * statement, so they are not here (issue 16: referrals, contact messages, discount usage, regenerations and NGO
 * vouchers went from 2 statements to 1, the reports linked to a voucher from 3 to 1).
 */
const BATCHED: Record<string, number> = {
  'GET /api/notifications': 2, // [page, unread count] (readPage: the items hold free-form jsonb)
};

let t: TestApp;
let admin: TestUser;
let lists: { key: string; path: string }[];
const pathIds: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestApp();
  admin = await loginAdmin(t);
  const doc = (await t.request('GET', '/api/openapi.json')).body;
  lists = Object.entries<any>(doc.paths)
    .filter(([, item]) => item.get?.responses?.['200']?.content?.['application/json']?.schema?.properties?.pagination)
    .map(([path]) => ({ key: `GET ${path}`, path }));

  // At least one row in every list. The adjustment (by another user: nobody adjusts their own balance) books a ledger entry, a notification and an audit entry.
  const accountant = await userWithPermissions(t, ['manage_credits']);
  expect((await t.request('POST', `/api/users/${admin.id}/adjust-credits`, { token: accountant.token, body: { credits: 5, reason: 'seed' } })).status).toBe(200);
  const analysis = await createAnalysis(t, admin);
  await completeAnalysis(t, analysis.id);
  expect((await t.request('POST', '/api/report-shares', { token: admin.token, body: { analysis_id: analysis.id } })).status).toBe(201);
  expect((await t.request('POST', '/api/chat-conversations', { token: admin.token, body: {} })).status).toBe(201);
  const buyer = await registerUser(t);
  const referralCode = (await t.request('GET', '/api/auth/me', { token: admin.token })).body.data.referral_code;
  expect((await t.request('POST', '/api/referrals/apply', { token: buyer.token, body: { referral_code: referralCode } })).status).toBe(200);
  const discount = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 10 });
  const { starter, methodId } = await seededCatalog(t);
  expect((await submitPayment(t, buyer, { package_id: starter.id, payment_method_id: methodId, discount_code: discount.code })).status).toBe(201);
  pathIds['/api/discount-codes/{id}/usage'] = discount.id;
  // Public site and support desk (SPEC-WAVE2 §14, §15). Request logging is off in the harness, so one log row is inserted directly.
  expect((await t.request('POST', '/api/contact', { body: { name: 'Seed', email: 'seed@example.test', message: 'A message to seed the inbox.' } })).status).toBe(200);
  expect((await t.request('POST', '/api/partners', { token: admin.token, body: { name: 'P', name_ar: 'ش', logo_url: 'https://cdn.example.com/p.png' } })).status).toBe(201);
  expect((await t.request('POST', '/api/social-media', { token: admin.token, body: { platform: 'X', url: 'https://x.com/planlyze', icon: 'Twitter' } })).status).toBe(201);
  await t.db.execute(sql`INSERT INTO api_request_logs (request_id, method, route, path, status, duration_ms, runtime, kept_by) VALUES ('seed', 'GET', '/api', '/api', 200, 1, 'node', 'sample')`);
  // Issue 15: a catalog competitor, and a regeneration of the analysis (written by forced generation runs).
  expect((await t.request('POST', '/api/competitors', { token: admin.token, body: { name: 'Seed competitor', country: 'SY' } })).status).toBe(201);
  await t.db.execute(sql`INSERT INTO analysis_regenerations (analysis_id, user_id, sections, feedback)
                         VALUES (${analysis.id}, ${admin.id}, '{market}', 'seed')`);
  pathIds['/api/analyses/{id}/regenerations'] = analysis.id;
  // NGO programme (SPEC-WAVE2 §13): the admin runs an approved NGO with one voucher that the buyer redeemed.
  const ngoRequest = await t.request('POST', '/api/ngo/requests', {
    token: admin.token,
    body: { organization_name: 'Seed Relief', organization_type: 'charity', contact_name: 'Seed Admin', contact_email: 'seed@relief.example', contact_phone: '+963 1 234' },
  });
  expect(ngoRequest.status).toBe(201);
  expect((await t.request('POST', `/api/ngo/requests/${ngoRequest.body.data.id}/approve`, { token: admin.token, body: {} })).status).toBe(200);
  const voucher = await t.request('POST', '/api/ngo/vouchers', { token: admin.token, body: { name: 'Seed cohort' } });
  expect(voucher.status).toBe(201);
  expect((await t.request('PUT', '/api/auth/me', { token: buyer.token, body: { full_name: 'Seed Buyer', phone_number: '+963 5 678' } })).status).toBe(200);
  const buyerAnalysis = await createAnalysis(t, buyer);
  const redeemed = await t.request('POST', `/api/analyses/${buyerAnalysis.id}/redeem-voucher`, { token: buyer.token, body: { code: voucher.body.data.code, ngo_consent: true } });
  expect(redeemed.status, redeemed.text).toBe(200);
  pathIds['/api/ngo/requests/{id}/vouchers'] = ngoRequest.body.data.id;
  pathIds['/api/ngo/vouchers/{id}/analyses'] = voucher.body.data.id;
  // Flask history is only ever written by the importer (SPEC-WAVE2 §16): one row as it would write it.
  await t.db.execute(sql`INSERT INTO legacy_transactions (id, user_id, type, credits, created_at) VALUES (gen_random_uuid(), ${admin.id}, 'purchase', 10, now())`);
});
afterAll(async () => {
  await t.close();
});

/** One request and what it cost the database. */
async function cost(path: string) {
  const { stats } = t.database.endpoint;
  const before = { statements: stats.statements, roundTrips: stats.roundTrips };
  const res = await t.request('GET', path, { token: admin.token });
  return { res, statements: stats.statements - before.statements, roundTrips: stats.roundTrips - before.roundTrips };
}

const concrete = (path: string) =>
  path.replace(/\{(\w+)\}/g, () => {
    const id = pathIds[path];
    if (!id) throw new Error(`${path}: give this list a path id in beforeAll`);
    return id;
  });

describe('every paginated list', () => {
  it('is discovered from the OpenAPI document', () => {
    expect(lists.length).toBeGreaterThanOrEqual(15);
    for (const key of [...CACHED, ...Object.keys(BATCHED)]) expect(lists.map((l) => l.key)).toContain(key);
  });

  it('reads a page and its total in one statement after auth; past the end the total holds', async () => {
    const problems: string[] = [];
    for (const { key, path } of lists) {
      const base = concrete(path);
      // Guards run before validators (test/api/route-guards.test.ts): an invalid page costs the auth alone.
      const auth = await cost(`${base}?page=0`);
      expect(auth.res.status, key).toBe(400);
      const first = await cost(`${base}?per_page=1`);
      expect(first.res.status, `${key}: ${first.res.text.slice(0, 300)}`).toBe(200);
      const { pagination } = first.res.body;
      expect(first.res.body.data.length, `${key} needs a row (seed one in beforeAll)`).toBe(1);
      if (!CACHED.has(key)) {
        const statements = first.statements - auth.statements;
        const roundTrips = first.roundTrips - auth.roundTrips;
        if (statements !== (BATCHED[key] ?? 1) || roundTrips !== 1) problems.push(`${key}: ${statements} statements in ${roundTrips} round trips`);
      }

      const beyond = pagination.total + 1;
      const past = await cost(`${base}?per_page=1&page=${beyond}`);
      expect(past.res.status, key).toBe(200);
      if (!CACHED.has(key) && past.roundTrips - auth.roundTrips !== 1) problems.push(`${key}: past the end in ${past.roundTrips - auth.roundTrips} round trips`);
      expect(past.res.body.data, key).toEqual([]);
      expect(past.res.body.pagination, key).toEqual({ page: beyond, per_page: 1, total: pagination.total, pages: pagination.total });
      expect(past.res.body.meta, `${key} meta`).toEqual(first.res.body.meta);
    }
    expect(problems).toEqual([]);
  });

  it('notifications: an empty page still reports unread_count, in 2 round trips with auth', async () => {
    const fresh = await registerUser(t);
    const list = async (query: string) => {
      const { stats } = t.database.endpoint;
      const before = stats.roundTrips;
      const res = await t.request('GET', `/api/notifications${query}`, { token: fresh.token });
      return { body: res.body, roundTrips: stats.roundTrips - before };
    };
    const none = await list('');
    expect(none.body.meta).toEqual({ unread_count: 0 });
    expect(none.roundTrips).toBe(2);
    const sent = await t.request('POST', '/api/notifications', {
      token: admin.token,
      body: { user_id: fresh.id, type: 'announcement', title: 't', message: 'm' },
    });
    expect(sent.status).toBe(201);
    const readOnes = await list('?unread=false');
    expect(readOnes.body.data).toEqual([]);
    expect(readOnes.body.pagination.total).toBe(0);
    expect(readOnes.body.meta).toEqual({ unread_count: 1 });
    expect(readOnes.roundTrips).toBe(2);
  });
});
