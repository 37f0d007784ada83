/** SPEC §2 / §10: database-backed login and registration limits, with the client-IP rules. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, expectErrorEnvelope, uniqueEmail, type TestApp } from '../support/harness.js';

let t: TestApp;
let ipCounter = 0;
const freshIp = () => `203.0.113.${++ipCounter}`;

beforeAll(async () => {
  t = await createTestApp({
    TRUST_PROXY: 'true',
    RATE_LIMIT_LOGIN_PER_EMAIL: '3',
    RATE_LIMIT_LOGIN_PER_IP: '5',
    RATE_LIMIT_REGISTER_PER_IP: '3',
  });
});
afterAll(async () => {
  await t.close();
});

/** Registers from an address of its own, so the registration limit does not interfere. */
async function newUser() {
  const email = uniqueEmail();
  const password = 'Password-1';
  const res = await t.request('POST', '/api/auth/register', { body: { email, password }, headers: { 'x-forwarded-for': freshIp() } });
  expect(res.status).toBe(201);
  return { email, password };
}

const login = (email: string, password: string, ip: string) =>
  t.request('POST', '/api/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': `${ip}, 10.0.0.1` } });

describe('login limits', () => {
  it('after N failures for an email, the next attempt is 429 with Retry-After even with the right password', async () => {
    const u = await newUser();
    for (let i = 0; i < 3; i++) expectErrorEnvelope(await login(u.email, 'Wrong-pass-1', freshIp()), 401, 'AUTHENTICATION_ERROR');
    const res = await login(u.email, u.password, freshIp());
    const b = expectErrorEnvelope(res, 429, 'RATE_LIMITED');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(b.details.retry_after).toBe(retryAfter);
  });

  it('the window ends: after it, the right password works again', async () => {
    const u = await newUser();
    for (let i = 0; i < 3; i++) await login(u.email, 'Wrong-pass-1', freshIp());
    expectErrorEnvelope(await login(u.email, u.password, freshIp()), 429, 'RATE_LIMITED');
    await t.db.execute(sql`UPDATE rate_limits SET reset_at = now() - interval '1 second' WHERE key = ${`login:email:${u.email}`}`);
    expect((await login(u.email, u.password, freshIp())).status).toBe(200);
  });

  it('a successful login does not count towards the limit', async () => {
    const u = await newUser();
    for (let i = 0; i < 6; i++) expect((await login(u.email, u.password, freshIp())).status).toBe(200);
  });

  it('limits failures per client IP across emails (left-most X-Forwarded-For with TRUST_PROXY)', async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++) expectErrorEnvelope(await login(uniqueEmail(), 'Wrong-pass-1', ip), 401, 'AUTHENTICATION_ERROR');
    expectErrorEnvelope(await login(uniqueEmail(), 'Wrong-pass-1', ip), 429, 'RATE_LIMITED');
    // Another address is not affected.
    expectErrorEnvelope(await login(uniqueEmail(), 'Wrong-pass-1', freshIp()), 401, 'AUTHENTICATION_ERROR');
  });

  it('a parallel burst cannot exceed the per-email limit', async () => {
    const u = await newUser();
    const results = await Promise.all(Array.from({ length: 12 }, () => login(u.email, 'Wrong-pass-1', freshIp())));
    expect(results.filter((r) => r.status === 401)).toHaveLength(3);
    expect(results.filter((r) => r.status === 429)).toHaveLength(9);
  });
});

describe('registration limits', () => {
  it('counts every attempt per IP, failed ones included', async () => {
    const ip = freshIp();
    const headers = { 'x-forwarded-for': ip };
    expect((await t.request('POST', '/api/auth/register', { body: { email: uniqueEmail(), password: 'Password-1' }, headers })).status).toBe(201);
    const dup = await t.request('POST', '/api/auth/register', { body: { email: uniqueEmail(), password: 'Password-1', referral_code: 'NOPE1234' }, headers });
    expectErrorEnvelope(dup, 400, 'VALIDATION_ERROR');
    expect((await t.request('POST', '/api/auth/register', { body: { email: uniqueEmail(), password: 'Password-1' }, headers })).status).toBe(201);
    const limited = await t.request('POST', '/api/auth/register', { body: { email: uniqueEmail(), password: 'Password-1' }, headers });
    expectErrorEnvelope(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const other = await t.request('POST', '/api/auth/register', { body: { email: uniqueEmail(), password: 'Password-1' }, headers: { 'x-forwarded-for': freshIp() } });
    expect(other.status).toBe(201);
  });

  it('without TRUST_PROXY, X-Forwarded-For is ignored (a client cannot dodge the limit)', async () => {
    const strict = await createTestApp({ RATE_LIMIT_REGISTER_PER_IP: '2' });
    try {
      const attempt = (i: number) =>
        strict.request('POST', '/api/auth/register', {
          body: { email: uniqueEmail(), password: 'Password-1' },
          headers: { 'x-forwarded-for': `198.51.100.${i}` },
        });
      expect((await attempt(1)).status).toBe(201);
      expect((await attempt(2)).status).toBe(201);
      expectErrorEnvelope(await attempt(3), 429, 'RATE_LIMITED');
    } finally {
      await strict.close();
    }
  });
});
