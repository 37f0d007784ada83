/**
 * Every money path at 50-way parallelism, in one place (SPEC §3, §4, §10 "Money", "Reports and AI").
 * Each scenario fires 50 requests at once through the real app (`app.request`), then asserts the EXACT
 * outcome: status counts, balances, ledger rows — and the ledger invariant (balance = sum of the
 * user's entries) for every user involved. Each would fail if the rule making that path atomic were
 * removed (the guarded statement, the row lock + condition, the unique index, the batch).
 *
 * Smaller races of the same paths live next to their features (ledger.test.ts 50 debits,
 * payments.test.ts 20 approvals, discounts.test.ts 20 buyers, referrals.test.ts 2 awards,
 * ai/money.test.ts 5–6 upgrades / generations); this file is the one that takes them all to 50.
 *
 * AI runs are held at a GATE instead of a fixed fake-model latency: the winning run's model calls
 * wait (polling every few ms) until the 49 other requests have answered, so no loser can arrive after
 * the run ended — the outcome is exact, and the test costs no more time than the race itself.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMaintenance } from '../../src/services/maintenance.js';
import { awardReferralIfDue } from '../../src/services/referrals.js';
import { delay, fn, overloaded, toolResult, type Behaviour, type FakeRequest } from '../support/fake-anthropic.js';
import {
  expectErrorEnvelope,
  issuePaths,
  ledgerInvariant,
  loginAdmin,
  registerUser,
  type ApiResponse,
  type TestApp,
  type TestUser,
} from '../support/harness.js';
import { SECTION_FIXTURES, sectionOf } from '../api/ai/fixtures.js';
import { createAnalysis, generate, newUser, startAiSuite, upgrade, type AiSuite } from '../api/ai/setup.js';
import { createDiscount, seededCatalog, submitPayment, uniqueCode, type Catalog } from '../api/economy/helpers.js';

const N = 50;
const PREMIUM_ONLY = ['business', 'technical', 'financial', 'strategy'];

let s: AiSuite;
let t: TestApp;
let admin: TestUser;
let catalog: Catalog;

beforeAll(async () => {
  // Model calls are held by the gate below, so the client's attempt timeout must outlast the race;
  // retries of scripted failures stay fast.
  s = await startAiSuite(
    {},
    { attemptTimeoutMs: 30_000, backoffBaseMs: 5, backoffMaxMs: 20, maxRetryAfterMs: 1_000, sectionBudgetMs: 60_000, interactiveBudgetMs: 30_000 },
  );
  t = s.t;
  admin = await loginAdmin(t);
  catalog = await seededCatalog(t);
});
afterAll(() => s?.close());

// ─── helpers ─────────────────────────────────────────────────────────────────────────────────────

const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const statusCounts = (results: { status: number }[]) =>
  results.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});

async function q<T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  return (await t.db.execute(query)).rows as T[];
}

/** The SPEC §3 invariant for each user; returns their balances. */
async function balanced(...userIds: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const id of userIds) {
    const { balance, ledgerSum } = await ledgerInvariant(t, id);
    expect(balance, `balance = ledger sum for ${id}`).toBe(ledgerSum);
    expect(balance).toBeGreaterThanOrEqual(0);
    out.push(balance);
  }
  return out;
}

/** The ledger rows of one analysis (its charges, and the refunds referencing them), oldest first. */
async function analysisLedger(analysisId: string) {
  const rows = await q<{ id: string; type: string; credits: number; refunded_by: string | null; reference_id: string }>(sql`
    SELECT id, type, credits, refunded_by, reference_id FROM transactions
    WHERE reference_id = ${analysisId}
       OR reference_id IN (SELECT id FROM transactions WHERE reference_id = ${analysisId})
    ORDER BY created_at, type`);
  return rows.map((r) => ({ ...r, credits: Number(r.credits) }));
}
const shape = (rows: Awaited<ReturnType<typeof analysisLedger>>) =>
  rows.map((r) => [r.type, r.credits, r.type === 'analysis_charge' ? (r.refunded_by ? 'refunded' : 'open') : '-']);

