/**
 * Email verification (SPEC-WAVE2 §11.6, §11.9, §0.1; §11.12 "Verification"): the bonus waits for the
 * verified address and is booked exactly once; unverified users get 403 EMAIL_NOT_VERIFIED on the
 * listed routes and nothing is charged or created; codes are single-use and attempt-limited.
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
import { createAnalysis } from '../api/content/helpers.js';

let t: TestApp;
let admin: TestUser;
let ipCounter = 0;
/** A client address of its own per test (TRUST_PROXY): the per-IP limits of one test do not touch another. */
const freshIp = () => ({ 'x-forwarded-for': `198.51.100.${++ipCounter}` });

beforeAll(async () => {
  t = await createTestApp({ TRUST_PROXY: 'true' });
  admin = await loginAdmin(t);
});
afterAll(async () => {
  await t.close();
});

const ledgerRows = async (userId: string) =>
  (await t.db.execute<{ type: string; credits: number }>(sql`SELECT type, credits FROM transactions WHERE user_id = ${userId}`)).rows;

describe('registration and verification', () => {
  it('registration gives 0 credits and queues the code mail in the same batch; verifying books the bonus once', async () => {
    const user = await registerUnverifiedUser(t);
    expect(await ledgerRows(user.id)).toEqual([]);
    const outbox = await t.db.execute<any>(sql`SELECT template_key, priority, status, expires_at IS NOT NULL AS expires FROM email_outbox WHERE user_id = ${user.id}`);
    expect(outbox.rows).toEqual([{ template_key: 'email_verification', priority: 0, status: 'pending', expires: true }]);
    const codes = await t.db.execute<any>(sql`SELECT code_hash FROM email_codes WHERE user_id = ${user.id}`);
    const code = await latestCode(t, user.id, 'email_verification');
    expect(codes.rows[0].code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(codes.rows[0].code_hash).not.toContain(code);

    const res = await t.request('POST', '/api/auth/verify-email', { token: user.token, body: { code } });
    expect(res.status).toBe(200);
    expect(res.body.data.user).toMatchObject({ id: user.id, credits: 3, email_verified: true });
    expect(res.body.data.user.email_verified_at).toEqual(expect.any(String));
    expect(await ledgerRows(user.id)).toEqual([{ type: 'signup_bonus', credits: 3 }]);

    const again = await t.request('POST', '/api/auth/verify-email', { token: user.token, body: { code } });
    expectErrorEnvelope(again, 409, 'INVALID_STATE');
  });

  it('20 concurrent verifications with the right code book the bonus exactly once', async () => {
    const user = await registerUnverifiedUser(t);
    const code = await latestCode(t, user.id, 'email_verification');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => t.request('POST', '/api/auth/verify-email', { token: user.token, body: { code } })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results) expect([200, 400, 409]).toContain(r.status);
    expect(await ledgerRows(user.id)).toEqual([{ type: 'signup_bonus', credits: 3 }]);
    const me = await t.request('GET', '/api/auth/me', { token: user.token });
    expect(me.body.data.credits).toBe(3);
  });

  it('without a token: {email, code}; unknown, already verified and wrong all answer the same 400 invalid_or_expired', async () => {
    const user = await registerUnverifiedUser(t);
    const code = await latestCode(t, user.id, 'email_verification');
    const headers = freshIp();
    const unknown = await t.request('POST', '/api/auth/verify-email', { headers, body: { email: uniqueEmail(), code } });
    expectErrorEnvelope(unknown, 400, 'VALIDATION_ERROR');
    expect(unknown.body.details.issues[0]).toMatchObject({ path: 'code', code: 'invalid_or_expired' });

    const ok = await t.request('POST', '/api/auth/verify-email', { headers, body: { email: user.email, code } });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toEqual({ verified: true });
    expect(await ledgerRows(user.id)).toEqual([{ type: 'signup_bonus', credits: 3 }]);

    const verified = await t.request('POST', '/api/auth/verify-email', { headers, body: { email: user.email, code } });
    expectErrorEnvelope(verified, 400, 'VALIDATION_ERROR');
    expect(verified.body.details.issues[0].code).toBe('invalid_or_expired');
    expect(verified.body.error).toBe(unknown.body.error);
  });

  it('an invalid token is a 401, never the anonymous mode; another email with a token is a 400 naming it', async () => {
    const user = await registerUnverifiedUser(t);
    const code = await latestCode(t, user.id, 'email_verification');
    const bad = await t.request('POST', '/api/auth/verify-email', { token: 'a.b.c', body: { email: user.email, code } });
    expectErrorEnvelope(bad, 401, 'AUTHENTICATION_ERROR');
    const other = await t.request('POST', '/api/auth/verify-email', { token: user.token, body: { email: uniqueEmail(), code } });
    expectErrorEnvelope(other, 400, 'VALIDATION_ERROR');
    expect(issuePaths(other)).toEqual(['email']);
    const same = await t.request('POST', '/api/auth/verify-email', { token: user.token, body: { email: user.email, code } });
    expect(same.status).toBe(200);
  });

  it('a wrong code costs an attempt: after 5 wrong ones the right code fails too', async () => {
    const user = await registerUnverifiedUser(t);
    const code = await latestCode(t, user.id, 'email_verification');
    for (let i = 0; i < 5; i++) {
      const r = await t.request('POST', '/api/auth/verify-email', { token: user.token, body: { code: wrongCode(code) } });
      expect(r.body.details.issues[0].code).toBe('invalid_or_expired');
    }
    const right = await t.request('POST', '/api/auth/verify-email', { token: user.token, body: { code } });
    expectErrorEnvelope(right, 400, 'VALIDATION_ERROR');
    const attempts = await t.db.execute<any>(sql`SELECT attempts, consumed_at FROM email_codes WHERE user_id = ${user.id}`);
    expect(attempts.rows).toEqual([{ attempts: 5, consumed_at: null }]);
  });

  it('account-wide cap: past 10 failed checks in 24 h even a fresh right code fails', async () => {
    const user = await registerUnverifiedUser(t);
    for (let round = 0; round < 2; round++) {
      const code = await latestCode(t, user.id, 'email_verification');
      for (let i = 0; i < 5; i++) await t.request('POST', '/api/auth/verify-email', { token: user.token, body: { code: wrongCode(code) } });
      // A new code (the per-user mail window is reset so the resend is not limited).
      await t.db.execute(sql`DELETE FROM rate_limits WHERE key LIKE ${`accountmail:user:${user.id}:%`}`);
      expect((await t.request('POST', '/api/auth/resend-verification', { token: user.token, body: {} })).status).toBe(200);
    }
    const code = await latestCode(t, user.id, 'email_verification');
    const right = await t.request('POST', '/api/auth/verify-email', { token: user.token, body: { code } });
    expectErrorEnvelope(right, 400, 'VALIDATION_ERROR');
    expect(right.body.details.issues[0].code).toBe('invalid_or_expired');
  });

  it('an expired code fails; a resent code supersedes the old one', async () => {
    const user = await registerUnverifiedUser(t);
    const first = await latestCode(t, user.id, 'email_verification');
    const resent = await t.request('POST', '/api/auth/resend-verification', { token: user.token, body: {} });
    expect(resent.status).toBe(200);
    expect(resent.body.data).toEqual({ sent: true, retry_after_s: 60 });
    const second = await latestCode(t, user.id, 'email_verification');
    if (first !== second) {
      const old = await t.request('POST', '/api/auth/verify-email', { token: user.token, body: { code: first } });
      expectErrorEnvelope(old, 400, 'VALIDATION_ERROR');
    }
    await t.db.execute(sql`UPDATE email_codes SET expires_at = now() - interval '1 second' WHERE user_id = ${user.id} AND superseded_at IS NULL`);
    const expired = await t.request('POST', '/api/auth/verify-email', { token: user.token, body: { code: second } });
    expectErrorEnvelope(expired, 400, 'VALIDATION_ERROR');
  });
});

