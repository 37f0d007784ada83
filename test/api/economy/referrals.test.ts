/**
 * Referrals (SPEC §4, §10): apply once (no own code, no cycle, not after the first premium report),
 * the reward paid exactly once when the referred user has BOTH a completed premium report and an
 * approved payment — checked at payment approval and by awardReferralIfDue — also under concurrency.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awardReferralIfDue } from '../../../src/services/referrals.js';
import {
  createTestApp,
  expectErrorEnvelope,
  issuePaths,
  ledgerInvariant,
  loginAdmin,
  registerUser,
  userWithPermissions,
  type TestApp,
  type TestUser,
} from '../../support/harness.js';
import { completedPremiumReport, rows, seededCatalog, submitPayment, type Catalog } from './helpers.js';

let t: TestApp;
let admin: TestUser;
let catalog: Catalog;
beforeAll(async () => {
  t = await createTestApp();
  admin = await loginAdmin(t);
  catalog = await seededCatalog(t);
});
afterAll(async () => {
  await t.close();
});

const codeOf = async (u: TestUser) => (await t.request('GET', '/api/auth/me', { token: u.token })).body.data.referral_code as string;
const apply = (u: TestUser, referral_code: string) => t.request('POST', '/api/referrals/apply', { token: u.token, body: { referral_code } });

/** referrer ← referred, linked through POST /referrals/apply. */
async function pair(): Promise<{ referrer: TestUser; referred: TestUser }> {
  const referrer = await registerUser(t);
  const referred = await registerUser(t);
  const res = await apply(referred, await codeOf(referrer));
  if (res.status !== 200) throw new Error(`apply failed: ${res.text}`);
  return { referrer, referred };
}

async function approvedPayment(u: TestUser) {
  const p = await submitPayment(t, u, { package_id: catalog.starter.id, payment_method_id: catalog.methodId });
  const res = await t.request('POST', `/api/payments/${p.body.data.id}/approve`, { token: admin.token });
  expect(res.status).toBe(200);
}

async function bonusesOf(userId: string) {
  return rows<{ credits: number }>(t, sql`SELECT credits FROM transactions WHERE user_id = ${userId} AND type = 'referral_bonus'`);
}

async function expectBalanced(...users: TestUser[]) {
  for (const u of users) {
    const { balance, ledgerSum } = await ledgerInvariant(t, u.id);
    expect(balance).toBe(ledgerSum);
  }
}

describe('POST /api/referrals/apply', () => {
  it('links the referrer (case-insensitive code), returns the referral and notifies the referrer', async () => {
    const referrer = await registerUser(t);
    const referred = await registerUser(t, { full_name: 'Rami' });
    const res = await apply(referred, (await codeOf(referrer)).toLowerCase());
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      referrer_id: referrer.id,
      referred_id: referred.id,
      referred_name: 'Rami',
      status: 'joined',
      bonus_credits: 0,
      rewarded_at: null,
    });
    const [link] = await rows<{ referred_by: string }>(t, sql`SELECT referred_by FROM users WHERE id = ${referred.id}`);
    expect(link!.referred_by).toBe(referrer.id);
    expect(await rows(t, sql`SELECT type FROM notifications WHERE user_id = ${referrer.id}`)).toEqual([{ type: 'referral_joined' }]);
  });

  it('unknown code → 404', async () => {
    const u = await registerUser(t);
    expectErrorEnvelope(await apply(u, 'ZZZZZZZZ'), 404, 'NOT_FOUND');
  });

  it('own code, a second apply, a cycle and a transitive cycle → 409 CONFLICT; nothing is written', async () => {
    const a = await registerUser(t);
    const own = await apply(a, await codeOf(a));
    expectErrorEnvelope(own, 409, 'CONFLICT');
    expect(own.body.details.reason).toBe('own_code');

    const { referrer, referred } = await pair();
    const second = await apply(referred, await codeOf(a));
    expectErrorEnvelope(second, 409, 'CONFLICT');
    expect(second.body.details.reason).toBe('already_referred');

    // referrer invited referred: referred's code may not be applied by referrer.
    const cycle = await apply(referrer, await codeOf(referred));
    expectErrorEnvelope(cycle, 409, 'CONFLICT');
    expect(cycle.body.details.reason).toBe('cycle');

    // x → y → z; x may not apply z's code.
    const x = await registerUser(t);
    const y = await registerUser(t);
    const z = await registerUser(t);
    expect((await apply(y, await codeOf(x))).status).toBe(200);
    expect((await apply(z, await codeOf(y))).status).toBe(200);
    const transitive = await apply(x, await codeOf(z));
    expectErrorEnvelope(transitive, 409, 'CONFLICT');
    expect(transitive.body.details.reason).toBe('cycle');
    expect(await rows(t, sql`SELECT 1 FROM referrals WHERE referred_id = ${x.id}`)).toHaveLength(0);
    expect(await rows(t, sql`SELECT 1 FROM notifications WHERE user_id = ${z.id}`)).toHaveLength(0);
  });

  it('after the first premium report completed → 409 CONFLICT', async () => {
    const referrer = await registerUser(t);
    const late = await registerUser(t);
    await completedPremiumReport(t, late.id, { deleted: true });
    const res = await apply(late, await codeOf(referrer));
    expectErrorEnvelope(res, 409, 'CONFLICT');
    expect(res.body.details.reason).toBe('too_late');
  });

  it('two users applying each other’s codes at once: exactly one succeeds', async () => {
    for (let round = 0; round < 6; round++) {
      const a = await registerUser(t);
      const b = await registerUser(t);
      const [codeA, codeB] = [await codeOf(a), await codeOf(b)];
      const results = await Promise.all([apply(a, codeB), apply(b, codeA)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    }
  });

  it('validates the body; costs two round trips', async () => {
    const u = await registerUser(t);
    const res = await t.request('POST', '/api/referrals/apply', { token: u.token, body: { referral_code: '', referrer_id: u.id } });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res).sort()).toEqual(['referral_code', 'referrer_id']);
    const referrer = await registerUser(t);
    const code = await codeOf(referrer);
    expect(await t.countRoundTrips(() => apply(u, code))).toBeLessThanOrEqual(2);
  });
});

