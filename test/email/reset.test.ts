/**
 * Password reset (SPEC-WAVE2 §11.7, §0.1; §11.12 "Reset"): no account enumeration, attempt and request
 * limits, single-use expiring codes, every session revoked, `password_changed` mailed.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  expectErrorEnvelope,
  issuePaths,
  latestCode,
  loginAdmin,
  registerUnverifiedUser,
  registerUser,
  uniqueEmail,
  wrongCode,
  type TestApp,
  type TestUser,
} from '../support/harness.js';

let t: TestApp;
let admin: TestUser;
let ipCounter = 0;
const freshIp = () => ({ 'x-forwarded-for': `203.0.113.${++ipCounter}` });

beforeAll(async () => {
  t = await createTestApp({ TRUST_PROXY: 'true' });
  admin = await loginAdmin(t);
});
afterAll(async () => {
  await t.close();
});

const resetCode = (user: TestUser) => latestCode(t, user.id, 'password_reset_code');
/** The response with what legitimately differs (timestamp, request id) blanked. */
const comparable = (text: string) => text.replace(/"timestamp":"[^"]*"/g, '"timestamp":""').replace(/"request_id":"[^"]*"/g, '"request_id":""');

describe('POST /auth/forgot-password/request', () => {
  it('unknown and known addresses get byte-identical answers; only the known, active one gets a code', async () => {
    const headers = freshIp();
    const user = await registerUser(t);
    const known = await t.request('POST', '/api/auth/forgot-password/request', { headers, body: { email: user.email } });
    const unknownEmail = uniqueEmail();
    const unknown = await t.request('POST', '/api/auth/forgot-password/request', { headers, body: { email: unknownEmail } });
    expect(known.status).toBe(200);
    expect(comparable(unknown.text)).toBe(comparable(known.text));
    expect(known.body.data).toEqual({ sent: true });
    expect(unknown.headers.get('content-type')).toBe(known.headers.get('content-type'));
    const mails = await t.db.execute<any>(sql`SELECT to_address, priority FROM email_outbox WHERE template_key = 'password_reset_code' AND to_address IN (${user.email}, ${unknownEmail})`);
    expect(mails.rows).toEqual([{ to_address: user.email, priority: 0 }]);

    const inactive = await registerUser(t);
    await t.db.execute(sql`UPDATE users SET is_active = false WHERE id = ${inactive.id}`);
    const res = await t.request('POST', '/api/auth/forgot-password/request', { headers, body: { email: inactive.email } });
    expect(comparable(res.text)).toBe(comparable(known.text));
    expect((await t.db.execute(sql`SELECT 1 FROM email_outbox WHERE user_id = ${inactive.id} AND template_key = 'password_reset_code'`)).rows).toHaveLength(0);
  });

  it('past 5 per address per hour nothing more is mailed (still 200); past 20 per IP per hour → 429', async () => {
    const headers = freshIp();
    const user = await registerUser(t);
    for (let i = 0; i < 7; i++) {
      // Spread over the per-user 60 s window, which would otherwise hold them back first.
      await t.db.execute(sql`DELETE FROM rate_limits WHERE key = ${`accountmail:user:${user.id}:minute`}`);
      const res = await t.request('POST', '/api/auth/forgot-password/request', { headers, body: { email: user.email } });
      expect(res.status).toBe(200);
    }
    const mails = await t.db.execute(sql`SELECT 1 FROM email_outbox WHERE user_id = ${user.id} AND template_key = 'password_reset_code'`);
    expect(mails.rows).toHaveLength(5);
    for (let i = 7; i < 20; i++) await t.request('POST', '/api/auth/forgot-password/request', { headers, body: { email: uniqueEmail() } });
    expectErrorEnvelope(await t.request('POST', '/api/auth/forgot-password/request', { headers, body: { email: uniqueEmail() } }), 429, 'RATE_LIMITED');
  });
});