const approve = (paymentId: string) => t.request('POST', `/api/payments/${paymentId}/approve`, { token: admin.token });
const reject = (paymentId: string) =>
  t.request('POST', `/api/payments/${paymentId}/reject`, { token: admin.token, body: { reason: 'proof unreadable' } });

async function pendingPayment(user: TestUser, extra: { discount_code?: string } = {}): Promise<string> {
  const res = await submitPayment(t, user, { package_id: catalog.starter.id, payment_method_id: catalog.methodId, ...extra });
  expect(res.status, res.text).toBe(201);
  return res.body.data.id as string;
}

/**
 * `count` pending payments of one user: one submitted through the API, the rest copies of it. The API lets a
 * user have at most 5 pending (SPEC-WAVE2 §0.1); the race under test is many approvals, so the fixture holds more.
 */
async function pendingPayments(user: TestUser, count: number): Promise<string[]> {
  const first = await pendingPayment(user);
  const copies = await q<{ id: string }>(sql`
    INSERT INTO payments (user_id, package_id, payment_method_id, quantity, credits, list_price_usd, discount_usd, amount_usd,
                          payment_proof, currency_code, exchange_rate, currency_decimals, currency_amount_minor, rate_quoted_at)
    SELECT user_id, package_id, payment_method_id, quantity, credits, list_price_usd, discount_usd, amount_usd,
           payment_proof, currency_code, exchange_rate, currency_decimals, currency_amount_minor, rate_quoted_at
    FROM payments, generate_series(2, ${count}) WHERE id = ${first}
    RETURNING id`);
  return [first, ...copies.map((r) => r.id)];
}

/**
 * Holds every model answer until `open()`. Built from the fake's own behaviours: while closed, an
 * answer is "wait a few ms, then ask again".
 */
function modelGate() {
  let isOpen = false;
  const hold = (answer: (req: FakeRequest) => Behaviour): Behaviour => {
    const waiting = (): Behaviour => fn((req) => (isOpen ? answer(req) : delay(5, waiting())));
    return waiting();
  };
  return {
    hold,
    open: () => void (isOpen = true),
  };
}

/**
 * Starts all tasks at once; opens the gate when all but one have settled (the one being the run the
 * gate holds) — or after a safety delay, so a broken rule fails the assertions instead of hanging.
 */
async function raceBehindGate<T>(tasks: (() => Promise<T>)[], gate: { open(): void }): Promise<T[]> {
  let settled = 0;
  const safety = setTimeout(() => gate.open(), 20_000);
  try {
    return await Promise.all(
      tasks.map((task) =>
        task().finally(() => {
          if (++settled === tasks.length - 1) gate.open();
        }),
      ),
    );
  } finally {
    clearTimeout(safety);
    gate.open();
  }
}

const validSection = (req: FakeRequest) => toolResult(SECTION_FIXTURES[sectionOf(req.forcedTool)]);

function expectAllConflicts(results: ApiResponse[], status: number, code: string) {
  for (const r of results) expectErrorEnvelope(r, status, code);
}

// ─── (a) debits ──────────────────────────────────────────────────────────────────────────────────