describe('the referral reward', () => {
  it('is paid at payment approval when the premium report is already completed', async () => {
    const { referrer, referred } = await pair();
    await completedPremiumReport(t, referred.id);
    await approvedPayment(referred);
    expect(await bonusesOf(referrer.id)).toEqual([{ credits: 5 }]);
    const [ref] = await rows<{ status: string; rewarded_at: string | null }>(t, sql`SELECT status, rewarded_at FROM referrals WHERE referred_id = ${referred.id}`);
    expect(ref!.status).toBe('rewarded');
    expect(ref!.rewarded_at).not.toBeNull();
    const notes = await rows(t, sql`SELECT type FROM notifications WHERE user_id = ${referrer.id} ORDER BY created_at`);
    expect(notes).toEqual([{ type: 'referral_joined' }, { type: 'referral_rewarded' }]);
    await expectBalanced(referrer, referred);

    // A second approved payment pays nothing more.
    await approvedPayment(referred);
    expect(await bonusesOf(referrer.id)).toHaveLength(1);
    expect((await awardReferralIfDue(t.db, referred.id)).awarded).toBe(false);
  });

  it('is paid by awardReferralIfDue when the premium report completes after an approved payment', async () => {
    const { referrer, referred } = await pair();
    await approvedPayment(referred);
    expect(await bonusesOf(referrer.id)).toHaveLength(0);
    expect((await awardReferralIfDue(t.db, referred.id)).awarded).toBe(false); // no premium report yet
    await completedPremiumReport(t, referred.id);
    expect(await awardReferralIfDue(t.db, referred.id)).toEqual({ awarded: true });
    expect(await awardReferralIfDue(t.db, referred.id)).toEqual({ awarded: false });
    expect(await bonusesOf(referrer.id)).toEqual([{ credits: 5 }]);
    await expectBalanced(referrer, referred);
  });

  it('is not paid without an approved payment, nor for a deleted report, nor to someone not referred', async () => {
    const { referrer, referred } = await pair();
    await completedPremiumReport(t, referred.id);
    const p = await submitPayment(t, referred, { package_id: catalog.starter.id, payment_method_id: catalog.methodId });
    await t.request('POST', `/api/payments/${p.body.data.id}/reject`, { token: admin.token, body: { reason: 'no' } });
    expect((await awardReferralIfDue(t.db, referred.id)).awarded).toBe(false);

    const other = await pair();
    await completedPremiumReport(t, other.referred.id, { deleted: true });
    await approvedPayment(other.referred);
    expect((await awardReferralIfDue(t.db, other.referred.id)).awarded).toBe(false);

    const loner = await registerUser(t);
    await completedPremiumReport(t, loner.id);
    await approvedPayment(loner);
    expect((await awardReferralIfDue(t.db, loner.id)).awarded).toBe(false);
    expect(await bonusesOf(referrer.id)).toHaveLength(0);
    expect(await bonusesOf(other.referrer.id)).toHaveLength(0);
  });

  it('uses the referral_bonus_credits setting; 0 pays nothing and leaves the referral joined', async () => {
    const put = (value: number) => t.request('PUT', '/api/system-settings/referral_bonus_credits', { token: admin.token, body: { value } });
    try {
      expect((await put(0)).status).toBe(200);
      const none = await pair();
      await completedPremiumReport(t, none.referred.id);
      await approvedPayment(none.referred);
      expect(await bonusesOf(none.referrer.id)).toHaveLength(0);
      const [ref] = await rows<{ status: string }>(t, sql`SELECT status FROM referrals WHERE referred_id = ${none.referred.id}`);
      expect(ref!.status).toBe('joined');

      expect((await put(7)).status).toBe(200);
      expect(await awardReferralIfDue(t.db, none.referred.id)).toEqual({ awarded: true });
      expect(await bonusesOf(none.referrer.id)).toEqual([{ credits: 7 }]);
    } finally {
      await put(5);
    }
  });

  it('two concurrent awardReferralIfDue calls → one reward', async () => {
    for (let round = 0; round < 5; round++) {
      const { referrer, referred } = await pair();
      await approvedPayment(referred);
      await completedPremiumReport(t, referred.id);
      const results = await Promise.all([awardReferralIfDue(t.db, referred.id), awardReferralIfDue(t.db, referred.id)]);
      expect(results.filter((r) => r.awarded)).toHaveLength(1);
      expect(await bonusesOf(referrer.id)).toEqual([{ credits: 5 }]);
      expect(await rows(t, sql`SELECT 1 FROM notifications WHERE user_id = ${referrer.id} AND type = 'referral_rewarded'`)).toHaveLength(1);
      await expectBalanced(referrer, referred);
    }
  });

  it('an approval racing a premium completion pays exactly once', async () => {
    for (let round = 0; round < 5; round++) {
      const { referrer, referred } = await pair();
      const p = await submitPayment(t, referred, { package_id: catalog.starter.id, payment_method_id: catalog.methodId });
      await completedPremiumReport(t, referred.id);
      const [approval, award] = await Promise.all([
        t.request('POST', `/api/payments/${p.body.data.id}/approve`, { token: admin.token }),
        awardReferralIfDue(t.db, referred.id),
      ]);
      expect(approval.status).toBe(200);
      expect(award.awarded === true || award.awarded === false).toBe(true);
      expect(await bonusesOf(referrer.id)).toEqual([{ credits: 5 }]);
      await expectBalanced(referrer, referred);
    }
  });
});

