/**
 * Email verification and password reset (SPEC-WAVE2 §11.6, §11.7, §0.1): the statements and the
 * request flows behind the routes in routes/account-email.ts. Answers that could reveal whether an
 * address has an account (anonymous resend, forgot-password) do the same work for every address:
 * an unknown address runs the same batch against an id that matches nothing.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import { scryptParamsFor } from '../auth/credentials.js';
import { hashPassword } from '../auth/password.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { EmailCodePurpose } from '../db/schema.js';
import { AppError, fieldError } from '../errors.js';
import { clientIp } from '../http/context.js';
import type { AppEnv } from '../types.js';
import { bookEntriesFrom } from '../services/ledger.js';
import { notify } from '../services/notify.js';
import { hitRateLimit, rateLimited } from '../services/rate-limit.js';
import { integerSettingSql } from '../services/settings-sql.js';
import { checkCode, checkSucceeded, ipGuessKey, IP_GUESS_LIMIT, issueCode, windowCount } from './codes.js';
import { hashIp } from './crypto.js';
import { enqueueUserMail, idsOf, noteQueued } from './outbox.js';

const HOUR = 60 * 60;
const DAY = 24 * HOUR;
/** Account mail per user (§0.1): 1 per 60 s, 5 per day, shared by every resend/reset route. */
const USER_MAIL_PER_MINUTE = 1;
const USER_MAIL_PER_DAY = 5;
/** §11.7: per-IP and per-email request limits. */
const IP_REQUESTS_PER_HOUR = 20;
const EMAIL_REQUESTS_PER_HOUR = 5;

export const invalidOrExpired = () => fieldError('code', 'invalid_or_expired', 'email.invalid_or_expired');

/** An id that matches no row: unknown addresses run the same statements against it. */
const nobody = () => crypto.randomUUID();

/** The per-user account-mail windows: hit in the batch, the issue gated on them (SQL). */
function userMailLimits(db: Database, userId: string) {
  const minuteKey = `accountmail:user:${userId}:minute`;
  const dayKey = `accountmail:user:${userId}:day`;
  return {
    hits: [hitRateLimit(db, { key: minuteKey, windowSeconds: 60 }), hitRateLimit(db, { key: dayKey, windowSeconds: DAY })] as const,
    within: sql`${windowCount(minuteKey)} <= ${USER_MAIL_PER_MINUTE} AND ${windowCount(dayKey)} <= ${USER_MAIL_PER_DAY}`,
  };
}

/**
 * Statements that mark `userId` verified when `when` holds: the signup bonus if due (exactly once: the
 * flag and `transactions_one_signup_bonus_per_user`), the flag cleared, the referrer told (in-app and
 * mail, §0.1 "referral_joined"). `dropReferral`: a reset that first verifies an account drops a
 * referral recorded at its registration (squatted addresses).
 */
export function verificationStatements(db: Database, config: Config, userId: string, when: SQL, options: { dropReferral?: boolean } = {}) {
  const bonus = integerSettingSql('signup_bonus_credits');
  const unverified = sql`EXISTS (SELECT 1 FROM users v WHERE v.id = ${userId} AND v.email_verified_at IS NULL)`;
  const referrer = sql`(SELECT r.referrer_id FROM referrals r WHERE r.referred_id = ${userId})`;
  const statements: ReturnType<Database['execute']>[] = [
    bookEntriesFrom(db, {
      type: 'signup_bonus',
      description: 'Welcome bonus',
      source: sql`SELECT u.id AS user_id, ${bonus} AS credits, NULL::uuid AS reference_id
        FROM users u WHERE u.id = ${userId} AND u.signup_bonus_due AND ${bonus} > 0 AND ${when}`,
    }),
    ...(options.dropReferral
      ? [
          db.execute(sql`DELETE FROM referrals WHERE referred_id = ${userId} AND status = 'joined' AND ${unverified} AND ${when}`),
          db.execute(sql`UPDATE users SET referred_by = NULL WHERE id = ${userId} AND email_verified_at IS NULL AND ${when}`),
        ]
      : [
          notify(
            db,
            {
              userId: referrer,
              type: 'referral_joined',
              title: 'A friend joined Planlyze',
              message: 'Someone you invited has signed up. You will receive bonus credits after their first premium report.',
              titleAr: 'انضم صديق إلى Planlyze',
              messageAr: 'قام شخص دعوته بالتسجيل. ستحصل على نقاط إضافية بعد أول تقرير مميز له.',
              data: { referred_user_id: userId },
            },
            sql`${unverified} AND ${when}`,
          ),
          enqueueUserMail(db, config, {
            eventKey: `referral_joined:${userId}`,
            template: 'referral_joined',
            userId: referrer,
            when: sql`${unverified} AND ${when}`,
          }),
        ]),
  ];
  // A code mail still waiting is pointless once the address is proven: it is withdrawn (with its secret).
  statements.push(
    db.execute<Record<string, unknown>>(sql`
      UPDATE email_outbox SET status = 'cancelled', last_error = 'code_used', secret_ciphertext = NULL, updated_at = now()
      WHERE user_id = ${userId} AND template_key IN ('email_verification', 'password_reset_code') AND status = 'pending' AND ${when}`),
  );
  const markVerified = db.execute<Record<string, unknown>>(sql`
    UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()), signup_bonus_due = false, updated_at = now()
    WHERE id = ${userId} AND ${when}
    RETURNING id, credits, email_verified_at`);
  return { statements, markVerified };
}