describe('(a) debit: 50 parallel charges against a balance that affords only some', () => {
  it('50 upgrades of 50 analyses at cost 2 on a balance of 15: exactly 7 charged, 43 × 402, balance 1, never negative', async () => {
    const setCost = (value: number) =>
      t.request('PUT', '/api/system-settings/premium_report_cost', { token: admin.token, body: { value } });
    expect((await setCost(2)).status).toBe(200);
    try {
      const user = await newUser(t, 15);
      const ids = await Promise.all(times(N, () => createAnalysis(t, user)));
      const results = await Promise.all(ids.map((id) => upgrade(t, user, id)));

      expect(statusCounts(results)).toEqual({ 200: 7, 402: 43 });
      expectAllConflicts(results.filter((r) => r.status !== 200), 402, 'INSUFFICIENT_CREDITS');
      const charged = ids.filter((_, i) => results[i]!.status === 200);
      const refused = ids.filter((_, i) => results[i]!.status === 402);

      const charges = await q<{ reference_id: string; credits: number; balance_after: number }>(
        sql`SELECT reference_id, credits, balance_after FROM transactions WHERE user_id = ${user.id} AND type = 'analysis_charge'`,
      );
      expect(charges).toHaveLength(7);
      expect(charges.map((c) => c.reference_id).sort()).toEqual([...charged].sort());
      expect(charges.every((c) => Number(c.credits) === -2)).toBe(true);
      // Every balance the ledger ever recorded for this user, not only the last one, is ≥ 0.
      const [low] = await q<{ min: number }>(sql`SELECT min(balance_after)::int AS min FROM transactions WHERE user_id = ${user.id}`);
      expect(low!.min).toBe(1);
      expect(await balanced(user.id)).toEqual([1]);

      // A refused upgrade left its analysis free, with no premium section rows.
      const tiers = await q<{ id: string; report_type: string; sections: number }>(sql`
        SELECT a.id, a.report_type, (SELECT count(*)::int FROM analysis_sections s WHERE s.analysis_id = a.id) AS sections
        FROM analyses a WHERE a.user_id = ${user.id}`);
      for (const row of tiers) {
        const wasCharged = charged.includes(row.id);
        expect([row.report_type, row.sections]).toEqual(wasCharged ? ['premium', 6] : ['free', 2]);
      }
      expect(tiers.filter((r) => refused.includes(r.id))).toHaveLength(43);
    } finally {
      expect((await setCost(1)).status).toBe(200);
    }
  });

  it('50 parallel adjust-credits debits of 3 on a balance of 100: exactly 33 succeed, 17 × 409, balance 1', async () => {
    const user = await newUser(t, 100);
    const results = await Promise.all(
      times(N, () => t.request('POST', `/api/users/${user.id}/adjust-credits`, { token: admin.token, body: { credits: -3, reason: 'race' } })),
    );
    expect(statusCounts(results)).toEqual({ 200: 33, 409: 17 });
    expectAllConflicts(results.filter((r) => r.status !== 200), 409, 'INVALID_STATE');
    // Every success saw a distinct balance on its way down from 100.
    const after = results.filter((r) => r.status === 200).map((r) => r.body.data.balance as number);
    expect(after.sort((x, y) => x - y)).toEqual(times(33, (i) => 1 + 3 * i));
    const [low] = await q<{ min: number }>(sql`SELECT min(balance_after)::int AS min FROM transactions WHERE user_id = ${user.id}`);
    expect(low!.min).toBe(1);
    expect(await balanced(user.id)).toEqual([1]);
  });
});

// ─── (b) purchase approval ───────────────────────────────────────────────────────────────────────

