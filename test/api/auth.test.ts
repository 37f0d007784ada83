import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { hashSync } from 'bcryptjs';
import { ADMIN, createTestApp, expectErrorEnvelope, issuePaths, latestCode, loginAdmin, registerUnverifiedUser, registerUser, uniqueEmail, type TestApp } from '../support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('POST /api/auth/register', () => {
  it('creates the account (0 credits until the email is verified, SPEC-WAVE2 §0) and returns a working token; verification books the bonus', async () => {
    const email = `  Mixed.Case.${Date.now()}@Example.TEST `;
    const res = await t.request('POST', '/api/auth/register', {
      body: { email, password: 'Password-1', full_name: 'Lina', language: 'ar' },
    });
    expect(res.status).toBe(201);
    expect(res.body.success).toBe(true);
    const user = res.body.data.user;
    expect(user.email).toBe(email.trim().toLowerCase());
    expect(user.credits).toBe(0);
    expect(user.email_verified).toBe(false);
    expect(user.email_verified_at).toBeNull();
    expect(user.role).toBe('user');
    expect(user.permissions).toEqual([]);
    expect(user.language).toBe('ar');
    expect(user.referral_code).toMatch(/^[A-Z0-9]{8}$/);
    expect(JSON.stringify(res.body)).not.toMatch(/password|hash/i);

    const ledgerOf = () =>
      t.db.execute<{ type: string; credits: number; balance_after: number }>(
        sql`SELECT type, credits, balance_after FROM transactions WHERE user_id = ${user.id}`,
      );
    expect((await ledgerOf()).rows).toEqual([]);

    const me = await t.request('GET', '/api/auth/me', { token: res.body.data.token });
    expect(me.status).toBe(200);
    expect(me.body.data.id).toBe(user.id);

    const code = await latestCode(t, user.id, 'email_verification');
    const verified = await t.request('POST', '/api/auth/verify-email', { token: res.body.data.token, body: { code } });
    expect(verified.status).toBe(200);
    expect(verified.body.data.user).toMatchObject({ credits: 3, email_verified: true });
    expect((await ledgerOf()).rows).toEqual([{ type: 'signup_bonus', credits: 3, balance_after: 3 }]);
  });

  it('refuses a duplicate email (case-insensitively) with 409 CONFLICT', async () => {
    const u = await registerUser(t);
    const res = await t.request('POST', '/api/auth/register', { body: { email: u.email.toUpperCase(), password: 'Password-1' } });
    expectErrorEnvelope(res, 409, 'CONFLICT');
  });

  it.each([
    ['short', 'Ab1'],
    ['no digit', 'abcdefghij'],
    ['no letter', '1234567890'],
    ['too long', `a1${'x'.repeat(127)}`],
  ])('refuses a weak password (%s) naming password', async (_n, password) => {
    const res = await t.request('POST', '/api/auth/register', { body: { email: uniqueEmail(), password } });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toContain('password');
  });

  it('refuses server-owned and unknown fields, naming each', async () => {
    const res = await t.request('POST', '/api/auth/register', {
      body: { email: uniqueEmail(), password: 'Password-1', credits: 1000, role: 'super_admin', is_active: true },
    });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res).sort()).toEqual(['credits', 'is_active', 'role']);
    for (const issue of res.body.details.issues) expect(issue.code).toBe('unrecognized_key');
  });

  it('refuses an invalid email', async () => {
    const res = await t.request('POST', '/api/auth/register', { body: { email: 'not-an-email', password: 'Password-1' } });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toEqual(['email']);
  });

  it('links a valid referral code and refuses an unknown one without creating the account', async () => {
    const referrer = await registerUser(t);
    const me = await t.request('GET', '/api/auth/me', { token: referrer.token });
    const code: string = me.body.data.referral_code;

    const referred = await t.request('POST', '/api/auth/register', {
      body: { email: uniqueEmail(), password: 'Password-1', referral_code: code.toLowerCase() },
    });
    expect(referred.status).toBe(201);
    const rows = await t.db.execute<{ referrer_id: string; status: string }>(
      sql`SELECT referrer_id, status FROM referrals WHERE referred_id = ${referred.body.data.user.id}`,
    );
    expect(rows.rows).toEqual([{ referrer_id: referrer.id, status: 'joined' }]);
    // SPEC-WAVE2 §0.1: the referrer hears about it when the referred user verifies the address.
    const notes = () => t.db.execute(sql`SELECT type FROM notifications WHERE user_id = ${referrer.id}`);
    expect((await notes()).rows).toEqual([]);
    const code2 = await latestCode(t, referred.body.data.user.id, 'email_verification');
    expect((await t.request('POST', '/api/auth/verify-email', { token: referred.body.data.token, body: { code: code2 } })).status).toBe(200);
    expect((await notes()).rows).toEqual([{ type: 'referral_joined' }]);

    const email = uniqueEmail();
    const bad = await t.request('POST', '/api/auth/register', { body: { email, password: 'Password-1', referral_code: 'ZZZZZZZZ' } });
    expectErrorEnvelope(bad, 400, 'VALIDATION_ERROR');
    expect(issuePaths(bad)).toEqual(['referral_code']);
    const created = await t.db.execute(sql`SELECT 1 FROM users WHERE email = ${email}`);
    expect(created.rows).toHaveLength(0);
  });

  it('costs at most two database round trips', async () => {
    const n = await t.countRoundTrips(() => registerUnverifiedUser(t));
    expect(n).toBeLessThanOrEqual(2);
  });
});

