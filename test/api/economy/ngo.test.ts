/**
 * The NGO programme (SPEC-WAVE2 §13): the review state machine, NGO access, vouchers, redemption checks,
 * both fundings, refunds to the payer, unlinking, and the cap / one-per-user rules under concurrency.
 * Runs against the fake Anthropic API so that premium runs (and their refunds) are real.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { overloaded } from '../../support/fake-anthropic.js';
import { expectErrorEnvelope, issuePaths, ledgerInvariant, loginAdmin, userWithPermissions, type TestApp, type TestUser } from '../../support/harness.js';
import { answerSections, createAnalysis, generate, ledgerOf, newUser, startAiSuite, type AiSuite } from '../ai/setup.js';
import { rows } from './helpers.js';

let s: AiSuite;
let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  s = await startAiSuite();
  t = s.t;
  admin = await loginAdmin(t);
});
afterAll(() => s?.close());
beforeEach(() => {
  s.fake.reset();
  s.fake.setDefault(answerSections());
});

const PREMIUM_ONLY = ['business', 'technical', 'financial', 'strategy'];
const failPremiumOnly = () => answerSections(Object.fromEntries(PREMIUM_ONLY.map((p) => [p, () => overloaded()])));

interface Ngo {
  user: TestUser;
  requestId: string;
}

async function apply(user: TestUser, name = 'Hope Foundation') {
  return t.request('POST', '/api/ngo/requests', {
    token: user.token,
    body: {
      organization_name: name,
      organization_type: 'charity',
      contact_name: 'Lina Haddad',
      contact_email: 'Contact@Hope.example',
      contact_phone: '+963 11 123 4567',
      website: 'https://hope.example.org',
      description: 'Helping young entrepreneurs.',
    },
  });
}

async function approvedNgo(credits?: number, name?: string): Promise<Ngo> {
  const user = await newUser(t, credits);
  const res = await apply(user, name);
  expect(res.status, res.text).toBe(201);
  const approved = await t.request('POST', `/api/ngo/requests/${res.body.data.id}/approve`, { token: admin.token, body: {} });
  expect(approved.status, approved.text).toBe(200);
  return { user, requestId: res.body.data.id };
}

async function beneficiary(credits?: number): Promise<TestUser> {
  const user = await newUser(t, credits);
  const res = await t.request('PUT', '/api/auth/me', { token: user.token, body: { full_name: 'Omar Beneficiary', phone_number: '+963 99 000 1111' } });
  expect(res.status, res.text).toBe(200);
  return user;
}

async function voucher(ngo: Ngo, body: Record<string, unknown> = {}) {
  const res = await t.request('POST', '/api/ngo/vouchers', { token: ngo.user.token, body: { name: 'Spring cohort', ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body.data as { id: string; code: string; state: string; redeemed_count: number };
}

const redeem = (user: TestUser, analysisId: string, code: string, consent: unknown = true) =>
  t.request('POST', `/api/analyses/${analysisId}/redeem-voucher`, { token: user.token, body: { code, ngo_consent: consent } });

const balance = async (user: TestUser) => {
  const inv = await ledgerInvariant(t, user.id);
  expect(inv.balance).toBe(inv.ledgerSum);
  return inv.balance;
};
const voucherRow = async (id: string) =>
  (await rows<{ redeemed_count: number }>(t, sql`SELECT redeemed_count FROM ngo_vouchers WHERE id = ${id}`))[0]!;
const redemptionsOf = async (voucherId: string) => rows(t, sql`SELECT * FROM ngo_voucher_redemptions WHERE voucher_id = ${voucherId}`);

describe('applications and review', () => {
  it('one live application per user; mine shows it without admin notes', async () => {
    const user = await newUser(t);
    const first = await apply(user);
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ status: 'pending', contact_email: 'contact@hope.example', organization_type: 'charity' });
    expectErrorEnvelope(await apply(user), 409, 'CONFLICT');
    await t.request('PUT', `/api/ngo/requests/${first.body.data.id}`, { token: admin.token, body: { admin_notes: 'looks fine' } });
    const mine = await t.request('GET', '/api/ngo/requests/mine', { token: user.token });
    expect(mine.body.data.status).toBe('pending');
    expect(mine.body.data.request).not.toHaveProperty('admin_notes');
    const none = await t.request('GET', '/api/ngo/requests/mine', { token: (await newUser(t)).token });
    expect(none.body.data).toEqual({ request: null, status: null });
    // Reviewers were alerted in-app.
    expect(await rows(t, sql`SELECT 1 FROM notifications WHERE user_id = ${admin.id} AND type = 'admin_ngo_request' AND data ->> 'ngo_request_id' = ${first.body.data.id}`)).toHaveLength(1);
  });

  it('state machine: invalid transitions → 409; each review writes status, notification and audit together', async () => {
    const user = await newUser(t);
    const id = (await apply(user)).body.data.id;
    const act = (action: string, body: Record<string, unknown> = {}) =>
      t.request('POST', `/api/ngo/requests/${id}/${action}`, { token: admin.token, body });
    expectErrorEnvelope(await act('suspend', { reason: 'x' }), 409, 'INVALID_STATE');
    expect((await act('approve', { admin_notes: 'ok' })).body.data).toMatchObject({ status: 'approved', reviewed_by: admin.id, admin_notes: 'ok' });
    expectErrorEnvelope(await act('approve'), 409, 'INVALID_STATE');
    expectErrorEnvelope(await act('reject', { reason: 'late' }), 409, 'INVALID_STATE');
    expect((await act('suspend', { reason: 'audit pending' })).body.data.status).toBe('suspended');
    expect((await act('approve')).body.data.status).toBe('approved');
    const notes = await rows<{ data: any }>(t, sql`SELECT data FROM notifications WHERE user_id = ${user.id} AND type = 'ngo_request_reviewed' ORDER BY created_at`);
    expect(notes.map((n) => n.data.status)).toEqual(['approved', 'suspended', 'approved']);
    const audits = await rows<{ action: string }>(t, sql`SELECT action FROM audit_logs WHERE entity_type = 'ngo_request' AND entity_id = ${id} ORDER BY created_at`);
    expect(audits.map((a) => a.action)).toEqual(['ngo_request.approve', 'ngo_request.suspend', 'ngo_request.approve']);
    // A refused transition wrote nothing.
    expect(notes).toHaveLength(3);

    const other = await newUser(t);
    const otherId = (await apply(other)).body.data.id;
    const rejected = await t.request('POST', `/api/ngo/requests/${otherId}/reject`, { token: admin.token, body: { reason: 'Not an NGO' } });
    expect(rejected.body.data).toMatchObject({ status: 'rejected', review_reason: 'Not an NGO' });
    expect((await apply(other)).status).toBe(201); // rejected is final for that row; a new application is allowed
  });

  it('admin routes need the NGO permissions; list filters and search', async () => {
    const viewer = await userWithPermissions(t, ['view_ngo_requests']);
    const ngo = await approvedNgo(undefined, 'Searchable Relief');
    const list = await t.request('GET', '/api/ngo/requests?status=approved&q=searchable', { token: viewer.token });
    expect(list.status).toBe(200);
    expect(list.body.data.map((r: any) => r.id)).toEqual([ngo.requestId]);
    const one = await t.request('GET', `/api/ngo/requests/${ngo.requestId}`, { token: viewer.token });
    expect(one.body.data.applicant).toMatchObject({ id: ngo.user.id, email: ngo.user.email });
    expectErrorEnvelope(await t.request('POST', `/api/ngo/requests/${ngo.requestId}/suspend`, { token: viewer.token, body: { reason: 'x' } }), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(await t.request('GET', '/api/ngo/requests', { token: ngo.user.token }), 403, 'AUTHORIZATION_ERROR');
  });
});

describe('vouchers and NGO access', () => {
  it('codes come from a CSPRNG with the organisation prefix (NGO when it has no Latin letters or digits)', async () => {
    const ngo = await approvedNgo(undefined, 'Hope & Light for Syria');
    const a = await voucher(ngo);
    const b = await voucher(ngo);
    expect(a.code).toMatch(/^HOPELIGH-[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(a.code).not.toBe(b.code);
    expect(a.state).toBe('active');
    const arabic = await approvedNgo(undefined, 'جمعية الأمل');
    expect((await voucher(arabic)).code).toMatch(/^NGO-[0-9A-HJKMNP-TV-Z]{8}$/);
    const uncapped = await t.request('POST', '/api/ngo/vouchers', { token: ngo.user.token, body: { name: 'x', funding: 'sponsored' } });
    expect(issuePaths(uncapped)).toEqual(['max_redemptions']);
  });

  it('a non-NGO → 403 ngo_access_required; another NGO’s voucher → 404; states are derived', async () => {
    const plain = await newUser(t);
    const res = await t.request('GET', '/api/ngo/vouchers', { token: plain.token });
    expect(expectErrorEnvelope(res, 403, 'AUTHORIZATION_ERROR').details.reason).toBe('ngo_access_required');
    const one = await approvedNgo();
    const two = await approvedNgo();
    const v = await voucher(one, { activation_start: '2999-01-01' });
    expect(v.state).toBe('scheduled');
    expectErrorEnvelope(await t.request('GET', `/api/ngo/vouchers/${v.id}`, { token: two.user.token }), 404, 'NOT_FOUND');
    expectErrorEnvelope(await t.request('PUT', `/api/ngo/vouchers/${v.id}`, { token: two.user.token, body: { name: 'x' } }), 404, 'NOT_FOUND');
    expectErrorEnvelope(await t.request('GET', `/api/ngo/vouchers/${v.id}/analyses`, { token: two.user.token }), 404, 'NOT_FOUND');
    const expired = await voucher(one, { activation_start: '2000-01-01', activation_end: '2000-12-31' });
    expect(expired.state).toBe('expired');
    const listed = await t.request('GET', '/api/ngo/vouchers?state=expired', { token: one.user.token });
    expect(listed.body.data.map((x: any) => x.id)).toEqual([expired.id]);
  });

  it('funding is fixed once redeemed; switching to sponsored issues a fresh code; delete deactivates a used voucher', async () => {
    const ngo = await approvedNgo(10);
    const v = await voucher(ngo, { max_redemptions: 5 });
    const switched = await t.request('PUT', `/api/ngo/vouchers/${v.id}`, { token: ngo.user.token, body: { funding: 'sponsored' } });
    expect(switched.status).toBe(200);
    expect(switched.body.data.code).not.toBe(v.code);
    const ben = await beneficiary();
    expectErrorEnvelope(await redeem(ben, await createAnalysis(t, ben), v.code), 404, 'NOT_FOUND'); // the old code stopped working
    expect((await redeem(ben, await createAnalysis(t, ben), switched.body.data.code)).status).toBe(200);
    const locked = await t.request('PUT', `/api/ngo/vouchers/${v.id}`, { token: ngo.user.token, body: { funding: 'self' } });
    expect(expectErrorEnvelope(locked, 409, 'INVALID_STATE').details.reason).toBe('funding_locked');
    const below = await t.request('PUT', `/api/ngo/vouchers/${v.id}`, { token: ngo.user.token, body: { max_redemptions: 0 } });
    expectErrorEnvelope(below, 400, 'VALIDATION_ERROR');
    const del = await t.request('DELETE', `/api/ngo/vouchers/${v.id}`, { token: ngo.user.token });
    expect(del.body.data).toEqual({ id: v.id, deactivated: true });
    const unused = await voucher(ngo);
    expect((await t.request('DELETE', `/api/ngo/vouchers/${unused.id}`, { token: ngo.user.token })).body.data).toEqual({ id: unused.id, deactivated: false });
  });
});

describe('redemption', () => {
  it('needs ngo_consent: true and a complete profile (400 naming them)', async () => {
    const ngo = await approvedNgo();
    const v = await voucher(ngo);
    const ben = await beneficiary();
    const id = await createAnalysis(t, ben);
    const missing = await t.request('POST', `/api/analyses/${id}/redeem-voucher`, { token: ben.token, body: { code: v.code } });
    expect(issuePaths(missing)).toEqual(['ngo_consent']);
    for (const consent of [false, 'yes', 1]) {
      const res = await redeem(ben, id, v.code, consent);
      expect(issuePaths(res), res.text).toEqual(['ngo_consent']);
    }
    const bare = await newUser(t);
    const res = await redeem(bare, await createAnalysis(t, bare), v.code);
    const err = expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(err.details.reason).toBe('profile_incomplete');
    expect(issuePaths(res)).toEqual(['full_name', 'phone_number']);
    expect((await voucherRow(v.id)).redeemed_count).toBe(0);
  });

  it('unknown codes → 404, and after 10 failed lookups in an hour → 429 (the refusals are counted)', async () => {
    const ngo = await approvedNgo();
    const v = await voucher(ngo);
    const ben = await beneficiary();
    const id = await createAnalysis(t, ben);
    for (let i = 0; i < 10; i++) expectErrorEnvelope(await redeem(ben, id, `NOPE-${i}AAAAAAA`), 404, 'NOT_FOUND');
    const limited = await redeem(ben, id, v.code.toLowerCase());
    expectErrorEnvelope(limited, 429, 'RATE_LIMITED');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    await t.db.execute(sql`DELETE FROM rate_limits WHERE key = ${`voucher_lookup:user:${ben.id}`}`);
    await t.db.execute(sql`DELETE FROM rate_limits WHERE key LIKE 'voucher_lookup:ip:%'`);
    expect((await redeem(ben, id, v.code.toLowerCase())).status).toBe(200); // matched case-insensitively
  });

  it('self-funded: charges the beneficiary; 402 when short with nothing written', async () => {
    const ngo = await approvedNgo();
    const v = await voucher(ngo);
    const poor = await beneficiary(0);
    const id = await createAnalysis(t, poor);
    expectErrorEnvelope(await redeem(poor, id, v.code), 402, 'INSUFFICIENT_CREDITS');
    expect((await voucherRow(v.id)).redeemed_count).toBe(0);
    expect(await redemptionsOf(v.id)).toHaveLength(0);
    expect((await rows(t, sql`SELECT report_type FROM analyses WHERE id = ${id}`))[0]).toEqual({ report_type: 'free' });

    const ben = await beneficiary(3);
    const aid = await createAnalysis(t, ben);
    const res = await redeem(ben, aid, v.code);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: aid, report_type: 'premium', voucher: { voucher_id: v.id, name: 'Spring cohort', ngo_name: 'Hope Foundation', sponsored: false } });
    expect(await balance(ben)).toBe(2);
    expect((await ledgerOf(t, aid)).map((l) => [l.type, l.credits])).toEqual([['analysis_charge', -1]]);
    // The NGO is told; the beneficiary's own activity records it.
    expect(await rows(t, sql`SELECT 1 FROM notifications WHERE user_id = ${ngo.user.id} AND type = 'ngo_report_linked'`)).toHaveLength(1);
    // GET /analyses/:id carries the link too.
    const read = await t.request('GET', `/api/analyses/${aid}`, { token: ben.token });
    expect(read.body.data.voucher).toEqual(res.body.data.voucher);
    expect((await t.request('GET', `/api/analyses/${await createAnalysis(t, ben)}`, { token: ben.token })).body.data.voucher).toBeNull();
    expect(await rows(t, sql`SELECT 1 FROM activity_feed WHERE user_id = ${ben.id} AND action = 'voucher_redeemed'`)).toHaveLength(1);
    // Conflicts: the analysis already linked, the voucher already used by this user, own NGO.
    expectErrorEnvelope(await redeem(ben, aid, v.code), 409, 'CONFLICT');
    expectErrorEnvelope(await redeem(ben, await createAnalysis(t, ben), v.code), 409, 'CONFLICT');
    const self = await t.request('PUT', '/api/auth/me', { token: ngo.user.token, body: { full_name: 'NGO Owner', phone_number: '+963 1' } });
    expect(self.status).toBe(200);
    expectErrorEnvelope(await redeem(ngo.user, await createAnalysis(t, ngo.user), v.code), 409, 'CONFLICT');
  });

  it('sponsored with the NGO short → 409 voucher_unfunded, nothing written; an already-premium analysis links without a charge', async () => {
    const ngo = await approvedNgo(0);
    const v = await voucher(ngo, { funding: 'sponsored', max_redemptions: 3 });
    const ben = await beneficiary(5);
    const id = await createAnalysis(t, ben);
    const res = await redeem(ben, id, v.code);
    expect(expectErrorEnvelope(res, 409, 'INVALID_STATE').details.reason).toBe('voucher_unfunded');
    expect((await voucherRow(v.id)).redeemed_count).toBe(0);
    expect(await redemptionsOf(v.id)).toHaveLength(0);
    expect(await balance(ben)).toBe(5);

    const premium = await createAnalysis(t, ben);
    expect((await t.request('POST', `/api/analyses/${premium}/upgrade-premium`, { token: ben.token })).status).toBe(200);
    const linked = await redeem(ben, premium, v.code);
    expect(linked.status).toBe(200);
    expect(linked.body.data.voucher.sponsored).toBe(true);
    expect(await balance(ben)).toBe(4); // only the upgrade's own charge
    expect(await balance(ngo.user)).toBe(0);
    expect((await ledgerOf(t, premium)).map((l) => [l.type, l.credits])).toEqual([['analysis_charge', -1]]);
  });

  it('a suspended NGO cannot read reports and its codes fail with inactive; an admin stop does the same', async () => {
    const ngo = await approvedNgo(10);
    const v = await voucher(ngo);
    const ben = await beneficiary();
    const aid = await createAnalysis(t, ben);
    expect((await redeem(ben, aid, v.code)).status).toBe(200);
    expect((await t.request('GET', `/api/ngo/analyses/${aid}`, { token: ngo.user.token })).status).toBe(200);
    await t.request('POST', `/api/ngo/requests/${ngo.requestId}/suspend`, { token: admin.token, body: { reason: 'review' } });
    expectErrorEnvelope(await t.request('GET', `/api/ngo/analyses/${aid}`, { token: ngo.user.token }), 403, 'AUTHORIZATION_ERROR');
    const other = await beneficiary();
    const refused = await redeem(other, await createAnalysis(t, other), v.code);
    expect(expectErrorEnvelope(refused, 400, 'VALIDATION_ERROR').details.reason).toBe('inactive');
    expect(issuePaths(refused)).toEqual(['code']);
    await t.request('POST', `/api/ngo/requests/${ngo.requestId}/approve`, { token: admin.token, body: {} });
    const stopped = await t.request('POST', `/api/ngo/vouchers/${v.id}/disable`, { token: admin.token, body: {} });
    expect(stopped.body.data).toMatchObject({ admin_disabled: true, state: 'inactive' });
    const cleared = await t.request('PUT', `/api/ngo/vouchers/${v.id}`, { token: ngo.user.token, body: { is_active: true } });
    expect(cleared.body.data.state).toBe('inactive'); // the NGO cannot clear an admin stop
    expect((await redeem(other, await createAnalysis(t, other), v.code)).body.details.reason).toBe('inactive');
  });
});

describe('NGO reports, refunds and unlinking', () => {
  it('lists linked reports with consented contact data; favourite/archive are idempotent; another NGO → 404', async () => {
    const ngo = await approvedNgo();
    const v = await voucher(ngo);
    const ben = await beneficiary();
    const aid = await createAnalysis(t, ben);
    await redeem(ben, aid, v.code);
    const list = await t.request('GET', `/api/ngo/vouchers/${v.id}/analyses`, { token: ngo.user.token });
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({ analysis_id: aid, report_type: 'premium', beneficiary: { full_name: 'Omar Beneficiary', email: ben.email, phone_number: '+963 99 000 1111' } });
    for (let i = 0; i < 2; i++) {
      const fav = await t.request('PUT', `/api/ngo/analyses/${aid}/favourite`, { token: ngo.user.token, body: { value: true } });
      expect(fav.body.data).toEqual({ is_favourite: true });
    }
    await t.request('PUT', `/api/ngo/analyses/${aid}/archive`, { token: ngo.user.token, body: { value: true } });
    expect((await t.request('GET', `/api/ngo/vouchers/${v.id}/analyses`, { token: ngo.user.token })).body.data).toHaveLength(0);
    expect((await t.request('GET', `/api/ngo/vouchers/${v.id}/analyses?include_archived=true`, { token: ngo.user.token })).body.data).toHaveLength(1);
    const stats = await t.request('GET', '/api/ngo/stats', { token: ngo.user.token });
    expect(stats.body.data).toEqual({ total_vouchers: 1, active_vouchers: 1, total_reports: 1, favourite_reports: 1, archived_reports: 1, sponsored_credits_spent: 0 });
    const other = await approvedNgo();
    expectErrorEnvelope(await t.request('GET', `/api/ngo/analyses/${aid}`, { token: other.user.token }), 404, 'NOT_FOUND');
    expectErrorEnvelope(await t.request('PUT', `/api/ngo/analyses/${aid}/favourite`, { token: other.user.token, body: { value: false } }), 404, 'NOT_FOUND');
    // The owner withdraws consent: the NGO loses access at once.
    const del = await t.request('DELETE', `/api/analyses/${aid}/voucher`, { token: ben.token });
    expect(del.status).toBe(200);
    expectErrorEnvelope(await t.request('GET', `/api/ngo/analyses/${aid}`, { token: ngo.user.token }), 404, 'NOT_FOUND');
    expectErrorEnvelope(await t.request('DELETE', `/api/analyses/${aid}/voucher`, { token: ben.token }), 404, 'NOT_FOUND');
  });

  it('a sponsored report whose premium run fails is refunded to the NGO; after unlinking, the owner pays the re-charge', async () => {
    const ngo = await approvedNgo(5);
    const v = await voucher(ngo, { funding: 'sponsored', max_redemptions: 5 });
    const ben = await beneficiary(3);
    const aid = await createAnalysis(t, ben);
    expect((await redeem(ben, aid, v.code)).status).toBe(200);
    expect(await balance(ngo.user)).toBe(4);
    expect(await balance(ben)).toBe(3);

    s.fake.setDefault(failPremiumOnly());
    const run = await generate(t, ben, { analysis_id: aid });
    expect(run.status).toBe(200);
    expect(await balance(ngo.user)).toBe(5); // refunded to the payer
    expect(await balance(ben)).toBe(3);
    expect((await t.request('GET', '/api/ngo/stats', { token: ngo.user.token })).body.data.sponsored_credits_spent).toBe(0);

    // Still linked: the re-charge goes to the NGO again.
    s.fake.reset();
    s.fake.setDefault(failPremiumOnly());
    await generate(t, ben, { analysis_id: aid });
    expect(await balance(ngo.user)).toBe(5);

    const unlink = await t.request('PUT', `/api/ngo/analyses/${aid}/unlink`, { token: ngo.user.token, body: {} });
    expect(unlink.body.data).toEqual({ analysis_id: aid, status: 'unlinked' });
    expectErrorEnvelope(await t.request('PUT', `/api/ngo/analyses/${aid}/unlink`, { token: ngo.user.token, body: {} }), 409, 'CONFLICT');
    s.fake.reset();
    s.fake.setDefault(answerSections());
    const paid = await generate(t, ben, { analysis_id: aid });
    expect(paid.body.data.status).toBe('completed');
    expect(await balance(ben)).toBe(2); // the owner pays now
    expect(await balance(ngo.user)).toBe(5);
    expect((await voucherRow(v.id)).redeemed_count).toBe(1); // the slot is not returned
  });
});

describe('concurrency (50-way)', () => {
  it('50 users redeem a sponsored voucher capped at 10: exactly 10 succeed, the NGO pays exactly 10 × cost', async () => {
    const ngo = await approvedNgo(25);
    const v = await voucher(ngo, { funding: 'sponsored', max_redemptions: 10 });
    const users = await Promise.all(Array.from({ length: 50 }, () => beneficiary(0)));
    const analyses = await Promise.all(users.map((u) => createAnalysis(t, u)));
    const results = await Promise.all(users.map((u, i) => redeem(u, analyses[i]!, v.code)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((x) => x === 200)).toHaveLength(10);
    expect(statuses.filter((x) => x === 400)).toHaveLength(40);
    for (const r of results.filter((x) => x.status === 400)) expect(r.body.details.reason).toBe('exhausted');
    expect((await voucherRow(v.id)).redeemed_count).toBe(10);
    expect(await redemptionsOf(v.id)).toHaveLength(10);
    expect(await balance(ngo.user)).toBe(15);
    for (const u of users) expect(await balance(u)).toBe(0);
  });

  it('one user redeeming twice concurrently (two analyses): one success', async () => {
    const ngo = await approvedNgo();
    const v = await voucher(ngo);
    const ben = await beneficiary(10);
    const ids = await Promise.all(Array.from({ length: 6 }, () => createAnalysis(t, ben)));
    const results = await Promise.all(ids.map((id) => redeem(ben, id, v.code)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(5);
    expect(await balance(ben)).toBe(9);
    expect((await voucherRow(v.id)).redeemed_count).toBe(1);
  });
});