describe('(b) purchase approval', () => {
  it('50 parallel approvals of one payment: one 200, 49 × 409 INVALID_STATE, credited once', async () => {
    const user = await registerUser(t); // 3 signup credits
    const code = await createDiscount(t, admin, { code: uniqueCode('APPR'), discount_percent: 10, max_uses: 5 });
    const paymentId = await pendingPayment(user, { discount_code: code.code });

    const results = await Promise.all(times(N, () => approve(paymentId)));
    expect(statusCounts(results)).toEqual({ 200: 1, 409: 49 });
    expectAllConflicts(results.filter((r) => r.status !== 200), 409, 'INVALID_STATE');
    expect(results.find((r) => r.status === 200)!.body.data.status).toBe('approved');

    const purchases = await q<{ credits: number }>(
      sql`SELECT credits FROM transactions WHERE type = 'purchase' AND reference_id = ${paymentId}`,
    );
    expect(purchases.map((p) => Number(p.credits))).toEqual([catalog.starter.credits]);
    expect(await balanced(user.id)).toEqual([3 + catalog.starter.credits]);
    expect(await q(sql`SELECT type FROM notifications WHERE user_id = ${user.id}`)).toEqual([{ type: 'payment_approved' }]);
    expect(await q(sql`SELECT action FROM audit_logs WHERE entity_id = ${paymentId}`)).toEqual([{ action: 'payment.approve' }]);
    expect(await q(sql`SELECT status FROM discount_redemptions WHERE payment_id = ${paymentId}`)).toEqual([{ status: 'confirmed' }]);
    expect(await q(sql`SELECT uses_count FROM discount_codes WHERE id = ${code.id}`)).toEqual([{ uses_count: 1 }]);
  });

  it('25 approvals racing 25 rejections of one payment: exactly one review wins, with its effects only', async () => {
    const user = await registerUser(t);
    const code = await createDiscount(t, admin, { code: uniqueCode('MIX'), discount_percent: 10, max_uses: 5 });
    const paymentId = await pendingPayment(user, { discount_code: code.code });

    const results = await Promise.all(times(N, (i) => (i % 2 === 0 ? approve(paymentId) : reject(paymentId))));
    expect(statusCounts(results)).toEqual({ 200: 1, 409: 49 });
    expectAllConflicts(results.filter((r) => r.status !== 200), 409, 'INVALID_STATE');

    const [payment] = await q<{ status: string }>(sql`SELECT status FROM payments WHERE id = ${paymentId}`);
    const approved = payment!.status === 'approved';
    expect(results.find((r) => r.status === 200)!.body.data.status).toBe(payment!.status);
    expect(await balanced(user.id)).toEqual([approved ? 3 + catalog.starter.credits : 3]);
    expect(await q(sql`SELECT 1 FROM transactions WHERE type = 'purchase' AND reference_id = ${paymentId}`)).toHaveLength(approved ? 1 : 0);
    expect(await q(sql`SELECT type FROM notifications WHERE user_id = ${user.id}`)).toEqual([
      { type: approved ? 'payment_approved' : 'payment_rejected' },
    ]);
    expect(await q(sql`SELECT 1 FROM audit_logs WHERE entity_id = ${paymentId}`)).toHaveLength(1);
    expect(await q(sql`SELECT status FROM discount_redemptions WHERE payment_id = ${paymentId}`)).toEqual([
      { status: approved ? 'confirmed' : 'released' },
    ]);
    // A rejection gives the use back exactly once (the counter would go negative, or to -48, otherwise).
    expect(await q(sql`SELECT uses_count FROM discount_codes WHERE id = ${code.id}`)).toEqual([{ uses_count: approved ? 1 : 0 }]);
  });
});

// ─── (c) discount reservation ────────────────────────────────────────────────────────────────────

describe('(c) discount reservation', () => {
  it('max_uses = 7 with 50 buyers in parallel: exactly 7 payments carry the code, 43 × 400 exhausted', async () => {
    const code = await createDiscount(t, admin, { code: uniqueCode('RACE'), discount_percent: 20, max_uses: 7 });
    const buyers = await Promise.all(times(N, () => registerUser(t)));
    const base = { package_id: catalog.starter.id, payment_method_id: catalog.methodId };
    const results = await Promise.all(buyers.map((u) => submitPayment(t, u, { ...base, discount_code: code.code })));

    expect(statusCounts(results)).toEqual({ 201: 7, 400: 43 });
    for (const r of results.filter((x) => x.status === 400)) {
      expectErrorEnvelope(r, 400, 'VALIDATION_ERROR');
      expect(issuePaths(r)).toEqual(['discount_code']);
      expect(r.body.details.reason).toBe('exhausted');
    }
    const winners = buyers.filter((_, i) => results[i]!.status === 201).map((u) => u.id).sort();
    expect(await q(sql`SELECT uses_count FROM discount_codes WHERE id = ${code.id}`)).toEqual([{ uses_count: 7 }]);
    const paid = await q<{ user_id: string }>(sql`SELECT user_id FROM payments WHERE discount_code_id = ${code.id}`);
    expect(paid.map((p) => p.user_id).sort()).toEqual(winners);
    const redeemed = await q<{ user_id: string }>(sql`SELECT user_id FROM discount_redemptions WHERE discount_code_id = ${code.id}`);
    expect(redeemed.map((p) => p.user_id).sort()).toEqual(winners);
    const perUser = await q<{ user_id: string; uses: number }>(
      sql`SELECT user_id, uses FROM discount_code_user_uses WHERE discount_code_id = ${code.id}`,
    );
    expect(perUser.map((p) => [p.user_id, p.uses]).sort()).toEqual(winners.map((id) => [id, 1]));
    // Refused buyers got no payment at all (nothing half-created).
    const refusedIds = buyers.filter((_, i) => results[i]!.status === 400).map((u) => u.id);
    expect(await q(sql`SELECT 1 FROM payments WHERE user_id IN ${refusedIds}`)).toHaveLength(0);
    expect(await balanced(...buyers.map((u) => u.id))).toEqual(times(N, () => 3));
  });

  it('per_user_limit = 2, one buyer, 50 parallel payments with the code: exactly 2 carry it', async () => {
    const code = await createDiscount(t, admin, { code: uniqueCode('PERU'), discount_percent: 20, per_user_limit: 2 });
    const buyer = await registerUser(t);
    const base = { package_id: catalog.starter.id, payment_method_id: catalog.methodId };
    const results = await Promise.all(times(N, () => submitPayment(t, buyer, { ...base, discount_code: code.code })));
    expect(statusCounts(results)).toEqual({ 201: 2, 400: 48 });
    for (const r of results.filter((x) => x.status === 400)) expect(r.body.details.reason).toBe('per_user_limit');
    expect(await q(sql`SELECT uses FROM discount_code_user_uses WHERE discount_code_id = ${code.id}`)).toEqual([{ uses: 2 }]);
    expect(await q(sql`SELECT uses_count FROM discount_codes WHERE id = ${code.id}`)).toEqual([{ uses_count: 2 }]);
    expect(await q(sql`SELECT 1 FROM payments WHERE user_id = ${buyer.id}`)).toHaveLength(2);
    await balanced(buyer.id);
  });
});