describe('POST /api/auth/login', () => {
  it('returns token, user and expires_in', async () => {
    const u = await registerUser(t);
    const res = await t.request('POST', '/api/auth/login', { body: { email: u.email, password: u.password } });
    expect(res.status).toBe(200);
    expect(res.body.data.expires_in).toBe(86400);
    expect(res.body.data.user.email).toBe(u.email);
    expect(res.body.data.token).toBeTypeOf('string');
  });

  it('gives the same 401 for an unknown email and a wrong password', async () => {
    const u = await registerUser(t);
    const wrong = await t.request('POST', '/api/auth/login', { body: { email: u.email, password: 'Wrong-pass-1' } });
    const unknown = await t.request('POST', '/api/auth/login', { body: { email: uniqueEmail(), password: 'Wrong-pass-1' } });
    expectErrorEnvelope(wrong, 401, 'AUTHENTICATION_ERROR');
    expectErrorEnvelope(unknown, 401, 'AUTHENTICATION_ERROR');
    expect(wrong.body.error).toBe(unknown.body.error);
  });

  it('answers 403 for a deactivated account with the right password, 401 with a wrong one', async () => {
    const u = await registerUser(t);
    await t.db.execute(sql`UPDATE users SET is_active = false WHERE id = ${u.id}`);
    expectErrorEnvelope(await t.request('POST', '/api/auth/login', { body: { email: u.email, password: u.password } }), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(await t.request('POST', '/api/auth/login', { body: { email: u.email, password: 'Nope-1234' } }), 401, 'AUTHENTICATION_ERROR');
  });

  it('verifies an imported bcrypt ($2b$) hash and upgrades it to scrypt', async () => {
    const u = await registerUser(t);
    await t.db.execute(sql`UPDATE users SET password_hash = ${hashSync('Flask-pass-1', 4)} WHERE id = ${u.id}`);
    const res = await t.request('POST', '/api/auth/login', { body: { email: u.email, password: 'Flask-pass-1' } });
    expect(res.status).toBe(200);
    const row = await t.db.execute<{ password_hash: string }>(sql`SELECT password_hash FROM users WHERE id = ${u.id}`);
    expect(row.rows[0]!.password_hash).toMatch(/^\$scrypt\$/);
    const again = await t.request('POST', '/api/auth/login', { body: { email: u.email, password: 'Flask-pass-1' } });
    expect(again.status).toBe(200);
  });

  it('costs two round trips, success or failure (the failure is counted once the password is known to be wrong)', async () => {
    const u = await registerUser(t);
    expect(await t.countRoundTrips(() => t.request('POST', '/api/auth/login', { body: { email: u.email, password: u.password } }))).toBe(2);
    expect(await t.countRoundTrips(() => t.request('POST', '/api/auth/login', { body: { email: u.email, password: 'Bad-pass-12' } }))).toBe(2);
  });
});

describe('GET/PUT /api/auth/me', () => {
  it('GET costs exactly one database round trip', async () => {
    const u = await registerUser(t);
    const n = await t.countRoundTrips(async () => {
      const res = await t.request('GET', '/api/auth/me', { token: u.token });
      expect(res.status).toBe(200);
    });
    expect(n).toBe(1);
  });

  it('updates allowed profile fields', async () => {
    const u = await registerUser(t);
    const res = await t.request('PUT', '/api/auth/me', {
      token: u.token,
      body: {
        full_name: 'سارة أحمد',
        phone_number: '+963 (11) 123-4567',
        country: 'Syria',
        city: 'Damascus',
        notification_preferences: { share_opened: false },
        onboarding_step: 3,
        onboarding_completed: true,
        profile_image: 'https://cdn.example.com/me.png',
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      full_name: 'سارة أحمد',
      phone_number: '+963 (11) 123-4567',
      onboarding_step: 3,
      notification_preferences: { share_opened: false },
      profile_image: 'https://cdn.example.com/me.png',
    });
    const me = await t.request('GET', '/api/auth/me', { token: u.token });
    expect(me.body.data.city).toBe('Damascus');
  });

  it.each([
    [{ credits: 100 }, 'credits'],
    [{ role: 'admin' }, 'role'],
    [{ email: 'x@y.co' }, 'email'],
    [{ is_active: false }, 'is_active'],
    [{ referral_code: 'AAAAAAAA' }, 'referral_code'],
    [{ onboarding_step: 21 }, 'onboarding_step'],
    [{ phone_number: 'call me' }, 'phone_number'],
    [{ profile_image: 'http://insecure.example.com/a.png' }, 'profile_image'],
    [{ notification_preferences: { not_a_type: true } }, 'notification_preferences.not_a_type'],
    [{ language: 'fr' }, 'language'],
  ])('refuses %j naming %s', async (body, field) => {
    const u = await registerUser(t);
    const res = await t.request('PUT', '/api/auth/me', { token: u.token, body });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toContain(field);
  });

  it('accepts an image data URL up to 512 KiB decoded and refuses a larger one', async () => {
    const u = await registerUser(t);
    const pngHeader = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const small = `data:image/png;base64,${Buffer.concat([pngHeader, Buffer.alloc(1016)]).toString('base64')}`;
    expect((await t.request('PUT', '/api/auth/me', { token: u.token, body: { profile_image: small } })).status).toBe(200);
    const big = `data:image/png;base64,${Buffer.alloc(513 * 1024).toString('base64')}`;
    const res = await t.request('PUT', '/api/auth/me', { token: u.token, body: { profile_image: big } });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toContain('profile_image');
  });
});

describe('change-password and logout', () => {
  it('change-password keeps the presented token and revokes every other one', async () => {
    const u = await registerUser(t);
    const other = await t.request('POST', '/api/auth/login', { body: { email: u.email, password: u.password } });
    const otherToken: string = other.body.data.token;
    const res = await t.request('POST', '/api/auth/change-password', {
      token: u.token,
      body: { current_password: u.password, new_password: 'New-password-9' },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ changed: true });
    expect((await t.request('GET', '/api/auth/me', { token: u.token })).status).toBe(200);
    expectErrorEnvelope(await t.request('GET', '/api/auth/me', { token: otherToken }), 401, 'AUTHENTICATION_ERROR');
    expect((await t.request('POST', '/api/auth/login', { body: { email: u.email, password: 'New-password-9' } })).status).toBe(200);
    expectErrorEnvelope(await t.request('POST', '/api/auth/login', { body: { email: u.email, password: u.password } }), 401, 'AUTHENTICATION_ERROR');
  });

  it('a wrong current_password is a 400 naming it', async () => {
    const u = await registerUser(t);
    const res = await t.request('POST', '/api/auth/change-password', {
      token: u.token,
      body: { current_password: 'Not-mine-123', new_password: 'New-password-9' },
    });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toEqual(['current_password']);
  });

  it('logout revokes the presented token for real', async () => {
    const u = await registerUser(t);
    const res = await t.request('POST', '/api/auth/logout', { token: u.token });
    expect(res.status).toBe(200);
    expect(res.body.data.id).toMatch(/^[0-9a-f-]{36}$/);
    expectErrorEnvelope(await t.request('GET', '/api/auth/me', { token: u.token }), 401, 'AUTHENTICATION_ERROR');
  });

  it('logout accepts {} and refuses other bodies', async () => {
    const u = await registerUser(t);
    expectErrorEnvelope(await t.request('POST', '/api/auth/logout', { token: u.token, body: { all: true } }), 400, 'VALIDATION_ERROR');
    expect((await t.request('POST', '/api/auth/logout', { token: u.token, body: {} })).status).toBe(200);
  });
});

describe('bootstrap', () => {
  it('the ADMIN_EMAIL user is a super_admin with every permission', async () => {
    const admin = await loginAdmin(t);
    const me = await t.request('GET', '/api/auth/me', { token: admin.token });
    expect(me.body.data.role).toBe('super_admin');
    expect(me.body.data.permissions).toContain('manage_roles');
    expect(me.body.data.permissions).toContain('invoke_llm');
    expect(me.body.data.email).toBe(ADMIN.email);
  });
});

describe('tokens through the app', () => {
  const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

  it('refuses alg none and a tampered payload of a live session', async () => {
    const u = await registerUser(t);
    const [header, payload, signature] = u.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    expectErrorEnvelope(await t.request('GET', '/api/auth/me', { token: none }), 401, 'AUTHENTICATION_ERROR');
    const other = await registerUser(t);
    const tampered = `${header}.${b64url({ ...claims, sub: other.id })}.${signature}`;
    expectErrorEnvelope(await t.request('GET', '/api/auth/me', { token: tampered }), 401, 'AUTHENTICATION_ERROR');
    const hs512 = `${b64url({ alg: 'HS512', typ: 'JWT' })}.${payload}.${signature}`;
    expectErrorEnvelope(await t.request('GET', '/api/auth/me', { token: hs512 }), 401, 'AUTHENTICATION_ERROR');
  });

  it('a role change applies on the very next request, without a new token', async () => {
    const u = await registerUser(t);
    expect((await t.request('GET', '/api/auth/me', { token: u.token })).body.data.permissions).toEqual([]);
    await t.db.execute(sql`UPDATE users SET role_id = (SELECT id FROM roles WHERE name = 'admin') WHERE id = ${u.id}`);
    const me = await t.request('GET', '/api/auth/me', { token: u.token });
    expect(me.body.data.role).toBe('admin');
    expect(me.body.data.permissions).toContain('manage_payments');
    expect(me.body.data.permissions).not.toContain('manage_roles');
    expect(me.body.data.permissions).not.toContain('invoke_llm');
  });

  it('deactivation applies on the very next request', async () => {
    const u = await registerUser(t);
    expect((await t.request('GET', '/api/auth/me', { token: u.token })).status).toBe(200);
    await t.db.execute(sql`UPDATE users SET is_active = false WHERE id = ${u.id}`);
    expectErrorEnvelope(await t.request('GET', '/api/auth/me', { token: u.token }), 401, 'AUTHENTICATION_ERROR');
  });

  it('never returns secrets in the user object', async () => {
    const u = await registerUser(t);
    const me = await t.request('GET', '/api/auth/me', { token: u.token });
    expect(Object.keys(me.body.data)).not.toEqual(expect.arrayContaining(['password_hash']));
    expect(me.text).not.toMatch(/\$scrypt\$|password/i);
  });
});
