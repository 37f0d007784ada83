/**
 * Payments (SPEC §4, §10): server pricing, proofs, listing without proofs, exactly-once review under
 * concurrency, notifications and audit in the same batch, statistics, authorization, round trips.
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
import { PNG_PROOF, rows, seededCatalog, submitPayment, type Catalog } from './helpers.js';

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
const approve = (id: string, token = admin.token) => t.request('POST', `/api/payments/${id}/approve`, { token });
const reject = (id: string, reason = 'The receipt is unreadable', token = admin.token) =>
  t.request('POST', `/api/payments/${id}/reject`, { token, body: { reason } });

describe('POST /api/payments', () => {
  it('prices the payment on the server and stores it pending', async () => {
    const u = await registerUser(t);
    const res = await submitPayment(t, u, { ...base(), quantity: 3, notes: 'Sent from my bank app' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      user_id: u.id,
      package_id: catalog.starter.id,
      payment_method_id: catalog.methodId,
      quantity: 3,
      credits: 15,
      list_price_usd: 29.97,
      discount_usd: 0,
      amount_usd: 29.97,
      discount_code: null,
      status: 'pending',
      reviewed_at: null,
      notes: 'Sent from my bank app',
    });
    expect(res.body.data.payment_proof).toBeUndefined();
    // Nothing is credited before approval.
    expect((await ledgerInvariant(t, u.id)).balance).toBe(3);
  });

  it('accepts an https URL as proof', async () => {
    const u = await registerUser(t);
    const res = await t.request('POST', '/api/payments', {
      token: u.token,
      body: { ...base(), payment_proof: 'https://receipts.example.com/abc.jpg' },
    });
    expect(res.status).toBe(201);
  });

  it('refuses amounts, credits, status and owner in the body, naming each field', async () => {
    const u = await registerUser(t);
    const res = await submitPayment(t, u, {
      ...base(),
      amount_usd: 0.01,
      credits: 1000,
      status: 'approved',
      user_id: admin.id,
    } as never);
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res).sort()).toEqual(['amount_usd', 'credits', 'status', 'user_id']);
    const stored = await rows(t, sql`SELECT 1 FROM payments WHERE user_id = ${u.id}`);
    expect(stored).toHaveLength(0);
  });

  it.each([
    [{ quantity: 0 }, ['quantity']],
    [{ quantity: 101 }, ['quantity']],
    [{ quantity: 1.5 }, ['quantity']],
    [{ package_id: 'nope' }, ['package_id']],
    [{ payment_method_id: undefined }, ['payment_method_id']],
    [{ payment_proof: 'http://insecure.example.com/x.png' }, ['payment_proof']],
    [{ payment_proof: 'data:text/html;base64,PGgxPmhpPC9oMT4=' }, ['payment_proof']],
    [{ payment_proof: 'data:image/gif;base64,R0lGODlhAQABAAAAACw=' }, ['payment_proof']],
    [{ discount_code: 'a' }, ['discount_code']],
  ])('refuses %j naming %j', async (patch, paths) => {
    const u = await registerUser(t);
    const res = await t.request('POST', '/api/payments', { token: u.token, body: { ...base(), payment_proof: PNG_PROOF, ...patch } });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toEqual(paths);
  });

  it('answers 413 for a proof image over 5 MiB (decoded) and accepts one just under', async () => {
    const u = await registerUser(t);
    // A JPEG signature (FF D8 FF) followed by filler: the declared type must match the first bytes.
    const b64 = (bytes: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(bytes - 4, 7)]).toString('base64');
    const big = await t.request('POST', '/api/payments', {
      token: u.token,
      body: { ...base(), payment_proof: `data:image/jpeg;base64,${b64(5 * 1024 * 1024 + 3)}` },
    });
    expectErrorEnvelope(big, 413, 'PAYLOAD_TOO_LARGE');
    const fits = await t.request('POST', '/api/payments', {
      token: u.token,
      body: { ...base(), payment_proof: `data:image/jpeg;base64,${b64(5 * 1024 * 1024 - 3)}` },
    });
    expect(fits.status).toBe(201);
  });

  it('refuses an unknown or inactive package / method with 400 naming the field', async () => {
    const u = await registerUser(t);
    const unknown = await submitPayment(t, u, { package_id: crypto.randomUUID(), payment_method_id: crypto.randomUUID() });
    expectErrorEnvelope(unknown, 400, 'VALIDATION_ERROR');
    expect(issuePaths(unknown).sort()).toEqual(['package_id', 'payment_method_id']);

    const pkg = await t.request('POST', '/api/credit-packages', {
      token: admin.token,
      body: { name: 'Retired', credits: 1, price_usd: 1, is_active: false },
    });
    const inactive = await submitPayment(t, u, { package_id: pkg.body.data.id, payment_method_id: catalog.methodId });
    expectErrorEnvelope(inactive, 400, 'VALIDATION_ERROR');
    expect(issuePaths(inactive)).toEqual(['package_id']);
    expect(await rows(t, sql`SELECT 1 FROM payments WHERE user_id = ${u.id}`)).toHaveLength(0);
  });

  it('costs two round trips (auth + one batch)', async () => {
    const u = await registerUser(t);
    expect(await t.countRoundTrips(() => submitPayment(t, u, base()))).toBeLessThanOrEqual(2);
  });
});

describe('GET /api/payments and /api/payments/:id', () => {
  it('lists own payments without the proof; the detail has it', async () => {
    const u = await registerUser(t);
    const other = await registerUser(t);
    const mine = await submitPayment(t, u, base());
    await submitPayment(t, other, base());
    const list = await t.request('GET', '/api/payments', { token: u.token });
    expect(list.status).toBe(200);
    expect(list.body.pagination.total).toBe(1);
    expect(list.body.data[0].id).toBe(mine.body.data.id);
    expect(list.text).not.toContain('base64');
    expect(list.body.data[0].payment_proof).toBeUndefined();

    const detail = await t.request('GET', `/api/payments/${mine.body.data.id}`, { token: u.token });
    expect(detail.status).toBe(200);
    expect(detail.body.data.payment_proof).toBe(PNG_PROOF);
  });

  it("hides another user's payment (404) and refuses ?user_id= of another user (403)", async () => {
    const owner = await registerUser(t);
    const other = await registerUser(t);
    const p = await submitPayment(t, owner, base());
    expectErrorEnvelope(await t.request('GET', `/api/payments/${p.body.data.id}`, { token: other.token }), 404, 'NOT_FOUND');
    expectErrorEnvelope(await t.request('GET', `/api/payments?user_id=${owner.id}`, { token: other.token }), 403, 'AUTHORIZATION_ERROR');
  });

  it('view_payments lists everyone’s, filters by status and user_id, and reads any detail', async () => {
    const viewer = await userWithPermissions(t, ['view_payments']);
    const buyer = await registerUser(t);
    const first = await submitPayment(t, buyer, base());
    await submitPayment(t, buyer, base());
    await approve(first.body.data.id);

    const all = await t.request('GET', '/api/payments?per_page=100', { token: viewer.token });
    expect(all.body.pagination.total).toBeGreaterThan(2);
    const byUser = await t.request('GET', `/api/payments?user_id=${buyer.id}`, { token: viewer.token });
    expect(byUser.body.pagination.total).toBe(2);
    const approved = await t.request('GET', `/api/payments?user_id=${buyer.id}&status=approved`, { token: viewer.token });
    expect(approved.body.data.map((p: any) => p.id)).toEqual([first.body.data.id]);
    const detail = await t.request('GET', `/api/payments/${first.body.data.id}`, { token: viewer.token });
    expect(detail.status).toBe(200);
    expect(detail.body.data.payment_proof).toBe(PNG_PROOF);
  });

  it('a custom role with view_payments only can list but not approve or reject', async () => {
    const viewer = await userWithPermissions(t, ['view_payments']);
    const buyer = await registerUser(t);
    const p = await submitPayment(t, buyer, base());
    expect((await t.request('GET', '/api/payments', { token: viewer.token })).status).toBe(200);
    expectErrorEnvelope(await approve(p.body.data.id, viewer.token), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(await reject(p.body.data.id, 'no', viewer.token), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(await approve(p.body.data.id, buyer.token), 403, 'AUTHORIZATION_ERROR');
  });

  it('validates the list query', async () => {
    const u = await registerUser(t);
    const res = await t.request('GET', '/api/payments?status=paid&sort=credits&per_page=0', { token: u.token });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res).sort()).toEqual(['per_page', 'sort', 'status']);
    expectErrorEnvelope(await t.request('GET', '/api/payments/not-a-uuid', { token: u.token }), 400, 'VALIDATION_ERROR');
  });

  it('listing and reading cost at most two round trips', async () => {
    const u = await registerUser(t);
    const p = await submitPayment(t, u, base());
    expect(await t.countRoundTrips(() => t.request('GET', '/api/payments', { token: admin.token }))).toBeLessThanOrEqual(2);
    expect(await t.countRoundTrips(() => t.request('GET', `/api/payments/${p.body.data.id}`, { token: u.token }))).toBeLessThanOrEqual(2);
  });
});

describe('approve / reject', () => {
  it('approval books the purchase, notifies the owner and writes the audit log', async () => {
    const u = await registerUser(t);
    const p = await submitPayment(t, u, { ...base(), quantity: 2 });
    const res = await approve(p.body.data.id);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: p.body.data.id, status: 'approved', reviewed_by: admin.id });
    expect(res.body.data.reviewed_at).toMatch(/Z$/);

    expect(await ledgerInvariant(t, u.id)).toEqual({ balance: 13, ledgerSum: 13 });
    const ledger = await rows(t, sql`SELECT type, credits, reference_type, reference_id, created_by FROM transactions WHERE user_id = ${u.id} AND type = 'purchase'`);
    expect(ledger).toEqual([{ type: 'purchase', credits: 10, reference_type: 'payment', reference_id: p.body.data.id, created_by: admin.id }]);
    const notes = await rows(t, sql`SELECT type, title, title_ar FROM notifications WHERE user_id = ${u.id}`);
    expect(notes).toEqual([{ type: 'payment_approved', title: 'Payment approved', title_ar: expect.stringMatching(/[\u0600-\u06FF]/) }]);
    const logs = await rows(t, sql`SELECT action, actor_id, changes FROM audit_logs WHERE entity_id = ${p.body.data.id}`);
    expect(logs).toEqual([
      { action: 'payment.approve', actor_id: admin.id, changes: { before: { status: 'pending' }, after: { status: 'approved' } } },
    ]);
  });

  it('a reviewed payment cannot be reviewed again (409 INVALID_STATE); unknown → 404', async () => {
    const u = await registerUser(t);
    const p = await submitPayment(t, u, base());
    expect((await approve(p.body.data.id)).status).toBe(200);
    expectErrorEnvelope(await approve(p.body.data.id), 409, 'INVALID_STATE');
    expectErrorEnvelope(await reject(p.body.data.id), 409, 'INVALID_STATE');
    expectErrorEnvelope(await approve(crypto.randomUUID()), 404, 'NOT_FOUND');
    expect(await ledgerInvariant(t, u.id)).toEqual({ balance: 8, ledgerSum: 8 });
    expect(await rows(t, sql`SELECT 1 FROM audit_logs WHERE entity_id = ${p.body.data.id}`)).toHaveLength(1);
  });

  it('rejection books nothing, keeps the reason and notifies the owner', async () => {
    const u = await registerUser(t);
    const p = await submitPayment(t, u, base());
    const res = await reject(p.body.data.id, 'Amount does not match');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'rejected', rejection_reason: 'Amount does not match', reviewed_by: admin.id });
    expectErrorEnvelope(await approve(p.body.data.id), 409, 'INVALID_STATE');
    expect(await ledgerInvariant(t, u.id)).toEqual({ balance: 3, ledgerSum: 3 });
    const notes = await rows<{ type: string; message: string }>(t, sql`SELECT type, message FROM notifications WHERE user_id = ${u.id}`);
    expect(notes).toEqual([{ type: 'payment_rejected', message: 'Your payment was rejected: Amount does not match' }]);
  });

  it('approve accepts no body or {}, refuses other fields; reject needs a reason', async () => {
    const u = await registerUser(t);
    const p = await submitPayment(t, u, base());
    const extra = await t.request('POST', `/api/payments/${p.body.data.id}/approve`, { token: admin.token, body: { credits: 100 } });
    expectErrorEnvelope(extra, 400, 'VALIDATION_ERROR');
    expect(issuePaths(extra)).toEqual(['credits']);
    const noReason = await t.request('POST', `/api/payments/${p.body.data.id}/reject`, { token: admin.token, body: {} });
    expect(issuePaths(noReason)).toEqual(['reason']);
    const ok = await t.request('POST', `/api/payments/${p.body.data.id}/approve`, { token: admin.token, body: {} });
    expect(ok.status).toBe(200);
  });

  it('20 parallel approvals of one payment: one 200, nineteen 409, credited once', async () => {
    const u = await registerUser(t);
    const p = await submitPayment(t, u, base());
    const results = await Promise.all(Array.from({ length: 20 }, () => approve(p.body.data.id)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const losers = results.filter((r) => r.status !== 200);
    expect(losers).toHaveLength(19);
    for (const r of losers) expectErrorEnvelope(r, 409, 'INVALID_STATE');
    expect(await ledgerInvariant(t, u.id)).toEqual({ balance: 8, ledgerSum: 8 });
    expect(await rows(t, sql`SELECT 1 FROM notifications WHERE user_id = ${u.id}`)).toHaveLength(1);
    expect(await rows(t, sql`SELECT 1 FROM audit_logs WHERE entity_id = ${p.body.data.id}`)).toHaveLength(1);
  });

  it('approvals racing rejections: exactly one review wins, and its effects only', async () => {
    for (let round = 0; round < 6; round++) {
      const u = await registerUser(t);
      const p = await submitPayment(t, u, base());
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? approve(p.body.data.id) : reject(p.body.data.id))),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      const [final] = await rows<{ status: string }>(t, sql`SELECT status FROM payments WHERE id = ${p.body.data.id}`);
      const { balance, ledgerSum } = await ledgerInvariant(t, u.id);
      expect(balance).toBe(ledgerSum);
      expect(balance).toBe(final!.status === 'approved' ? 8 : 3);
      expect(await rows(t, sql`SELECT 1 FROM notifications WHERE user_id = ${u.id}`)).toHaveLength(1);
      expect(await rows(t, sql`SELECT 1 FROM audit_logs WHERE entity_id = ${p.body.data.id}`)).toHaveLength(1);
    }
  });

  it('approving costs at most two round trips (auth + one batch); rejecting too', async () => {
    const u = await registerUser(t);
    const a = await submitPayment(t, u, base());
    const b = await submitPayment(t, u, base());
    expect(await t.countRoundTrips(() => approve(a.body.data.id))).toBeLessThanOrEqual(2);
    expect(await t.countRoundTrips(() => reject(b.body.data.id))).toBeLessThanOrEqual(2);
  });
});

describe('GET /api/payments/stats', () => {
  it('gives totals by status and a zero-filled series by day', async () => {
    const u = await registerUser(t);
    const before = (await t.request('GET', '/api/payments/stats?days=7', { token: admin.token })).body.data;
    const a = await submitPayment(t, u, base());
    await submitPayment(t, u, { ...base(), package_id: catalog.founder.id });
    await approve(a.body.data.id);
    const res = await t.request('GET', '/api/payments/stats?days=7', { token: admin.token });
    expect(res.status).toBe(200);
    const { by_status, by_day } = res.body.data;
    expect(by_status.approved.count - before.by_status.approved.count).toBe(1);
    expect(by_status.approved.credits - before.by_status.approved.credits).toBe(5);
    expect(by_status.pending.count - before.by_status.pending.count).toBe(1);
    expect(Math.round((by_status.pending.amount_usd - before.by_status.pending.amount_usd) * 100)).toBe(2499);
    expect(by_day).toHaveLength(7);
    expect(by_day[6].date).toBe(new Date().toISOString().slice(0, 10));
    expect(by_day[6].count - before.by_day[6].count).toBe(2);
  });

  it('needs view_payments; validates days; two round trips', async () => {
    const u = await registerUser(t);
    expectErrorEnvelope(await t.request('GET', '/api/payments/stats', { token: u.token }), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(await t.request('GET', '/api/payments/stats?days=0', { token: admin.token }), 400, 'VALIDATION_ERROR');
    expect(await t.countRoundTrips(() => t.request('GET', '/api/payments/stats', { token: admin.token }))).toBeLessThanOrEqual(2);
  });
});