// ─── (d) referral reward ─────────────────────────────────────────────────────────────────────────

describe('(d) referral reward', () => {
  async function referredPair() {
    const referrer = await registerUser(t);
    const me = await t.request('GET', '/api/auth/me', { token: referrer.token });
    const referred = await registerUser(t, { referral_code: me.body.data.referral_code });
    // The referred user's first premium report, completed. Written directly: producing it is the AI
    // engine's job (covered through the route in (f)); here it only makes the reward due.
    await t.db.execute(sql`
      INSERT INTO analyses (user_id, business_idea, report_type, status)
      VALUES (${referred.id}, 'A bakery delivering fresh bread in Aleppo', 'premium', 'completed')`);
    return { referrer, referred };
  }

  async function expectRewardedOnce(referrer: TestUser, referred: TestUser) {
    const bonuses = await q<{ credits: number }>(sql`SELECT credits FROM transactions WHERE user_id = ${referrer.id} AND type = 'referral_bonus'`);
    expect(bonuses.map((b) => Number(b.credits))).toEqual([5]);
    expect(await q(sql`SELECT status FROM referrals WHERE referred_id = ${referred.id}`)).toEqual([{ status: 'rewarded' }]);
    expect(await q(sql`SELECT 1 FROM notifications WHERE user_id = ${referrer.id} AND type = 'referral_rewarded'`)).toHaveLength(1);
    expect(await balanced(referrer.id)).toEqual([3 + 5]);
  }

  it('50 parallel approvals of the referred user’s 50 payments (each one a trigger): the referrer is paid once', async () => {
    const { referrer, referred } = await referredPair();
    const paymentIds = await pendingPayments(referred, N);

    const results = await Promise.all(paymentIds.map((id) => approve(id)));
    expect(statusCounts(results)).toEqual({ 200: 50 });
    await expectRewardedOnce(referrer, referred);
    expect(await balanced(referred.id)).toEqual([3 + N * catalog.starter.credits]);
  });

  it('25 approvals racing 25 premium-completion checks: paid once', async () => {
    const { referrer, referred } = await referredPair();
    const paymentIds = await pendingPayments(referred, N / 2);
    // The completion-side trigger has no route of its own: the AI engine calls awardReferralIfDue when a
    // premium report completes (services/report-outcome.ts), so this half of the race calls the service.
    const results = await Promise.all(
      times(N, (i) => (i % 2 === 0 ? approve(paymentIds[i / 2]!) : awardReferralIfDue(t.db, referred.id))),
    );
    const approvals = results.filter((_, i) => i % 2 === 0) as ApiResponse[];
    const checks = results.filter((_, i) => i % 2 === 1) as { awarded: boolean }[];
    expect(statusCounts(approvals)).toEqual({ 200: 25 });
    expect(checks.filter((c) => c.awarded).length).toBeLessThanOrEqual(1);
    await expectRewardedOnce(referrer, referred);
    expect(await balanced(referred.id)).toEqual([3 + (N / 2) * catalog.starter.credits]);
  });
});