describe('resend-verification', () => {
  it('with a token: 1 per 60 s (429), 409 once verified', async () => {
    const user = await registerUnverifiedUser(t);
    expect((await t.request('POST', '/api/auth/resend-verification', { token: user.token, body: {} })).status).toBe(200);
    const limited = await t.request('POST', '/api/auth/resend-verification', { token: user.token, body: {} });
    expectErrorEnvelope(limited, 429, 'RATE_LIMITED');
    expect(limited.headers.get('retry-after')).toBeTruthy();
    const verified = await registerUser(t);
    expectErrorEnvelope(await t.request('POST', '/api/auth/resend-verification', { token: verified.token, body: {} }), 409, 'INVALID_STATE');
  });

  it('without a token: always {sent: true} (unknown, verified, limited); 429 only past 20 per IP per hour', async () => {
    const headers = freshIp();
    const user = await registerUnverifiedUser(t);
    const answers = [];
    for (const email of [uniqueEmail(), user.email, user.email, admin.email]) {
      const res = await t.request('POST', '/api/auth/resend-verification', { headers, body: { email } });
      expect(res.status).toBe(200);
      answers.push(JSON.stringify({ ...res.body, timestamp: undefined }));
    }
    expect(new Set(answers).size).toBe(1);
    // The second resend for the same user fell within its 60 s window: one new mail, not two.
    const mails = await t.db.execute(sql`SELECT 1 FROM email_outbox WHERE user_id = ${user.id}`);
    expect(mails.rows).toHaveLength(2);
    for (let i = 4; i < 20; i++) await t.request('POST', '/api/auth/resend-verification', { headers, body: { email: uniqueEmail() } });
    expectErrorEnvelope(await t.request('POST', '/api/auth/resend-verification', { headers, body: { email: uniqueEmail() } }), 429, 'RATE_LIMITED');
  });
});

