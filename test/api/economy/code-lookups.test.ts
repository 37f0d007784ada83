/**
 * SPEC-WAVE2 §0.1 "Code lookups are rate-limited everywhere": unknown discount codes count failed lookups
 * per user (10 / hour) and per IP (30 / hour) across POST /discount-codes/validate, POST /payments/quote and
 * POST /payments; past a limit every code lookup of that caller is a 429 with Retry-After, a refused lookup
 * still counts, and buying without a code is never blocked. Voucher codes (POST /analyses/:id/redeem-voucher,
 * §13.2) go through the same gate with counters of their own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, loginAdmin, registerUser, type TestApp, type TestUser } from '../../support/harness.js';
import { createAnalysis } from '../content/helpers.js';
import { createDiscount, seededCatalog, submitPayment, uniqueCode, type Catalog } from './helpers.js';

let t: TestApp;
let admin: TestUser;
let catalog: Catalog;
let realCode: string;
let ipCounter = 0;
const freshIp = () => `198.51.100.${++ipCounter}`;

beforeAll(async () => {
  t = await createTestApp({ TRUST_PROXY: 'true' });
  admin = await loginAdmin(t);
  catalog = await seededCatalog(t);
  realCode = (await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 10 })).code;
});
afterAll(() => t.close());

const validate = (user: TestUser, code: string, ip: string) =>
  t.request('POST', '/api/discount-codes/validate', { token: user.token, headers: { 'x-forwarded-for': ip }, body: { code, package_id: catalog.starter.id } });
const quote = (user: TestUser, code: string, ip: string) =>
  t.request('POST', '/api/payments/quote', { token: user.token, headers: { 'x-forwarded-for': ip }, body: { discount_code: code, package_id: catalog.starter.id } });

describe('failed discount-code lookups', () => {
  it('the 11th unknown code of a user in an hour is a 429 on every lookup route, a known code included', async () => {
    const user = await registerUser(t);
    const ip = freshIp();
    for (let i = 0; i < 4; i++) expect((await validate(user, uniqueCode('NOPE'), ip)).status).toBe(404);
    for (let i = 0; i < 3; i++) expect((await quote(user, uniqueCode('NOPE'), ip)).status).toBe(400);
    for (let i = 0; i < 3; i++) {
      const res = await t.request('POST', '/api/payments', {
        token: user.token,
        headers: { 'x-forwarded-for': ip },
        body: { package_id: catalog.starter.id, payment_method_id: catalog.methodId, discount_code: uniqueCode('NOPE'), payment_proof: 'https://example.com/proof.jpg' },
      });
      expect(res.status, res.text).toBe(400);
    }
    const blocked = await validate(user, realCode, ip);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error_code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(3000);
    expect((await quote(user, realCode, ip)).status).toBe(429);
    const paid = await submitPayment(t, user, { package_id: catalog.starter.id, payment_method_id: catalog.methodId, discount_code: realCode });
    expect(paid.status).toBe(429);
    // Nothing was created by the refused payment; buying without a code still works.
    const plain = await submitPayment(t, user, { package_id: catalog.starter.id, payment_method_id: catalog.methodId });
    expect(plain.status, plain.text).toBe(201);
    const payments = await t.request('GET', '/api/payments', { token: user.token });
    expect(payments.body.pagination.total).toBe(1);
  });

  it('known codes never count, and another user is not blocked by the first', async () => {
    const user = await registerUser(t);
    const ip = freshIp();
    for (let i = 0; i < 15; i++) expect((await validate(user, realCode, ip)).status).toBe(200);
    for (let i = 0; i < 9; i++) expect((await validate(user, uniqueCode('NOPE'), ip)).status).toBe(404);
    expect((await validate(user, realCode, ip)).status).toBe(200);
    expect((await validate(await registerUser(t), uniqueCode('NOPE'), freshIp())).status).toBe(404);
  });

  it('30 unknown codes from one IP block every user of that IP', async () => {
    const ip = freshIp();
    for (let u = 0; u < 3; u++) {
      const user = await registerUser(t);
      for (let i = 0; i < 10; i++) expect((await validate(user, uniqueCode('NOPE'), ip)).status).toBe(404);
    }
    const newcomer = await registerUser(t);
    expect((await validate(newcomer, realCode, ip)).status).toBe(429);
    expect((await validate(newcomer, realCode, freshIp())).status).toBe(200);
  });
});

describe('failed voucher-code lookups (the same gate, its own counters)', () => {
  const completeProfile = async (user: TestUser) =>
    expect((await t.request('PUT', '/api/auth/me', { token: user.token, body: { full_name: 'Omar', phone_number: '+963 11 222' } })).status).toBe(200);
  /** A beneficiary with a complete profile (or not) and an analysis to redeem on. */
  async function beneficiary(complete = true) {
    const user = await registerUser(t);
    if (complete) await completeProfile(user);
    return { user, analysisId: (await createAnalysis(t, user)).id as string };
  }
  const redeem = (b: { user: TestUser; analysisId: string }, code: string, ip: string) =>
    t.request('POST', `/api/analyses/${b.analysisId}/redeem-voucher`, {
      token: b.user.token,
      headers: { 'x-forwarded-for': ip },
      body: { code, ngo_consent: true },
    });

  it('30 unknown voucher codes from one IP block every user of that IP (429 with Retry-After); other IPs are not blocked', async () => {
    const ip = freshIp();
    for (let u = 0; u < 3; u++) {
      const b = await beneficiary();
      for (let i = 0; i < 10; i++) expect((await redeem(b, uniqueCode('NOPE'), ip)).status).toBe(404);
    }
    const newcomer = await beneficiary();
    const blocked = await redeem(newcomer, uniqueCode('NOPE'), ip);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(3000);
    expect((await redeem(newcomer, uniqueCode('NOPE'), freshIp())).status).toBe(404);
  });

  it('a lookup refused for an incomplete profile is not counted; discount and voucher guesses do not block each other', async () => {
    const ip = freshIp();
    const bare = await beneficiary(false);
    for (let i = 0; i < 12; i++) expect((await redeem(bare, uniqueCode('NOPE'), ip)).status).toBe(400);
    await completeProfile(bare.user);
    expect((await redeem(bare, uniqueCode('NOPE'), ip)).status).toBe(404);

    const guesser = await beneficiary();
    const other = freshIp();
    for (let i = 0; i < 10; i++) expect((await validate(guesser.user, uniqueCode('NOPE'), other)).status).toBe(404);
    expect((await validate(guesser.user, realCode, other)).status).toBe(429);
    expect((await redeem(guesser, uniqueCode('NOPE'), other)).status).toBe(404);
    for (let i = 0; i < 9; i++) expect((await redeem(guesser, uniqueCode('NOPE'), other)).status).toBe(404);
    expect((await redeem(guesser, uniqueCode('NOPE'), other)).status).toBe(429);
  });
});

describe('pending payments (SPEC-WAVE2 §0.1)', () => {
  it('a 6th pending payment is a 409 too_many_pending, also when 12 are submitted at once; a decision frees a slot', async () => {
    const user = await registerUser(t);
    const results = await Promise.all(
      Array.from({ length: 12 }, () => submitPayment(t, user, { package_id: catalog.starter.id, payment_method_id: catalog.methodId })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(7);
    const refused = results.find((r) => r.status === 409)!;
    expect(refused.body).toMatchObject({ error_code: 'INVALID_STATE', details: { reason: 'too_many_pending' } });
    const payments = await t.request('GET', '/api/payments?status=pending', { token: user.token });
    expect(payments.body.pagination.total).toBe(5);
    const first = results.find((r) => r.status === 201)!.body.data.id;
    expect((await t.request('POST', `/api/payments/${first}/reject`, { token: admin.token, body: { reason: 'unreadable proof' } })).status).toBe(200);
    expect((await submitPayment(t, user, { package_id: catalog.starter.id, payment_method_id: catalog.methodId })).status).toBe(201);
  });
});