// ─── Verification ────────────────────────────────────────────────────────────

/** POST /auth/verify-email with a token: the caller's own live code. */
export async function verifyOwnEmail(c: Context<AppEnv>, code: string): Promise<{ credits: number; emailVerifiedAt: Date }> {
  const { db, config, user } = c.var;
  if (user.emailVerifiedAt) throw new AppError('INVALID_STATE', { message: 'email.already_verified', details: { reason: 'already_verified' } });
  const check = await checkCode(db, config, { userId: user.id, purpose: 'verify_email', code, consume: true, ip: clientIp(c) });
  const { statements, markVerified } = verificationStatements(db, config, user.id, check.succeeded);
  const results = await db.batch([check.check, ...statements, markVerified, ...check.counters]);
  if (!checkSucceeded(results[0]).ok) throw invalidOrExpired();
  noteQueued(c, idsOf(...results));
  const row = (results[1 + statements.length] as unknown as { rows: { credits: number; email_verified_at: string }[] }).rows[0]!;
  return { credits: Number(row.credits), emailVerifiedAt: new Date(row.email_verified_at) };
}

/** Reads the account behind an address and refuses an IP past its failed-check limit (one round trip). */
async function lookupForCheck(c: Context<AppEnv>, email: string) {
  const { db } = c.var;
  const ip = clientIp(c);
  const [found, ipCount] = await db.batch([
    db.execute<{ id: string; is_active: boolean; email_verified_at: string | null }>(
      sql`SELECT id, is_active, email_verified_at FROM users WHERE email = ${email}`,
    ),
    db.execute<{ n: number }>(sql`SELECT ${windowCount(ipGuessKey(ip))} AS n`),
  ]);
  const n = Number(ipCount.rows[0]?.n ?? 0);
  if (n >= IP_GUESS_LIMIT) {
    throw rateLimited(new Date(Date.now() + 15 * 60 * 1000), 'email.too_many_attempts');
  }
  return found.rows[0];
}

/** POST /auth/verify-email without a token: `{email, code}`; unknown or already verified → the same 400. */
export async function verifyEmailByAddress(c: Context<AppEnv>, email: string, code: string): Promise<void> {
  const { db, config } = c.var;
  const user = await lookupForCheck(c, email);
  const userId = user && !user.email_verified_at ? user.id : nobody();
  const check = await checkCode(db, config, { userId, purpose: 'verify_email', code, consume: true, ip: clientIp(c) });
  const { statements, markVerified } = verificationStatements(db, config, userId, check.succeeded);
  const results = await db.batch([check.check, ...statements, markVerified, ...check.counters]);
  if (!checkSucceeded(results[0]).ok) throw invalidOrExpired();
  noteQueued(c, idsOf(...results));
}

/** POST /auth/resend-verification with a token: 409 when verified, 429 past the per-user limits. */
export async function resendOwnVerification(c: Context<AppEnv>): Promise<{ retryAfterS: number }> {
  const { db, config, user } = c.var;
  if (user.emailVerifiedAt) throw new AppError('INVALID_STATE', { message: 'email.already_verified', details: { reason: 'already_verified' } });
  const limits = userMailLimits(db, user.id);
  const issued = await issueCode(db, config, {
    userId: user.id,
    purpose: 'verify_email',
    ipHash: await hashIp(config.secretKey, clientIp(c)),
    when: limits.within,
  });
  const [minute, day, ...rest] = await db.batch([...limits.hits, ...issued.statements]);
  const minuteHit = minute[0]!;
  const dayHit = day[0]!;
  if (minuteHit.count > USER_MAIL_PER_MINUTE) throw rateLimited(minuteHit.resetAt, 'email.too_many_mails');
  if (dayHit.count > USER_MAIL_PER_DAY) throw rateLimited(dayHit.resetAt, 'email.too_many_mails');
  noteQueued(c, idsOf(...rest));
  return { retryAfterS: 60 };
}

/** POST /auth/resend-verification without a token: always `{sent: true}`; 429 only past the per-IP limit. */
export async function resendVerificationByAddress(c: Context<AppEnv>, email: string): Promise<void> {
  const { db, config } = c.var;
  const [ipHit, emailHit, found] = await db.batch([
    hitRateLimit(db, { key: `resend:ip:${clientIp(c)}`, windowSeconds: HOUR }),
    hitRateLimit(db, { key: `accountmail:email:${email}`, windowSeconds: HOUR }),
    db.execute<{ id: string; email_verified_at: string | null }>(sql`SELECT id, email_verified_at FROM users WHERE email = ${email}`),
  ]);
  if (ipHit[0]!.count > IP_REQUESTS_PER_HOUR) throw rateLimited(ipHit[0]!.resetAt);
  const user = found.rows[0];
  const eligible = user && !user.email_verified_at && emailHit[0]!.count <= EMAIL_REQUESTS_PER_HOUR;
  await issueAccountCode(c, eligible ? user.id : nobody(), 'verify_email', sql`u.email_verified_at IS NULL`);
}