describe('verify and reset', () => {
  it('verify checks without consuming; reset replaces the password once, revokes every session, mails password_changed', async () => {
    const headers = freshIp();
    const user = await registerUser(t);
    const second = await t.request('POST', '/api/auth/login', { body: { email: user.email, password: user.password } });
    await t.request('POST', '/api/auth/forgot-password/request', { headers, body: { email: user.email } });
    const code = await resetCode(user);

    const check = await t.request('POST', '/api/auth/forgot-password/verify', { headers, body: { email: user.email, code } });
    expect(check.status).toBe(200);
    expect(check.body.data).toEqual({ valid: true, expires_at: expect.any(String) });
    expect(new Date(check.body.data.expires_at).getTime()).toBeGreaterThan(Date.now());

    const weak = await t.request('POST', '/api/auth/forgot-password/reset', { headers, body: { email: user.email, code, new_password: 'short' } });
    expectErrorEnvelope(weak, 400, 'VALIDATION_ERROR');
    expect([...new Set(issuePaths(weak))]).toEqual(['new_password']);

    const res = await t.request('POST', '/api/auth/forgot-password/reset', { headers, body: { email: user.email, code, new_password: 'New-password-1' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ reset: true });
    expect(res.text).not.toMatch(/token/);

    for (const token of [user.token, second.body.data.token]) {
      expectErrorEnvelope(await t.request('GET', '/api/auth/me', { token }), 401, 'AUTHENTICATION_ERROR');
    }
    const revoked = await t.db.execute<any>(sql`SELECT DISTINCT revoked_reason FROM auth_sessions WHERE user_id = ${user.id}`);
    expect(revoked.rows).toEqual([{ revoked_reason: 'password_reset' }]);
    expect((await t.request('POST', '/api/auth/login', { body: { email: user.email, password: 'New-password-1' } })).status).toBe(200);
    expect((await t.request('POST', '/api/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(401);
    const changed = await t.db.execute(sql`SELECT 1 FROM email_outbox WHERE user_id = ${user.id} AND template_key = 'password_changed'`);
    expect(changed.rows).toHaveLength(1);

    // A code works once.
    const again = await t.request('POST', '/api/auth/forgot-password/reset', { headers, body: { email: user.email, code, new_password: 'Other-password-2' } });
    expectErrorEnvelope(again, 400, 'VALIDATION_ERROR');
    expect(again.body.details.issues[0]).toMatchObject({ path: 'code', code: 'invalid_or_expired' });
  });

  it('the 6th attempt fails even with the right code; unknown emails answer the same 400', async () => {
    const headers = freshIp();
    const user = await registerUser(t);
    await t.request('POST', '/api/auth/forgot-password/request', { headers, body: { email: user.email } });
    const code = await resetCode(user);
    for (let i = 0; i < 5; i++) {
      const r = await t.request('POST', '/api/auth/forgot-password/verify', { headers, body: { email: user.email, code: wrongCode(code) } });
      expect(r.body.details.issues[0].code).toBe('invalid_or_expired');
    }
    const sixth = await t.request('POST', '/api/auth/forgot-password/reset', { headers, body: { email: user.email, code, new_password: 'New-password-1' } });
    expectErrorEnvelope(sixth, 400, 'VALIDATION_ERROR');
    const unknown = await t.request('POST', '/api/auth/forgot-password/reset', { headers, body: { email: uniqueEmail(), code, new_password: 'New-password-1' } });
    expect(comparable(unknown.text).replace(/"request_id":""/, '')).toBe(comparable(sixth.text).replace(/"request_id":""/, ''));
  });

  it('an expired code fails', async () => {
    const headers = freshIp();
    const user = await registerUser(t);
    await t.request('POST', '/api/auth/forgot-password/request', { headers, body: { email: user.email } });
    const code = await resetCode(user);
    await t.db.execute(sql`UPDATE email_codes SET expires_at = now() - interval '1 second' WHERE user_id = ${user.id} AND purpose = 'reset_password'`);
    const res = await t.request('POST', '/api/auth/forgot-password/verify', { headers, body: { email: user.email, code } });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
  });

  it('30 failed checks per IP per 15 minutes → 429', async () => {
    const headers = freshIp();
    for (let i = 0; i < 30; i++) {
      const r = await t.request('POST', '/api/auth/forgot-password/verify', { headers, body: { email: uniqueEmail(), code: '000000' } });
      expect(r.status).toBe(400);
    }
    expectErrorEnvelope(await t.request('POST', '/api/auth/forgot-password/verify', { headers, body: { email: uniqueEmail(), code: '000000' } }), 429, 'RATE_LIMITED');
  });

  it('a reset proves the address: it verifies the account, grants the due bonus and drops a registration referral', async () => {
    const headers = freshIp();
    const referrer = await registerUser(t);
    const referralCode = (await t.request('GET', '/api/auth/me', { token: referrer.token })).body.data.referral_code;
    const squatted = await registerUnverifiedUser(t, { referral_code: referralCode });
    await t.request('POST', '/api/auth/forgot-password/request', { headers, body: { email: squatted.email } });
    const code = await resetCode(squatted);
    const res = await t.request('POST', '/api/auth/forgot-password/reset', { headers, body: { email: squatted.email, code, new_password: 'Owner-password-1' } });
    expect(res.status).toBe(200);
    const row = await t.db.execute<any>(sql`SELECT credits, email_verified_at IS NOT NULL AS verified, referred_by FROM users WHERE id = ${squatted.id}`);
    expect(row.rows[0]).toEqual({ credits: 3, verified: true, referred_by: null });
    expect((await t.db.execute(sql`SELECT 1 FROM referrals WHERE referred_id = ${squatted.id}`)).rows).toHaveLength(0);
  });
});

describe('POST /users/:id/send-password-reset (admin)', () => {
  it('mails a code the admin never sees; 404 for an unknown user; audited', async () => {
    const user = await registerUser(t);
    const res = await t.request('POST', `/api/users/${user.id}/send-password-reset`, { token: admin.token, body: {} });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ sent: true });
    const code = await resetCode(user);
    expect(res.text).not.toContain(code);
    expectErrorEnvelope(
      await t.request('POST', '/api/users/00000000-0000-4000-8000-000000000000/send-password-reset', { token: admin.token, body: {} }),
      404,
      'NOT_FOUND',
    );
    expect((await t.db.execute(sql`SELECT 1 FROM audit_logs WHERE action = 'user.send_password_reset' AND entity_id = ${user.id}`)).rows).toHaveLength(1);
  });
});

describe('change-password', () => {
  it('queues password_changed in its batch', async () => {
    const user = await registerUser(t);
    const res = await t.request('POST', '/api/auth/change-password', { token: user.token, body: { current_password: user.password, new_password: 'Changed-password-9' } });
    expect(res.status).toBe(200);
    const mails = await t.db.execute(sql`SELECT 1 FROM email_outbox WHERE user_id = ${user.id} AND template_key = 'password_changed'`);
    expect(mails.rows).toHaveLength(1);
  });
});
