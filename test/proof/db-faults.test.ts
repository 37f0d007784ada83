/**
 * Database faults through the API, on the money writes (SPEC §1 `SERVICE_UNAVAILABLE`, §3 "single atomic
 * statements or db.batch"). Faults are injected by the local Neon endpoint (src/local/sql-endpoint.ts)
 * on exactly the round trip under test — the route's write batch, never the sign-in query before it.
 *
 * For each fault: the answer is the 503 error envelope with nothing internal in it (no stack, no SQL, no
 * driver or upstream text), the database holds exactly what it held before (read with direct SQL:
 * balances, ledger, the rows the batch writes), and the same request then succeeds, once.
 *
 * "A batch failing midway" uses the endpoint's `failStatement` fault: statements 1..N-1 of the batch run
 * inside its transaction, statement N fails with SQLSTATE 57P01 (what Postgres reports when the compute
 * restarts), the backend rolls back. Every N of each money batch is tried.
 *
 * Covered elsewhere, not repeated here: platform.test.ts (GET /health → 503 with `details` on a refused
 * connection; a hung round trip cut at DB_QUERY_TIMEOUT_MS and an HTTP 500 on GET /auth/me, each followed
 * by a working request); test/local/sql-endpoint.test.ts (the endpoint's batch atomicity on a 23505 and
 * its fault kinds, under the raw driver).
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, pgErrorOf } from '../../src/db/errors.js';
import { faults, type FaultAction } from '../../src/local/sql-endpoint.js';
import { runMaintenance } from '../../src/services/maintenance.js';
import { fn, overloaded, toolResult } from '../support/fake-anthropic.js';
import {
  expectErrorEnvelope,
  ledgerInvariant,
  loginAdmin,
  registerUser,
  type ApiResponse,
  type TestApp,
  type TestUser,
} from '../support/harness.js';
import { createAnalysis, generate, newUser, startAiSuite, upgrade, type AiSuite } from '../api/ai/setup.js';
import { SECTION_FIXTURES, sectionOf } from '../api/ai/fixtures.js';
import { createDiscount, seededCatalog, submitPayment, uniqueCode, type Catalog } from '../api/economy/helpers.js';

let s: AiSuite;
let t: TestApp;
let admin: TestUser;
let catalog: Catalog;

beforeAll(async () => {
  // A short query timeout so the "timeout" fault costs one second, not fifteen.
  s = await startAiSuite({ DB_QUERY_TIMEOUT_MS: '1000' });
  t = s.t;
  admin = await loginAdmin(t);
  catalog = await seededCatalog(t);
});
afterEach(() => t.database.endpoint.setFault(null));
afterAll(() => s?.close());

// ─── helpers ─────────────────────────────────────────────────────────────────────────────────────

async function q<T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  return (await t.db.execute(query)).rows as T[];
}

async function balance(userId: string): Promise<number> {
  const { balance, ledgerSum } = await ledgerInvariant(t, userId);
  expect(balance).toBe(ledgerSum);
  return balance;
}

/** The write batch of each money route, recognised by a statement only it sends. */
const BATCH = {
  createPayment: /INSERT INTO payments/,
  approvePayment: /from "payments" where "payments"\."id" = \$1 for update/,
  upgrade: /SET report_type = 'premium'/,
  startRun: /SET status = 'processing', generation_started_at/,
  refund: /UPDATE transactions SET refunded_by/,
  /** finishRun's first batch: the analysis status recomputed from its sections at the end of a run. */
  finishRun: /UPDATE analyses a SET updated_at = now\(\), status = CASE/,
} as const;

/**
 * Statement counts of those batches (a change in a batch's shape should be noticed here). SPEC-WAVE2 §11:
 * the mail statements ride in the same batches — createPayment +1 (admin_new_payment fan-out), approvePayment
 * +2 (payment_approved, referral_reward), upgrade and startRunWithCharge +2 (credits_low notification and mail).
 */
const STATEMENTS = { createPayment: 6, approvePayment: 12, upgrade: 10, startRunWithCharge: 11, refund: 4 } as const;

/** Statement count of the request the last `failNext` fault was injected into (undefined: not yet). */
let injectedInto: number | undefined;

function failNext(batch: RegExp, action: FaultAction) {
  const inject = faults.matching(batch, action, 1);
  injectedInto = undefined;
  t.database.endpoint.setFault((context) => {
    const injected = inject(context);
    if (injected) injectedInto = context.queries.length;
    return injected;
  });
}

