/** SPEC §2 / §10: database-backed login and registration limits, with the client-IP rules. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { hitRateLimit, undoRateLimitHits } from '../../src/services/rate-limit.js';
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
  return { id: res.body.data.user.id as string, email, password };
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

  it('a burst of right passwords is never refused, and leaves the account unlocked (only failures count)', async () => {
    // The default limits (10 per email, 100 per IP), one address, 32 sign-ins at once.
    const defaults = await createTestApp({ TRUST_PROXY: 'true' });
    try {
      const email = uniqueEmail();
      const password = 'Password-1';
      expect((await defaults.request('POST', '/api/auth/register', { body: { email, password } })).status).toBe(201);
      const signIn = () => defaults.request('POST', '/api/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': '198.51.100.7' } });
      const results = await Promise.all(Array.from({ length: 32 }, signIn));
      expect(results.map((r) => r.status)).toEqual(Array(32).fill(200));
      expect((await signIn()).status).toBe(200);
      // Nothing is left counted against the email or the address.
      const rows = await defaults.db.execute<{ key: string; count: number }>(sql`SELECT key, count FROM rate_limits WHERE key LIKE 'login:%'`);
      expect(rows.rows).toEqual([]);
    } finally {
      await defaults.close();
    }
  }, 60_000);

  it('right passwords mixed into a burst of wrong ones: the wrong ones stop at the limit', async () => {
    const u = await newUser();
    const attempts = Array.from({ length: 12 }, (_, i) => login(u.email, i % 4 === 0 ? u.password : 'Wrong-pass-1', freshIp()));
    const results = await Promise.all(attempts);
    expect(results.filter((r) => r.status === 401).length).toBeLessThanOrEqual(3);
    expect(results.every((r) => [200, 401, 429].includes(r.status))).toBe(true);
  });

  it('a parallel burst cannot exceed the per-email limit', async () => {
    const u = await newUser();
    const results = await Promise.all(Array.from({ length: 12 }, () => login(u.email, 'Wrong-pass-1', freshIp())));
    expect(results.filter((r) => r.status === 401)).toHaveLength(3);
    expect(results.filter((r) => r.status === 429)).toHaveLength(9);
    // Every slot taken in the burst was given back: only the 3 failures stay counted.
    const rows = await t.db.execute<{ key: string; count: number }>(sql`SELECT key, count FROM rate_limits WHERE key LIKE ${`login:email:${u.email}%`}`);
    expect(rows.rows).toEqual([{ key: `login:email:${u.email}`, count: 3 }]);
  });

  it('parallel give-backs are never lost: 24 hits taken back at once leave nothing counted', async () => {
    const key = `test:give-back:${uniqueEmail()}`;
    for (let i = 0; i < 24; i++) await t.db.batch([hitRateLimit(t.db, { key, windowSeconds: 60 })]);
    await Promise.all(Array.from({ length: 24 }, () => t.db.batch(undoRateLimitHits(t.db, [key]))));
    const rows = await t.db.execute(sql`SELECT count FROM rate_limits WHERE key = ${key}`);
    expect(rows.rows).toEqual([]);
  });
});

describe('change-password limits', () => {
  const change = (token: string, current: string, next = 'Another-pass-9') =>
    t.request('POST', '/api/auth/change-password', { token, body: { current_password: current, new_password: next } });

  async function signedIn() {
    const u = await newUser();
    const res = await login(u.email, u.password, freshIp());
    return { ...u, token: res.body.data.token as string };
  }

  it('N wrong current passwords per user, then 429 with Retry-After even for the right one', async () => {
    const u = await signedIn();
    for (let i = 0; i < 3; i++) expectErrorEnvelope(await change(u.token, 'Wrong-pass-1'), 400, 'VALIDATION_ERROR');
    const res = await change(u.token, u.password);
    expectErrorEnvelope(res, 429, 'RATE_LIMITED');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    await t.db.execute(sql`UPDATE rate_limits SET reset_at = now() - interval '1 second' WHERE key = ${`password:user:${u.id}`}`);
    expect((await change(u.token, u.password)).status).toBe(200);
  });

  it('a parallel burst of guesses gets at most N password checks', async () => {
    const u = await signedIn();
    const results = await Promise.all(Array.from({ length: 12 }, () => change(u.token, 'Wrong-pass-1')));
    expect(results.filter((r) => r.status === 400)).toHaveLength(3);
    expect(results.filter((r) => r.status === 429)).toHaveLength(9);
  });

  it('the limit is per user: another user is not affected', async () => {
    const a = await signedIn();
    const b = await signedIn();
    for (let i = 0; i < 3; i++) await change(a.token, 'Wrong-pass-1');
    expectErrorEnvelope(await change(a.token, a.password), 429, 'RATE_LIMITED');
    expect((await change(b.token, b.password)).status).toBe(200);
  });
});

describe('registration limits', () => {
  it('attempts refused by validation count too (malformed JSON, bad fields, wrong media type)', async () => {
    const ip = freshIp();
    const headers = { 'x-forwarded-for': ip };
    expectErrorEnvelope(await t.request('POST', '/api/auth/register', { body: { email: 'not-an-email', password: 'x' }, headers }), 400, 'VALIDATION_ERROR');
    expectErrorEnvelope(
      await t.request('POST', '/api/auth/register', { rawBody: '{"email":', headers: { ...headers, 'content-type': 'application/json' } }),
      400,
      'MALFORMED_JSON',
    );
    expectErrorEnvelope(
      await t.request('POST', '/api/auth/register', { rawBody: 'email=a', headers: { ...headers, 'content-type': 'text/plain' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    // The limit (3) is used up: a valid registration and an invalid one are both 429 now.
    expectErrorEnvelope(await t.request('POST', '/api/auth/register', { body: { email: uniqueEmail(), password: 'Password-1' }, headers }), 429, 'RATE_LIMITED');
    expectErrorEnvelope(await t.request('POST', '/api/auth/register', { body: { email: 'bad' }, headers }), 429, 'RATE_LIMITED');
  });

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