describe('GET /api/referrals', () => {
  it('lists the caller’s referrals with totals from the ledger', async () => {
    const referrer = await registerUser(t);
    const code = await codeOf(referrer);
    const friends = [await registerUser(t, { full_name: 'Huda' }), await registerUser(t), await registerUser(t)];
    for (const f of friends) expect((await apply(f, code)).status).toBe(200);
    await completedPremiumReport(t, friends[0]!.id);
    await approvedPayment(friends[0]!);

    const res = await t.request('GET', '/api/referrals', { token: referrer.token });
    expect(res.status).toBe(200);
    expect(res.body.pagination.total).toBe(3);
    expect(res.body.meta).toEqual({ total: 3, rewarded: 1, credits_earned: 5 });
    const rewarded = res.body.data.find((r: any) => r.referred_id === friends[0]!.id);
    expect(rewarded).toMatchObject({ status: 'rewarded', bonus_credits: 5, referred_name: 'Huda' });
    expect(rewarded.rewarded_at).toMatch(/Z$/);

    const joined = await t.request('GET', '/api/referrals?status=joined', { token: referrer.token });
    expect(joined.body.data).toHaveLength(2);
    expect(joined.body.meta).toEqual({ total: 3, rewarded: 1, credits_earned: 5 });
  });

  it("another user's referrals: 403 without view_users; with it, one referrer's or everyone's", async () => {
    const { referrer, referred } = await pair();
    expectErrorEnvelope(await t.request('GET', `/api/referrals?user_id=${referrer.id}`, { token: referred.token }), 403, 'AUTHORIZATION_ERROR');
    const own = await t.request('GET', '/api/referrals', { token: referred.token });
    expect(own.body.data).toEqual([]);
    expect(own.body.meta).toEqual({ total: 0, rewarded: 0, credits_earned: 0 });
    expect(own.body.pagination.pages).toBe(0);

    const viewer = await userWithPermissions(t, ['view_users']);
    const one = await t.request('GET', `/api/referrals?user_id=${referrer.id}`, { token: viewer.token });
    expect(one.body.data.map((r: any) => r.referred_id)).toEqual([referred.id]);
    const all = await t.request('GET', '/api/referrals?per_page=100', { token: viewer.token });
    expect(all.body.pagination.total).toBeGreaterThan(1);
    expect(all.body.meta.total).toBe(all.body.pagination.total);
  });

  it('costs at most two round trips', async () => {
    const { referrer } = await pair();
    expect(await t.countRoundTrips(() => t.request('GET', '/api/referrals', { token: referrer.token }))).toBeLessThanOrEqual(2);
  });
});