const midway = (statement: number, code?: string): FaultAction =>
  code ? { type: 'failStatement', statement, code, message: 'XX internals: relation "users" column password_hash' } : { type: 'failStatement', statement };

/** SPEC §1: the error envelope, generic message, nothing internal. */
function expectOpaque(res: ApiResponse, status: number, code: string) {
  const body = expectErrorEnvelope(res, status, code);
  expect(Object.keys(body).sort()).toEqual(['error', 'error_code', 'request_id', 'status_code', 'success', 'timestamp']);
  expect(body.error).toBe(code === 'SERVICE_UNAVAILABLE' ? 'The service is temporarily unavailable.' : 'An unexpected error occurred.');
  expect(res.text).not.toMatch(
    /select|insert|update|from |password|relation|ECONNREFUSED|fetch failed|HTTP status|NeonDbError|Drizzle|injected|administrator|57P01|XX000|stack|\.ts:\d|at \S+ \(/i,
  );
}

const FAULTS: [string, FaultAction][] = [
  ['connection refused', { type: 'network', message: 'connect ECONNREFUSED 10.1.2.3:443' }],
  ['timeout (a hung round trip cut at DB_QUERY_TIMEOUT_MS)', { type: 'hang' }],
  ['HTTP 500 from the SQL endpoint', { type: 'status', status: 500, body: 'internal error near SELECT password_hash FROM users' }],
];

const approve = (paymentId: string) => t.request('POST', `/api/payments/${paymentId}/approve`, { token: admin.token });

async function pendingPayment(user: TestUser, discountCode?: string): Promise<string> {
  const res = await submitPayment(t, user, {
    package_id: catalog.starter.id,
    payment_method_id: catalog.methodId,
    ...(discountCode ? { discount_code: discountCode } : {}),
  });
  expect(res.status, res.text).toBe(201);
  return res.body.data.id as string;
}

/** Everything a payment approval writes, for `userId`'s payment (and their referrer's reward). */
async function approvalState(paymentId: string, userId: string, referrerId: string) {
  return {
    payment: await q(sql`SELECT status, reviewed_by FROM payments WHERE id = ${paymentId}`),
    ledger: await q(sql`SELECT user_id, type, credits FROM transactions WHERE user_id IN (${userId}, ${referrerId}) ORDER BY created_at, type`),
    balances: [await balance(userId), await balance(referrerId)],
    redemption: await q(sql`SELECT status FROM discount_redemptions WHERE payment_id = ${paymentId}`),
    notifications: await q(sql`SELECT user_id, type FROM notifications WHERE user_id IN (${userId}, ${referrerId}) ORDER BY created_at, type`),
    audit: await q(sql`SELECT action FROM audit_logs WHERE entity_id = ${paymentId}`),
    referral: await q(sql`SELECT status FROM referrals WHERE referred_id = ${userId}`),
  };
}

/** A referred user with a completed premium report, so an approval also pays the referral reward. */
async function referredBuyer() {
  const referrer = await registerUser(t);
  const me = await t.request('GET', '/api/auth/me', { token: referrer.token });
  const buyer = await registerUser(t, { referral_code: me.body.data.referral_code });
  // Written directly: producing a report is the AI engine's job; here it only makes the reward due.
  await t.db.execute(sql`INSERT INTO analyses (user_id, business_idea, report_type, status)
                         VALUES (${buyer.id}, 'Solar panels rented to shops in Homs', 'premium', 'completed')`);
  return { referrer, buyer };
}

async function paymentState(userId: string, codeId: string) {
  return {
    payments: await q(sql`SELECT status, amount_usd FROM payments WHERE user_id = ${userId}`),
    usesCount: await q(sql`SELECT uses_count FROM discount_codes WHERE id = ${codeId}`),
    perUser: await q(sql`SELECT uses FROM discount_code_user_uses WHERE discount_code_id = ${codeId} AND user_id = ${userId}`),
    redemptions: await q(sql`SELECT status FROM discount_redemptions WHERE discount_code_id = ${codeId} AND user_id = ${userId}`),
    balance: await balance(userId),
  };
}

async function analysisState(analysisId: string, userId: string) {
  return {
    analysis: await q(sql`SELECT report_type, status, forced_runs FROM analyses WHERE id = ${analysisId}`),
    sections: await q(sql`SELECT section, status, error_code FROM analysis_sections WHERE analysis_id = ${analysisId} ORDER BY section`),
    ledger: await q(sql`SELECT type, credits, refunded_by IS NOT NULL AS refunded FROM transactions
                        WHERE reference_id = ${analysisId} OR reference_id IN (SELECT id FROM transactions WHERE reference_id = ${analysisId})
                        ORDER BY created_at, type`),
    balance: await balance(userId),
    activity: await q(sql`SELECT action FROM activity_feed WHERE entity_id = ${analysisId} ORDER BY created_at`),
    runsCounted: await q(sql`SELECT count FROM rate_limits WHERE key = ${`ai:generate:${userId}`}`),
  };
}

// ─── the fault mode itself ───────────────────────────────────────────────────────────────────────

describe('failStatement: a batch failing midway (endpoint level)', () => {
  it('runs the statements before N in the transaction, fails N with the SQLSTATE, rolls back, never runs the rest', async () => {
    // Sequences are not transactional: they show which statements really ran.
    await t.db.execute(sql`CREATE TABLE fault_probe (n bigint)`);
    await t.db.execute(sql`CREATE SEQUENCE fault_probe_seq`);
    const insert = () => t.db.execute(sql`INSERT INTO fault_probe SELECT nextval('fault_probe_seq')`);
    t.database.endpoint.setFault(faults.once({ type: 'failStatement', statement: 3 }));
    const error = await t.db.batch([insert(), insert(), insert(), insert()]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(pgErrorOf(error)).toMatchObject({ code: '57P01' });
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(await q(sql`SELECT n FROM fault_probe`)).toEqual([]); // statements 1 and 2 rolled back
    expect(await q(sql`SELECT last_value::int AS n FROM fault_probe_seq`)).toEqual([{ n: 2 }]); // they ran; 3, 4 did not

    t.database.endpoint.setFault(faults.once({ type: 'failStatement', statement: 5 })); // beyond the last: no fault
    await t.db.batch([insert(), insert()]);
    expect(await q(sql`SELECT n::int FROM fault_probe ORDER BY n`)).toEqual([{ n: 3 }, { n: 4 }]);

    t.database.endpoint.setFault(faults.once({ type: 'failStatement', statement: 1, code: '40P01' })); // a single query
    expect(pgErrorOf(await insert().then(() => undefined, (e: unknown) => e))).toMatchObject({ code: '40P01' });
    expect(await q(sql`SELECT count(*)::int AS n FROM fault_probe`)).toEqual([{ n: 2 }]);
  });
});

// ─── refused, timed out, HTTP 500 ────────────────────────────────────────────────────────────────

describe.each(FAULTS)('%s on a money write → 503, nothing written, the next request works', (_name, fault) => {
  it('POST /payments with a discount code', async () => {
    const buyer = await registerUser(t);
    const code = await createDiscount(t, admin, { code: uniqueCode('FLT'), discount_percent: 10, max_uses: 1 });
    const before = await paymentState(buyer.id, code.id);
    failNext(BATCH.createPayment, fault);
    const res = await submitPayment(t, buyer, { package_id: catalog.starter.id, payment_method_id: catalog.methodId, discount_code: code.code });
    expectOpaque(res, 503, 'SERVICE_UNAVAILABLE');
    expect(injectedInto).toBe(STATEMENTS.createPayment);
    expect(await paymentState(buyer.id, code.id)).toEqual(before);
    // The single use was not consumed by the failed attempt.
    await pendingPayment(buyer, code.code);
    expect((await paymentState(buyer.id, code.id)).usesCount).toEqual([{ uses_count: 1 }]);
  });

  it('POST /payments/:id/approve', async () => {
    const { referrer, buyer } = await referredBuyer();
    const paymentId = await pendingPayment(buyer);
    const before = await approvalState(paymentId, buyer.id, referrer.id);
    failNext(BATCH.approvePayment, fault);
    expectOpaque(await approve(paymentId), 503, 'SERVICE_UNAVAILABLE');
    expect(injectedInto).toBe(STATEMENTS.approvePayment);
    expect(await approvalState(paymentId, buyer.id, referrer.id)).toEqual(before);
    expect((await approve(paymentId)).status).toBe(200);
    expect((await approvalState(paymentId, buyer.id, referrer.id)).balances).toEqual([3 + catalog.starter.credits, 3 + 5]);
  });

  it('POST /analyses/:id/upgrade-premium', async () => {
    const user = await newUser(t, 5);
    const id = await createAnalysis(t, user);
    const before = await analysisState(id, user.id);
    failNext(BATCH.upgrade, fault);
    expectOpaque(await upgrade(t, user, id), 503, 'SERVICE_UNAVAILABLE');
    expect(injectedInto).toBe(STATEMENTS.upgrade);
    expect(await analysisState(id, user.id)).toEqual(before);
    expect((await upgrade(t, user, id)).status).toBe(200);
    expect(await balance(user.id)).toBe(4);
  });
});

describe('the response is lost AFTER the write committed: 503, and a retry never books twice', () => {
  it('approval: committed once; the retry answers 409 INVALID_STATE; credited once', async () => {
    const { referrer, buyer } = await referredBuyer();
    const paymentId = await pendingPayment(buyer);
    failNext(BATCH.approvePayment, { type: 'network', afterExecute: true });
    expectOpaque(await approve(paymentId), 503, 'SERVICE_UNAVAILABLE');
    const committed = await approvalState(paymentId, buyer.id, referrer.id);
    expect(committed.payment).toEqual([{ status: 'approved', reviewed_by: admin.id }]);
    expect(committed.balances).toEqual([3 + catalog.starter.credits, 3 + 5]);
    expectErrorEnvelope(await approve(paymentId), 409, 'INVALID_STATE');
    expect(await approvalState(paymentId, buyer.id, referrer.id)).toEqual(committed);
  });

  it('upgrade: charged once; the retry answers 409 INVALID_STATE', async () => {
    const user = await newUser(t, 5);
    const id = await createAnalysis(t, user);
    failNext(BATCH.upgrade, { type: 'status', status: 500, afterExecute: true });
    expectOpaque(await upgrade(t, user, id), 503, 'SERVICE_UNAVAILABLE');
    const committed = await analysisState(id, user.id);
    expect(committed.ledger).toEqual([{ type: 'analysis_charge', credits: -1, refunded: false }]);
    expectErrorEnvelope(await upgrade(t, user, id), 409, 'INVALID_STATE');
    expect(await analysisState(id, user.id)).toEqual(committed);
  });
});

// ─── a batch failing midway, at every statement ──────────────────────────────────────────────────

describe('a money batch failing on its Nth statement: 503, all-or-nothing, then the same request succeeds', () => {
  it(`POST /payments with a discount code (${STATEMENTS.createPayment} statements)`, async () => {
    const buyer = await registerUser(t);
    const code = await createDiscount(t, admin, { code: uniqueCode('MID'), discount_percent: 10, max_uses: 1 });
    const before = await paymentState(buyer.id, code.id);
    for (let n = 1; n <= STATEMENTS.createPayment; n++) {
      failNext(BATCH.createPayment, midway(n));
      const res = await submitPayment(t, buyer, { package_id: catalog.starter.id, payment_method_id: catalog.methodId, discount_code: code.code });
      expectOpaque(res, 503, 'SERVICE_UNAVAILABLE');
      expect(injectedInto).toBe(STATEMENTS.createPayment);
      expect(await paymentState(buyer.id, code.id), `failing at statement ${n}`).toEqual(before);
    }
    await pendingPayment(buyer, code.code);
    const after = await paymentState(buyer.id, code.id);
    expect(after).toMatchObject({ usesCount: [{ uses_count: 1 }], perUser: [{ uses: 1 }], redemptions: [{ status: 'reserved' }] });
    expect(after.payments).toHaveLength(1);
  });

  it(`POST /payments/:id/approve, with the referral reward due (${STATEMENTS.approvePayment} statements)`, async () => {
    const { referrer, buyer } = await referredBuyer();
    const code = await createDiscount(t, admin, { code: uniqueCode('MIDA'), discount_percent: 10 });
    const paymentId = await pendingPayment(buyer, code.code);
    const before = await approvalState(paymentId, buyer.id, referrer.id);
    for (let n = 1; n <= STATEMENTS.approvePayment; n++) {
      failNext(BATCH.approvePayment, midway(n));
      expectOpaque(await approve(paymentId), 503, 'SERVICE_UNAVAILABLE');
      expect(injectedInto).toBe(STATEMENTS.approvePayment);
      expect(await approvalState(paymentId, buyer.id, referrer.id), `failing at statement ${n}`).toEqual(before);
    }
    // A non-transient database error midway: a generic 500, equally atomic.
    failNext(BATCH.approvePayment, midway(STATEMENTS.approvePayment, 'XX000'));
    expectOpaque(await approve(paymentId), 500, 'INTERNAL_ERROR');
    expect(await approvalState(paymentId, buyer.id, referrer.id)).toEqual(before);

    expect((await approve(paymentId)).status).toBe(200);
    const after = await approvalState(paymentId, buyer.id, referrer.id);
    expect(after.balances).toEqual([3 + catalog.starter.credits, 3 + 5]);
    expect(after.payment).toEqual([{ status: 'approved', reviewed_by: admin.id }]);
    expect(after.redemption).toEqual([{ status: 'confirmed' }]);
    expect(after.referral).toEqual([{ status: 'rewarded' }]);
    expect(after.audit).toEqual([{ action: 'payment.approve' }]);
    expect(after.ledger.filter((r) => r.type === 'purchase' || r.type === 'referral_bonus')).toHaveLength(2);
  });

  it(`POST /analyses/:id/upgrade-premium (${STATEMENTS.upgrade} statements)`, async () => {
    const user = await newUser(t, 5);
    const id = await createAnalysis(t, user);
    const before = await analysisState(id, user.id);
    for (let n = 1; n <= STATEMENTS.upgrade; n++) {
      failNext(BATCH.upgrade, midway(n));
      expectOpaque(await upgrade(t, user, id), 503, 'SERVICE_UNAVAILABLE');
      expect(injectedInto).toBe(STATEMENTS.upgrade);
      expect(await analysisState(id, user.id), `failing at statement ${n}`).toEqual(before);
    }
    expect((await upgrade(t, user, id)).status).toBe(200);
    const after = await analysisState(id, user.id);
    expect(after.ledger).toEqual([{ type: 'analysis_charge', credits: -1, refunded: false }]);
    expect(after.sections).toHaveLength(6);
    expect(after.balance).toBe(4);
  });

  it(`POST /ai/generate-analysis start batch with the charge (${STATEMENTS.startRunWithCharge} statements): nothing claimed, charged or counted`, async () => {
    const user = await newUser(t, 5);
    const id = await createAnalysis(t, user);
    expect((await upgrade(t, user, id)).status).toBe(200);
    s.fake.reset();
    s.fake.setDefault(overloaded());
    expectErrorEnvelope(await generate(t, user, { analysis_id: id }), 502, 'AI_UPSTREAM_ERROR'); // refunded → the next run charges
    const before = await analysisState(id, user.id);
    expect(before.ledger).toEqual([
      { type: 'analysis_charge', credits: -1, refunded: true },
      { type: 'refund', credits: 1, refunded: false },
    ]);

    s.fake.reset();
    s.fake.setDefault(fn((req) => toolResult(SECTION_FIXTURES[sectionOf(req.forcedTool)])));
    for (let n = 1; n <= STATEMENTS.startRunWithCharge; n++) {
      failNext(BATCH.startRun, midway(n));
      expectOpaque(await generate(t, user, { analysis_id: id }), 503, 'SERVICE_UNAVAILABLE');
      expect(injectedInto).toBe(STATEMENTS.startRunWithCharge);
      // Not left `processing` (which would block the report until the stale sweep), not charged.
      expect(await analysisState(id, user.id), `failing at statement ${n}`).toEqual(before);
    }
    expect(s.fake.requests).toHaveLength(0);

    const ok = await generate(t, user, { analysis_id: id });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.data.status).toBe('completed');
    const after = await analysisState(id, user.id);
    expect(after.ledger).toEqual([
      { type: 'analysis_charge', credits: -1, refunded: true },
      { type: 'refund', credits: 1, refunded: false },
      { type: 'analysis_charge', credits: -1, refunded: false },
    ]);
    expect(after.balance).toBe(4);
  });

  it(`the refund batch (${STATEMENTS.refund} statements): never half-booked; the open charge pays the retry, whose failure refunds it once`, async () => {
    const user = await newUser(t, 5);
    const id = await createAnalysis(t, user);
    expect((await upgrade(t, user, id)).status).toBe(200);
    s.fake.reset();
    s.fake.setDefault(overloaded());
    for (let n = 1; n <= STATEMENTS.refund; n++) {
      failNext(BATCH.refund, midway(n));
      // The run stored nothing; ending it, the refund batch failed: the database error wins (503).
      expectOpaque(await generate(t, user, { analysis_id: id }), 503, 'SERVICE_UNAVAILABLE');
      expect(injectedInto).toBe(STATEMENTS.refund);
      const state = await analysisState(id, user.id);
      expect(state.ledger, `failing at statement ${n}`).toEqual([{ type: 'analysis_charge', credits: -1, refunded: false }]);
      expect(state.balance).toBe(4);
      expect(state.analysis).toEqual([{ report_type: 'premium', status: 'failed', forced_runs: 0 }]);
    }
    // Nothing half-booked, and the charge still open: the next run is free, and its failure refunds it.
    expectErrorEnvelope(await generate(t, user, { analysis_id: id }), 502, 'AI_UPSTREAM_ERROR');
    const after = await analysisState(id, user.id);
    expect(after.ledger).toEqual([
      { type: 'analysis_charge', credits: -1, refunded: true },
      { type: 'refund', credits: 1, refunded: false },
    ]);
    expect(after.balance).toBe(5);
  });
});

describe('the end of a run cannot be recorded (the database fails right after the last section is stored)', () => {
  // Regression: such a run left the analysis `processing` for good — no section processing, so the stale
  // sweep never looked at it: never completed, never shareable, and the referral reward due at completion
  // was never paid (money lost for the referrer when the approved payment came first).
  it('503; then the maintenance sweep ends the run: completed, owner notified, referral reward paid once', async () => {
    const { referrer, buyer } = await referredBuyer();
    await t.db.execute(sql`DELETE FROM analyses WHERE user_id = ${buyer.id}`); // no completed premium report yet
    expect((await approve(await pendingPayment(buyer))).status).toBe(200); // the approval finds nothing due
    expect(await q(sql`SELECT status FROM referrals WHERE referred_id = ${buyer.id}`)).toEqual([{ status: 'joined' }]);

    const id = await createAnalysis(t, buyer);
    expect((await upgrade(t, buyer, id)).status).toBe(200);
    s.fake.reset();
    s.fake.setDefault(fn((req) => toolResult(SECTION_FIXTURES[sectionOf(req.forcedTool)])));
    failNext(BATCH.finishRun, { type: 'network' });
    expectOpaque(await generate(t, buyer, { analysis_id: id }), 503, 'SERVICE_UNAVAILABLE');
    const stored = await analysisState(id, buyer.id);
    expect(stored.sections.every((r) => r.status === 'completed')).toBe(true);
    expect(stored.analysis).toEqual([{ report_type: 'premium', status: 'processing', forced_runs: 0 }]);

    // AI_SECTION_TIMEOUT_S later (time moved on directly), the Worker cron / Node interval runs; it has
    // no route, so its service is called.
    await t.db.execute(sql`UPDATE analyses SET generation_started_at = now() - interval '1 hour' WHERE id = ${id}`);
    await runMaintenance(t.db, t.config);
    await runMaintenance(t.db, t.config); // idempotent
    const after = await analysisState(id, buyer.id);
    expect(after.analysis).toEqual([{ report_type: 'premium', status: 'completed', forced_runs: 0 }]);
    expect(after.ledger).toEqual([{ type: 'analysis_charge', credits: -1, refunded: false }]); // delivered: kept
    expect(await q(sql`SELECT type FROM notifications WHERE user_id = ${buyer.id} AND type LIKE 'analysis_%'`)).toEqual([
      { type: 'analysis_completed' },
    ]);
    expect(await q(sql`SELECT status FROM referrals WHERE referred_id = ${buyer.id}`)).toEqual([{ status: 'rewarded' }]);
    expect(await q(sql`SELECT credits FROM transactions WHERE user_id = ${referrer.id} AND type = 'referral_bonus'`)).toEqual([{ credits: 5 }]);
    expect(await balance(referrer.id)).toBe(3 + 5);
    expect((await t.request('POST', '/api/report-shares', { token: buyer.token, body: { analysis_id: id } })).status).toBe(201);
  });

  it('a live run is left alone by that sweep', async () => {
    const user = await newUser(t, 5);
    const id = await createAnalysis(t, user);
    s.fake.reset();
    s.fake.setDefault(fn((req) => toolResult(SECTION_FIXTURES[sectionOf(req.forcedTool)])));
    failNext(BATCH.finishRun, { type: 'network' });
    expectOpaque(await generate(t, user, { analysis_id: id }), 503, 'SERVICE_UNAVAILABLE');
    await runMaintenance(t.db, t.config); // started moments ago: within AI_SECTION_TIMEOUT_S, not touched
    expect((await analysisState(id, user.id)).analysis).toEqual([{ report_type: 'free', status: 'processing', forced_runs: 0 }]);
  });
});