describe('403 EMAIL_NOT_VERIFIED', () => {
  it('on every listed route, and nothing is charged or created', async () => {
    const user = await registerUnverifiedUser(t);
    await t.db.execute(sql`INSERT INTO roles (name, permissions) VALUES ('llm_caller_unverified', '{invoke_llm}') ON CONFLICT DO NOTHING`);
    await t.db.execute(sql`UPDATE users SET role_id = (SELECT id FROM roles WHERE name = 'llm_caller_unverified') WHERE id = ${user.id}`);
    const id = (await createAnalysis(t, user)).id;
    const routes: [string, unknown][] = [
      ['/api/ai/generate-analysis', { analysis_id: id }],
      ['/api/ai/chat', { analysis_id: id, message: 'hi' }],
      ['/api/ai/invoke-llm', { prompt: 'hi' }],
      ['/api/analyses/validate-idea', { business_idea: 'A delivery service for fresh bread' }],
      [`/api/analyses/${id}/upgrade-premium`, {}],
      ['/api/payments', { package_id: id, payment_method_id: id, payment_proof: 'https://example.com/x.png' }],
      ['/api/referrals/apply', { referral_code: 'ABCDEFGH' }],
      ['/api/report-shares', { analysis_id: id }],
    ];
    for (const [path, body] of routes) {
      const res = await t.request('POST', path, { token: user.token, body });
      expectErrorEnvelope(res, 403, 'EMAIL_NOT_VERIFIED');
    }
    const counts = await t.db.execute<any>(sql`
      SELECT (SELECT count(*) FROM transactions WHERE user_id = ${user.id})::int AS tx,
             (SELECT count(*) FROM payments WHERE user_id = ${user.id})::int AS payments,
             (SELECT count(*) FROM report_shares WHERE user_id = ${user.id})::int AS shares,
             (SELECT count(*) FROM referrals WHERE referred_id = ${user.id})::int AS referrals,
             (SELECT report_type FROM analyses WHERE id = ${id}) AS report_type`);
    expect(counts.rows[0]).toEqual({ tx: 0, payments: 0, shares: 0, referrals: 0, report_type: 'free' });
    // They may read their data and edit their profile.
    expect((await t.request('GET', '/api/auth/me', { token: user.token })).status).toBe(200);
    expect((await t.request('PUT', '/api/auth/me', { token: user.token, body: { full_name: 'Sami' } })).status).toBe(200);
  });

  it('the documented 403 is in the OpenAPI document', async () => {
    const doc = (await t.request('GET', '/api/openapi.json')).body;
    const forbidden = doc.paths['/api/report-shares'].post.responses['403'];
    const response = forbidden.$ref ? doc.components.responses[forbidden.$ref.split('/').pop()] : forbidden;
    expect(JSON.stringify(response)).toContain('EMAIL_NOT_VERIFIED');
  });

  it('REQUIRE_EMAIL_VERIFICATION=false: no 403 and the bonus at registration', async () => {
    const off = await createTestApp({ REQUIRE_EMAIL_VERIFICATION: 'false' });
    try {
      const res = await off.request('POST', '/api/auth/register', { body: { email: uniqueEmail(), password: 'Password-1' } });
      expect(res.body.data.user.credits).toBe(3);
      const share = await off.request('POST', '/api/referrals/apply', { token: res.body.data.token, body: { referral_code: 'ABCDEFGH' } });
      expect(share.status).not.toBe(403);
    } finally {
      await off.close();
    }
  });
});

describe('POST /users/:id/verify-email (admin)', () => {
  it('verifies and books a due bonus once; 409 when verified; 404 unknown; audited', async () => {
    const user = await registerUnverifiedUser(t);
    const res = await t.request('POST', `/api/users/${user.id}/verify-email`, { token: admin.token, body: {} });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: user.id, email_verified: true, credits: 3 });
    expectErrorEnvelope(await t.request('POST', `/api/users/${user.id}/verify-email`, { token: admin.token, body: {} }), 409, 'INVALID_STATE');
    expectErrorEnvelope(
      await t.request('POST', `/api/users/00000000-0000-4000-8000-000000000000/verify-email`, { token: admin.token, body: {} }),
      404,
      'NOT_FOUND',
    );
    expect(await ledgerRows(user.id)).toEqual([{ type: 'signup_bonus', credits: 3 }]);
    const audit = await t.db.execute(sql`SELECT 1 FROM audit_logs WHERE action = 'user.verify_email' AND entity_id = ${user.id}`);
    expect(audit.rows).toHaveLength(1);
  });
});