// ─── (e) premium upgrade ─────────────────────────────────────────────────────────────────────────

describe('(e) premium upgrade', () => {
  it('50 parallel upgrade-premium requests on one analysis: one 200, 49 × 409 INVALID_STATE, charged once', async () => {
    const user = await newUser(t, 10);
    const id = await createAnalysis(t, user);
    const results = await Promise.all(times(N, () => upgrade(t, user, id)));

    expect(statusCounts(results)).toEqual({ 200: 1, 409: 49 });
    expectAllConflicts(results.filter((r) => r.status !== 200), 409, 'INVALID_STATE');
    expect(results.find((r) => r.status === 200)!.body.data.report_type).toBe('premium');
    expect(shape(await analysisLedger(id))).toEqual([['analysis_charge', -1, 'open']]);
    expect(await balanced(user.id)).toEqual([9]);
    const sections = await q<{ section: string }>(sql`SELECT section FROM analysis_sections WHERE analysis_id = ${id} ORDER BY section`);
    expect(sections.map((r) => r.section)).toEqual(['business', 'financial', 'market', 'overview', 'strategy', 'technical']);
    expect(await q(sql`SELECT 1 FROM activity_feed WHERE entity_id = ${id} AND action = 'analysis_upgraded'`)).toHaveLength(1);
  });
});

// ─── (f) generation charge ───────────────────────────────────────────────────────────────────────

describe('(f) generation charge', () => {
  it('50 parallel generations of a premium report left unpaid by a refund: one run, charged once, 49 × 409', async () => {
    const user = await newUser(t, 10);
    const id = await createAnalysis(t, user);
    expect((await upgrade(t, user, id)).status).toBe(200);
    s.fake.reset();
    s.fake.setDefault(overloaded());
    expectErrorEnvelope(await generate(t, user, { analysis_id: id }), 502, 'AI_UPSTREAM_ERROR'); // refunded: premium, unpaid
    expect(shape(await analysisLedger(id))).toEqual([['analysis_charge', -1, 'refunded'], ['refund', 1, '-']]);

    s.fake.reset();
    const gate = modelGate();
    s.fake.setDefault(gate.hold(validSection));
    const results = await raceBehindGate(times(N, () => () => generate(t, user, { analysis_id: id })), gate);

    expect(statusCounts(results)).toEqual({ 200: 1, 409: 49 });
    expectAllConflicts(results.filter((r) => r.status !== 200), 409, 'INVALID_STATE');
    expect(results.find((r) => r.status === 200)!.body.data).toMatchObject({ status: 'completed', report_type: 'premium' });
    expect(s.fake.requests.map((r) => sectionOf(r.forcedTool)).sort()).toEqual(
      ['business', 'financial', 'market', 'overview', 'strategy', 'technical'],
    );
    expect(shape(await analysisLedger(id))).toEqual([
      ['analysis_charge', -1, 'refunded'],
      ['refund', 1, '-'],
      ['analysis_charge', -1, 'open'],
    ]);
    expect(await balanced(user.id)).toEqual([9]);
    // The refused requests counted no run against the hourly limit (their start batch rolled back).
    const [limit] = await q<{ count: number }>(sql`SELECT count FROM rate_limits WHERE key = ${`ai:generate:${user.id}`}`);
    expect(limit!.count).toBe(2);
  });
});

// ─── (g) refund ──────────────────────────────────────────────────────────────────────────────────

