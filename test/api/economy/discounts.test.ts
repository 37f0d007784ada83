/**
 * Discount codes (SPEC §4, §10): administration, the validate call, atomic reservation at payment
 * creation under concurrency (max_uses and per-user limit), release on rejection, usage listing.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { createDiscount, rows, seededCatalog, submitPayment, uniqueCode, type Catalog } from './helpers.js';

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

const base = () => ({ package_id: catalog.starter.id, payment_method_id: catalog.methodId });
const validate = (u: TestUser, body: Record<string, unknown>) =>
  t.request('POST', '/api/discount-codes/validate', { token: u.token, body: { package_id: catalog.starter.id, ...body } });
const codeRow = async (id: string) =>
  (await rows<{ uses_count: number; is_active: boolean }>(t, sql`SELECT uses_count, is_active FROM discount_codes WHERE id = ${id}`))[0]!;

describe('discount code administration', () => {
  it('creates a code stored upper-case, unique case-insensitively (409)', async () => {
    const code = uniqueCode('spring');
    const res = await t.request('POST', '/api/discount-codes', {
      token: admin.token,
      body: { code: code.toLowerCase(), discount_percent: 20, max_uses: 10, description: 'Spring sale' },
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      code: code.toUpperCase(),
      discount_percent: 20,
      discount_amount: null,
      max_uses: 10,
      per_user_limit: 1,
      uses_count: 0,
      is_active: true,
      created_by: admin.id,
    });
    const dup = await t.request('POST', '/api/discount-codes', { token: admin.token, body: { code: code.toUpperCase(), discount_amount: 5 } });
    expectErrorEnvelope(dup, 409, 'CONFLICT');
    const logs = await rows(t, sql`SELECT action FROM audit_logs WHERE entity_id = ${res.body.data.id}`);
    expect(logs).toEqual([{ action: 'discount_code.create' }]);
  });

  it.each([
    [{ code: 'BOTH', discount_percent: 10, discount_amount: 5 }, ['discount_amount']],
    [{ code: 'NOKIND' }, ['discount_percent']],
    [{ code: 'PCT', discount_percent: 101 }, ['discount_percent']],
    [{ code: 'AMT', discount_amount: 0 }, ['discount_amount']],
    [{ code: 'AMT2', discount_amount: 1.234 }, ['discount_amount']],
    [{ code: 'no spaces', discount_percent: 5 }, ['code']],
    [{ code: 'WIN', discount_percent: 5, valid_from: '2030-01-02T00:00:00Z', valid_until: '2030-01-01T00:00:00Z' }, ['valid_until']],
    [{ code: 'EXTRA', discount_percent: 5, uses_count: 3 }, ['uses_count']],
  ])('refuses %j naming %j', async (body, paths) => {
    const res = await t.request('POST', '/api/discount-codes', { token: admin.token, body });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toEqual(paths);
  });

  it('updates: switching the kind clears the other; max_uses below the uses → 400; duplicate code → 409', async () => {
    const d = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 10 });
    const switched = await t.request('PUT', `/api/discount-codes/${d.id}`, { token: admin.token, body: { discount_amount: 2.5 } });
    expect(switched.status).toBe(200);
    expect(switched.body.data).toMatchObject({ discount_percent: null, discount_amount: 2.5 });

    // Two uses so far; max_uses may come down to 2, not below.
    await submitPayment(t, await registerUser(t), { ...base(), discount_code: d.code });
    await submitPayment(t, await registerUser(t), { ...base(), discount_code: d.code });
    expect((await t.request('PUT', `/api/discount-codes/${d.id}`, { token: admin.token, body: { max_uses: 2 } })).status).toBe(200);
    const refused = await t.request('PUT', `/api/discount-codes/${d.id}`, { token: admin.token, body: { max_uses: 1 } });
    expectErrorEnvelope(refused, 400, 'VALIDATION_ERROR');
    expect(issuePaths(refused)).toEqual(['max_uses']);

    const other = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 5 });
    const dup = await t.request('PUT', `/api/discount-codes/${other.id}`, { token: admin.token, body: { code: d.code.toLowerCase() } });
    expectErrorEnvelope(dup, 409, 'CONFLICT');
    expectErrorEnvelope(
      await t.request('PUT', `/api/discount-codes/${crypto.randomUUID()}`, { token: admin.token, body: { is_active: false } }),
      404,
      'NOT_FOUND',
    );
  });

  it('deletes an unused code; deactivates a used one', async () => {
    const unused = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 10 });
    const del = await t.request('DELETE', `/api/discount-codes/${unused.id}`, { token: admin.token });
    expect(del.status).toBe(200);
    expect(del.body.data).toEqual({ id: unused.id, deactivated: false });
    expectErrorEnvelope(await t.request('GET', `/api/discount-codes/${unused.id}`, { token: admin.token }), 404, 'NOT_FOUND');

    const used = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 10 });
    await submitPayment(t, await registerUser(t), { ...base(), discount_code: used.code });
    const deact = await t.request('DELETE', `/api/discount-codes/${used.id}`, { token: admin.token });
    expect(deact.body.data).toEqual({ id: used.id, deactivated: true });
    expect((await codeRow(used.id)).is_active).toBe(false);
    const logs = await rows(t, sql`SELECT action FROM audit_logs WHERE entity_id IN (${unused.id}, ${used.id}) ORDER BY created_at, action`);
    expect(logs.map((l: any) => l.action).sort()).toEqual([
      'discount_code.create',
      'discount_code.create',
      'discount_code.deactivate',
      'discount_code.delete',
    ]);
  });

  it('lists with filters; view_discounts reads but cannot write', async () => {
    const viewer = await userWithPermissions(t, ['view_discounts']);
    const d = await createDiscount(t, admin, { code: uniqueCode('LISTME'), discount_percent: 15, is_active: false });
    const list = await t.request('GET', `/api/discount-codes?q=listme&is_active=false`, { token: viewer.token });
    expect(list.status).toBe(200);
    expect(list.body.data.map((x: any) => x.id)).toEqual([d.id]);
    expect((await t.request('GET', `/api/discount-codes/${d.id}`, { token: viewer.token })).status).toBe(200);
    expectErrorEnvelope(
      await t.request('POST', '/api/discount-codes', { token: viewer.token, body: { code: uniqueCode(), discount_percent: 5 } }),
      403,
      'AUTHORIZATION_ERROR',
    );
    expectErrorEnvelope(await t.request('DELETE', `/api/discount-codes/${d.id}`, { token: viewer.token }), 403, 'AUTHORIZATION_ERROR');
  });
});

describe('round trips of discount writes', () => {
  it('create, update and delete cost two each (auth + one batch)', async () => {
    let id = '';
    expect(
      await t.countRoundTrips(async () => {
        id = (await t.request('POST', '/api/discount-codes', { token: admin.token, body: { code: uniqueCode(), discount_percent: 5 } })).body.data.id;
      }),
    ).toBeLessThanOrEqual(2);
    expect(await t.countRoundTrips(() => t.request('PUT', `/api/discount-codes/${id}`, { token: admin.token, body: { max_uses: 9 } }))).toBeLessThanOrEqual(2);
    expect(await t.countRoundTrips(() => t.request('GET', '/api/discount-codes', { token: admin.token }))).toBeLessThanOrEqual(2);
    expect(await t.countRoundTrips(() => t.request('DELETE', `/api/discount-codes/${id}`, { token: admin.token }))).toBeLessThanOrEqual(2);
  });
});

describe('POST /api/discount-codes/validate', () => {
  it('returns the price before and after (percent rounded half-up to the cent)', async () => {
    const u = await registerUser(t);
    const d = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 15 });
    const res = await validate(u, { code: d.code.toLowerCase(), quantity: 3 });
    expect(res.status).toBe(200);
    // 3 × 9.99 = 29.97; 15 % = 4.4955 → 4.50
    expect(res.body.data).toEqual({
      code: d.code,
      discount_percent: 15,
      discount_amount: null,
      list_price_usd: 29.97,
      discount_usd: 4.5,
      amount_usd: 25.47,
      credits: 15,
    });
  });

  it('an amount discount is taken once and never below zero', async () => {
    const u = await registerUser(t);
    const d = await createDiscount(t, admin, { code: uniqueCode(), discount_amount: 50 });
    const res = await validate(u, { code: d.code });
    expect(res.body.data).toMatchObject({ list_price_usd: 9.99, discount_usd: 9.99, amount_usd: 0 });
    // A free payment still needs proof and approval.
    const p = await submitPayment(t, u, { ...base(), discount_code: d.code });
    expect(p.status).toBe(201);
    expect(p.body.data).toMatchObject({ amount_usd: 0, status: 'pending' });
  });

  it('unknown code or unknown package → 404', async () => {
    const u = await registerUser(t);
    expectErrorEnvelope(await validate(u, { code: 'NOSUCHCODE' }), 404, 'NOT_FOUND');
    const d = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 5 });
    expectErrorEnvelope(await validate(u, { code: d.code, package_id: crypto.randomUUID() }), 404, 'NOT_FOUND');
  });

  it.each([
    ['inactive', { is_active: false }],
    ['expired', { valid_from: '2020-01-01T00:00:00Z', valid_until: '2020-02-01T00:00:00Z' }],
    ['not_yet_valid', { valid_from: '2099-01-01T00:00:00Z' }],
    ['below_minimum', { min_purchase_amount: 10 }],
  ])('%s → 400 naming code with details.reason', async (reason, extra) => {
    const u = await registerUser(t);
    const d = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 5, ...extra });
    const res = await validate(u, { code: d.code });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toEqual(['code']);
    expect(res.body.details.reason).toBe(reason);
    // The same reason refuses the payment, naming discount_code; nothing is created.
    const p = await submitPayment(t, u, { ...base(), discount_code: d.code });
    expectErrorEnvelope(p, 400, 'VALIDATION_ERROR');
    expect(issuePaths(p)).toEqual(['discount_code']);
    expect(p.body.details.reason).toBe(reason);
    expect(await rows(t, sql`SELECT 1 FROM payments WHERE user_id = ${u.id}`)).toHaveLength(0);
  });

  it('min_purchase_amount compares the total before the discount (2 × 9.99 ≥ 10)', async () => {
    const u = await registerUser(t);
    const d = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 50, min_purchase_amount: 10 });
    const res = await validate(u, { code: d.code, quantity: 2 });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ list_price_usd: 19.98, discount_usd: 9.99, amount_usd: 9.99 });
  });

  it('exhausted and per-user limit reached → 400 with the reason', async () => {
    const u = await registerUser(t);
    const single = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 5, max_uses: 1, per_user_limit: 5 });
    expect((await submitPayment(t, await registerUser(t), { ...base(), discount_code: single.code })).status).toBe(201);
    const exhausted = await validate(u, { code: single.code });
    expect(exhausted.body.details.reason).toBe('exhausted');

    const once = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 5 });
    expect((await submitPayment(t, u, { ...base(), discount_code: once.code })).status).toBe(201);
    const limited = await validate(u, { code: once.code });
    expect(limited.body.details.reason).toBe('per_user_limit');
    expect((await validate(await registerUser(t), { code: once.code })).status).toBe(200);
  });
});

describe('reservation at payment creation', () => {
  it('a discounted payment carries the server-computed discount and records the redemption', async () => {
    const u = await registerUser(t);
    const d = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 10 });
    const p = await submitPayment(t, u, { ...base(), package_id: catalog.founder.id, discount_code: d.code.toLowerCase() });
    expect(p.status).toBe(201);
    expect(p.body.data).toMatchObject({ list_price_usd: 24.99, discount_usd: 2.5, amount_usd: 22.49, discount_code_id: d.id, discount_code: d.code });
    expect((await codeRow(d.id)).uses_count).toBe(1);
    const usage = await t.request('GET', `/api/discount-codes/${d.id}/usage`, { token: admin.token });
    expect(usage.body.data).toEqual([
      expect.objectContaining({ user_id: u.id, user_email: u.email, payment_id: p.body.data.id, status: 'reserved', discount_usd: 2.5 }),
    ]);
  });

  it('rejection releases the use (both counters) and approval confirms it', async () => {
    const u = await registerUser(t);
    const d = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 10, max_uses: 1 });
    const p = await submitPayment(t, u, { ...base(), discount_code: d.code });
    expect((await codeRow(d.id)).uses_count).toBe(1);
    expect((await t.request('POST', `/api/payments/${p.body.data.id}/reject`, { token: admin.token, body: { reason: 'blurry' } })).status).toBe(200);
    expect((await codeRow(d.id)).uses_count).toBe(0);
    const [uses] = await rows<{ uses: number }>(t, sql`SELECT uses FROM discount_code_user_uses WHERE discount_code_id = ${d.id} AND user_id = ${u.id}`);
    expect(uses!.uses).toBe(0);

    // The same buyer can use it again, and an approval confirms it.
    const again = await submitPayment(t, u, { ...base(), discount_code: d.code });
    expect(again.status).toBe(201);
    expect((await t.request('POST', `/api/payments/${again.body.data.id}/approve`, { token: admin.token })).status).toBe(200);
    const usage = await t.request('GET', `/api/discount-codes/${d.id}/usage?sort=created_at&order=asc`, { token: admin.token });
    expect(usage.body.data.map((r: any) => r.status)).toEqual(['released', 'confirmed']);
    expect((await codeRow(d.id)).uses_count).toBe(1);
    expect(await ledgerInvariant(t, u.id)).toEqual({ balance: 8, ledgerSum: 8 });
  });

  it('usage: unknown code → 404; needs view_discounts; two round trips', async () => {
    const u = await registerUser(t);
    expectErrorEnvelope(await t.request('GET', `/api/discount-codes/${crypto.randomUUID()}/usage`, { token: admin.token }), 404, 'NOT_FOUND');
    const d = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 10 });
    expectErrorEnvelope(await t.request('GET', `/api/discount-codes/${d.id}/usage`, { token: u.token }), 403, 'AUTHORIZATION_ERROR');
    expect(await t.countRoundTrips(() => t.request('GET', `/api/discount-codes/${d.id}/usage`, { token: admin.token }))).toBeLessThanOrEqual(2);
    expect(await t.countRoundTrips(() => validate(u, { code: d.code }))).toBeLessThanOrEqual(2);
  });

  it('max_uses = 3 with 20 concurrent buyers: exactly 3 discounted payments', async () => {
    const d = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 25, max_uses: 3 });
    const buyers = await Promise.all(Array.from({ length: 20 }, () => registerUser(t)));
    const results = await Promise.all(buyers.map((u) => submitPayment(t, u, { ...base(), discount_code: d.code })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(17);
    for (const r of refused) {
      expectErrorEnvelope(r, 400, 'VALIDATION_ERROR');
      expect(issuePaths(r)).toEqual(['discount_code']);
      expect(r.body.details.reason).toBe('exhausted');
    }
    expect((await codeRow(d.id)).uses_count).toBe(3);
    expect(await rows(t, sql`SELECT 1 FROM payments WHERE discount_code_id = ${d.id}`)).toHaveLength(3);
    expect(await rows(t, sql`SELECT 1 FROM discount_redemptions WHERE discount_code_id = ${d.id}`)).toHaveLength(3);
    for (const u of buyers) {
      const { balance, ledgerSum } = await ledgerInvariant(t, u.id);
      expect(balance).toBe(ledgerSum);
    }
  });

  it('per_user_limit = 2 with 10 concurrent payments by one buyer: exactly 2 discounted', async () => {
    const d = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 25, per_user_limit: 2 });
    const u = await registerUser(t);
    const results = await Promise.all(Array.from({ length: 10 }, () => submitPayment(t, u, { ...base(), discount_code: d.code })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    for (const r of results.filter((x) => x.status !== 201)) {
      expectErrorEnvelope(r, 400, 'VALIDATION_ERROR');
      expect(r.body.details.reason).toBe('per_user_limit');
    }
    const [uses] = await rows<{ uses: number }>(t, sql`SELECT uses FROM discount_code_user_uses WHERE discount_code_id = ${d.id} AND user_id = ${u.id}`);
    expect(uses!.uses).toBe(2);
    expect((await codeRow(d.id)).uses_count).toBe(2);
    const { balance, ledgerSum } = await ledgerInvariant(t, u.id);
    expect(balance).toBe(ledgerSum);
  });
});
