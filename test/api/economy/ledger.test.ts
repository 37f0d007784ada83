/**
 * The ledger (SPEC §3): GET /transactions, POST /users/:id/adjust-credits, and the ledger service
 * (balance = sum of entries, never below zero, one booking per business event) — also under concurrency.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookEntry, isDoubleBooking, isInsufficientBalance } from '../../../src/services/ledger.js';
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

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  admin = await loginAdmin(t);
});
afterAll(async () => {
  await t.close();
});

const adjust = (userId: string, credits: number, token = admin.token, reason = 'support gesture') =>
  t.request('POST', `/api/users/${userId}/adjust-credits`, { token, body: { credits, reason } });

async function balanceOf(userId: string): Promise<number> {
  const { balance, ledgerSum } = await ledgerInvariant(t, userId);
  expect(balance).toBe(ledgerSum);
  return balance;
}

describe('POST /api/users/:id/adjust-credits', () => {
  it('books an adjustment, returns {transaction, balance}, audits it and notifies a credit', async () => {
    const u = await registerUser(t);
    const res = await adjust(u.id, 7);
    expect(res.status).toBe(200);
    expect(res.body.data.balance).toBe(10);
    expect(res.body.data.transaction).toMatchObject({
      user_id: u.id,
      type: 'adjustment',
      credits: 7,
      balance_after: 10,
      description: 'support gesture',
      created_by: admin.id,
    });
    expect(await balanceOf(u.id)).toBe(10);

    const logs = await t.db.execute<{ action: string; actor_id: string; changes: any }>(
      sql`SELECT action, actor_id, changes FROM audit_logs WHERE entity_id = ${u.id}`,
    );
    expect(logs.rows).toEqual([
      {
        action: 'user.adjust_credits',
        actor_id: admin.id,
        changes: { after: { credits: 7, reason: 'support gesture', transaction_id: res.body.data.transaction.id } },
      },
    ]);
    const notes = await t.db.execute<{ type: string }>(sql`SELECT type FROM notifications WHERE user_id = ${u.id}`);
    expect(notes.rows).toEqual([{ type: 'credits_added' }]);
  });

  it('refuses a debit below zero with 409 INVALID_STATE and books nothing', async () => {
    const u = await registerUser(t); // 3 signup credits
    const res = await adjust(u.id, -4);
    expectErrorEnvelope(res, 409, 'INVALID_STATE');
    expect(await balanceOf(u.id)).toBe(3);
    const logs = await t.db.execute(sql`SELECT 1 FROM audit_logs WHERE entity_id = ${u.id}`);
    expect(logs.rows).toHaveLength(0);

    const ok = await adjust(u.id, -3);
    expect(ok.status).toBe(200);
    expect(ok.body.data.balance).toBe(0);
    const notes = await t.db.execute(sql`SELECT type FROM notifications WHERE user_id = ${u.id}`);
    // A debit notifies only when it crosses the low-credit threshold (SPEC-WAVE2 §11.8: 3 → 0 crosses 2).
    expect(notes.rows).toEqual([{ type: 'credits_low' }]);
  });

  it('answers 404 for an unknown user and writes nothing', async () => {
    const id = crypto.randomUUID();
    expectErrorEnvelope(await adjust(id, 5), 404, 'NOT_FOUND');
    const logs = await t.db.execute(sql`SELECT 1 FROM audit_logs WHERE entity_id = ${id}`);
    expect(logs.rows).toHaveLength(0);
  });

  it.each([
    [{ credits: 0, reason: 'zero' }, ['credits']],
    [{ credits: 1.5, reason: 'fraction' }, ['credits']],
    [{ credits: '5', reason: 'string' }, ['credits']],
    [{ reason: 'missing' }, ['credits']],
    [{ credits: 5 }, ['reason']],
    [{ credits: 5, reason: 'x', balance: 9 }, ['balance', 'reason']],
  ])('refuses %j naming %j', async (payload, paths) => {
    const u = await registerUser(t);
    const res = await t.request('POST', `/api/users/${u.id}/adjust-credits`, { token: admin.token, body: payload });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res).sort()).toEqual(paths);
  });

  it('needs manage_credits (view_credits is not enough)', async () => {
    const viewer = await userWithPermissions(t, ['view_credits']);
    const u = await registerUser(t);
    expectErrorEnvelope(await adjust(u.id, 5, viewer.token), 403, 'AUTHORIZATION_ERROR');
    const self = await registerUser(t);
    expectErrorEnvelope(await adjust(self.id, 100, self.token), 403, 'AUTHORIZATION_ERROR');
    expect(await balanceOf(self.id)).toBe(3);
  });

  it('costs two database round trips (auth + one batch)', async () => {
    const u = await registerUser(t);
    expect(await t.countRoundTrips(() => adjust(u.id, 2))).toBeLessThanOrEqual(2);
  });

  it('50 parallel debits of 1 against a balance of 10: exactly 10 succeed, the balance ends at 0', async () => {
    const u = await registerUser(t);
    expect((await adjust(u.id, 7)).status).toBe(200);
    const results = await Promise.all(Array.from({ length: 50 }, () => adjust(u.id, -1)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    for (const r of results.filter((x) => x.status === 409)) expectErrorEnvelope(r, 409, 'INVALID_STATE');
    expect(await balanceOf(u.id)).toBe(0);
  });
});

describe('GET /api/transactions', () => {
  it('lists the caller’s own entries, newest first, with a type filter', async () => {
    const u = await registerUser(t);
    await adjust(u.id, 4);
    await adjust(u.id, -2);
    const res = await t.request('GET', '/api/transactions', { token: u.token });
    expect(res.status).toBe(200);
    expect(res.body.pagination).toEqual({ page: 1, per_page: 20, total: 3, pages: 1 });
    expect(res.body.data.map((r: any) => r.type).sort()).toEqual(['adjustment', 'adjustment', 'signup_bonus']);
    expect(res.body.data.every((r: any) => r.user_id === u.id)).toBe(true);

    const bonus = await t.request('GET', '/api/transactions?type=signup_bonus', { token: u.token });
    expect(bonus.body.data).toHaveLength(1);
    expect(bonus.body.data[0]).toMatchObject({ type: 'signup_bonus', credits: 3, balance_after: 3 });

    const byCredits = await t.request('GET', '/api/transactions?sort=credits&order=asc', { token: u.token });
    expect(byCredits.body.data.map((r: any) => r.credits)).toEqual([-2, 3, 4]);
  });

  it('another user’s ledger needs view_credits: 403 without, listed with', async () => {
    const owner = await registerUser(t);
    const other = await registerUser(t);
    expectErrorEnvelope(await t.request('GET', `/api/transactions?user_id=${owner.id}`, { token: other.token }), 403, 'AUTHORIZATION_ERROR');
    const own = await t.request('GET', `/api/transactions?user_id=${other.id}`, { token: other.token });
    expect(own.status).toBe(200);
    const viewer = await userWithPermissions(t, ['view_credits']);
    const res = await t.request('GET', `/api/transactions?user_id=${owner.id}`, { token: viewer.token });
    expect(res.status).toBe(200);
    expect(res.body.data.map((r: any) => r.user_id)).toEqual([owner.id]);
  });

  it('validates the query (type, user_id, paging) naming each field', async () => {
    const u = await registerUser(t);
    const res = await t.request('GET', '/api/transactions?type=gift&user_id=nope&page=0', { token: u.token });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res).sort()).toEqual(['page', 'type', 'user_id']);
    expectErrorEnvelope(await t.request('GET', '/api/transactions?per_page=101', { token: u.token }), 400, 'VALIDATION_ERROR');
  });

  it('costs at most two round trips', async () => {
    const u = await registerUser(t);
    expect(await t.countRoundTrips(() => t.request('GET', '/api/transactions', { token: u.token }))).toBeLessThanOrEqual(2);
  });
});

describe('ledger service', () => {
  it('bookEntry moves the balance and appends the row in one statement; below zero fails whole', async () => {
    const u = await registerUser(t);
    const [res] = await t.db.batch([bookEntry(t.db, { userId: u.id, type: 'adjustment', credits: 2 })]);
    expect(res.rows[0]).toMatchObject({ user_id: u.id, credits: 2, balance_after: 5 });
    const error = await t.db.batch([bookEntry(t.db, { userId: u.id, type: 'adjustment', credits: -6 })]).catch((e) => e);
    expect(isInsufficientBalance(error)).toBe(true);
    expect(await balanceOf(u.id)).toBe(5);
  });

  it('refuses a second booking of the same business event (one purchase per payment)', async () => {
    const u = await registerUser(t);
    const paymentId = crypto.randomUUID();
    const entry = { userId: u.id, type: 'purchase' as const, credits: 5, referenceType: 'payment', referenceId: paymentId };
    await t.db.batch([bookEntry(t.db, entry)]);
    const error = await t.db.batch([bookEntry(t.db, entry)]).catch((e) => e);
    expect(isDoubleBooking(error, 'purchase')).toBe(true);
    expect(await balanceOf(u.id)).toBe(8);
  });

  it('keeps the ledger append-only: rows cannot be deleted or rewritten', async () => {
    const u = await registerUser(t);
    await expect(t.db.execute(sql`DELETE FROM transactions WHERE user_id = ${u.id}`)).rejects.toThrow();
    await expect(t.db.execute(sql`UPDATE transactions SET credits = 100 WHERE user_id = ${u.id}`)).rejects.toThrow();
  });
});