describe('(g) refund', () => {
  it('a failing run raced by 49 more generate requests: refunded exactly once, 49 × 409', async () => {
    const user = await newUser(t, 10);
    const id = await createAnalysis(t, user);
    expect((await upgrade(t, user, id)).status).toBe(200);
    s.fake.reset();
    const gate = modelGate();
    s.fake.setDefault(gate.hold(() => overloaded()));
    const results = await raceBehindGate(times(N, () => () => generate(t, user, { analysis_id: id })), gate);

    expect(statusCounts(results)).toEqual({ 409: 49, 502: 1 });
    expectAllConflicts(results.filter((r) => r.status === 409), 409, 'INVALID_STATE');
    const failed = expectErrorEnvelope(results.find((r) => r.status === 502)!, 502, 'AI_UPSTREAM_ERROR');
    expect(failed.details.refunded_credits).toBe(1);
    expect(shape(await analysisLedger(id))).toEqual([['analysis_charge', -1, 'refunded'], ['refund', 1, '-']]);
    expect(await balanced(user.id)).toEqual([10]);
    const notes = await q<{ data: { refunded_credits: number } }>(
      sql`SELECT data FROM notifications WHERE user_id = ${user.id} AND type = 'analysis_failed'`,
    );
    expect(notes.map((n) => n.data.refunded_credits)).toEqual([1]);
  });

  it('a dead run swept by 40 generate requests and 10 maintenance sweeps at once: every charge refunded exactly once', async () => {
    const user = await newUser(t, 10);
    s.fake.reset();
    s.fake.setDefault(fn(validSection));
    const id = await createAnalysis(t, user);
    expect((await upgrade(t, user, id)).status).toBe(200);
    expect((await generate(t, user, { analysis_id: id, sections: ['overview', 'market'] })).status).toBe(200);
    // The process running the premium sections died an hour ago (no route can produce this state).
    await t.db.execute(sql`
      UPDATE analysis_sections SET status = 'processing', started_at = now() - interval '1 hour'
      WHERE analysis_id = ${id} AND section IN ('business', 'technical', 'financial', 'strategy')`);
    await t.db.execute(sql`UPDATE analyses SET status = 'processing' WHERE id = ${id}`);

    s.fake.reset();
    const gate = modelGate();
    s.fake.setDefault(gate.hold(() => overloaded()));
    // Maintenance (Worker cron / Node interval) has no route: its sweep is called as the service.
    const tasks = times(N, (i) => (i % 5 === 4 ? () => runMaintenance(t.db, t.config) : () => generate(t, user, { analysis_id: id })));
    const results = await raceBehindGate<unknown>(tasks, gate);
    const responses = results.filter((_, i) => i % 5 !== 4) as ApiResponse[];

    // Exactly one request ran the premium sections again (and failed: 502), the others were refused.
    expect(statusCounts(responses)).toEqual({ 409: 39, 502: 1 });
    expectAllConflicts(responses.filter((r) => r.status === 409), 409, 'INVALID_STATE');
    expect(new Set(s.fake.requests.map((r) => sectionOf(r.forcedTool)))).toEqual(new Set(PREMIUM_ONLY));

    // Whether the run was paid by the first charge (started before the sweep's refund was due) or by a
    // new one (started after it), every charge is refunded once and only once, and nothing is open.
    const ledger = await analysisLedger(id);
    const charges = ledger.filter((r) => r.type === 'analysis_charge');
    const refunds = ledger.filter((r) => r.type === 'refund');
    expect(charges.length).toBeGreaterThanOrEqual(1);
    expect(charges.length).toBeLessThanOrEqual(2);
    expect(refunds).toHaveLength(charges.length);
    expect(refunds.map((r) => r.reference_id).sort()).toEqual(charges.map((c) => c.id).sort());
    expect(charges.every((c) => c.refunded_by !== null && refunds.some((r) => r.id === c.refunded_by))).toBe(true);
    expect(await balanced(user.id)).toEqual([10]);
    const [a] = await q<{ status: string; report_type: string }>(sql`SELECT status, report_type FROM analyses WHERE id = ${id}`);
    expect(a).toEqual({ status: 'failed', report_type: 'premium' });
  });
});