/** Issues a code under the per-user mail limits (silently nothing past them): one batch. */
async function issueAccountCode(c: Context<AppEnv>, userId: string, purpose: EmailCodePurpose, extra: SQL) {
  const { db, config } = c.var;
  const limits = userMailLimits(db, userId);
  const issued = await issueCode(db, config, {
    userId,
    purpose,
    ipHash: await hashIp(config.secretKey, clientIp(c)),
    when: sql`${limits.within} AND ${extra}`,
  });
  const results = await db.batch([...limits.hits, ...issued.statements]);
  noteQueued(c, idsOf(...results.slice(2)));
}

// ─── Password reset ──────────────────────────────────────────────────────────

/** POST /auth/forgot-password/request: the same answer and the same work for every address. */
export async function requestPasswordReset(c: Context<AppEnv>, email: string): Promise<void> {
  const { db } = c.var;
  const [ipHit, emailHit, found] = await db.batch([
    hitRateLimit(db, { key: `pwreset:ip:${clientIp(c)}`, windowSeconds: HOUR }),
    hitRateLimit(db, { key: `accountmail:email:${email}`, windowSeconds: HOUR }),
    db.execute<{ id: string; is_active: boolean }>(sql`SELECT id, is_active FROM users WHERE email = ${email}`),
  ]);
  if (ipHit[0]!.count > IP_REQUESTS_PER_HOUR) throw rateLimited(ipHit[0]!.resetAt);
  const user = found.rows[0];
  const eligible = user && user.is_active && emailHit[0]!.count <= EMAIL_REQUESTS_PER_HOUR;
  await issueAccountCode(c, eligible ? user.id : nobody(), 'reset_password', sql`u.is_active`);
}

/** POST /users/:id/send-password-reset (admin): the admin never sees the code. */
export async function sendPasswordResetFor(c: Context<AppEnv>, userId: string): Promise<void> {
  await issueAccountCode(c, userId, 'reset_password', sql`u.is_active`);
}

/** POST /auth/forgot-password/verify: compares without consuming; a wrong code costs an attempt. */
export async function checkResetCode(c: Context<AppEnv>, email: string, code: string): Promise<{ expiresAt: string }> {
  const { db, config } = c.var;
  const user = await lookupForCheck(c, email);
  const userId = user?.is_active ? user.id : nobody();
  const check = await checkCode(db, config, { userId, purpose: 'reset_password', code, consume: false, ip: clientIp(c) });
  const [result] = await db.batch([check.check, ...check.counters]);
  const outcome = checkSucceeded(result);
  if (!outcome.ok || !outcome.expiresAt) throw invalidOrExpired();
  return { expiresAt: new Date(outcome.expiresAt).toISOString() };
}

/**
 * POST /auth/forgot-password/reset: one batch consumes the code, replaces the password, verifies the
 * address (and grants a due bonus), revokes EVERY session and queues `password_changed`.
 */
export async function resetPassword(c: Context<AppEnv>, email: string, code: string, newPassword: string): Promise<void> {
  const { db, config } = c.var;
  const user = await lookupForCheck(c, email);
  const userId = user?.is_active ? user.id : nobody();
  const [check, passwordHash] = await Promise.all([
    checkCode(db, config, { userId, purpose: 'reset_password', code, consume: true, ip: clientIp(c) }),
    hashPassword(newPassword, scryptParamsFor(config)),
  ]);
  const { statements, markVerified } = verificationStatements(db, config, userId, check.succeeded, { dropReferral: true });
  const results = await db.batch([
    check.check,
    ...statements,
    db.execute(sql`UPDATE users SET password_hash = ${passwordHash}, updated_at = now() WHERE id = ${userId} AND ${check.succeeded}`),
    markVerified,
    db.execute(sql`
      UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'password_reset'
      WHERE user_id = ${userId} AND revoked_at IS NULL AND ${check.succeeded}`),
    enqueueUserMail(db, config, {
      eventKey: `password_changed:${crypto.randomUUID()}`,
      template: 'password_changed',
      userId,
      when: check.succeeded,
    }),
    ...check.counters,
  ]);
  if (!checkSucceeded(results[0]).ok) throw invalidOrExpired();
  noteQueued(c, idsOf(...results));
}

/** The `password_changed` mail for the change-password batch (§11.7). */
export function passwordChangedMail(db: Database, config: Config, userId: string) {
  return enqueueUserMail(db, config, { eventKey: `password_changed:${crypto.randomUUID()}`, template: 'password_changed', userId });
}
