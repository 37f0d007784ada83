/**
 * Registration and sign-in (SPEC §2, §10 "Identity"), each in at most two database round trips:
 * one batch that reads (and counts the rate-limit hit), then one batch that writes.
 */
import { eq, getTableColumns } from 'drizzle-orm';
import type { Context } from 'hono';
import { effectivePermissions, type AuthUser } from '../auth/current-user.js';
import { scryptParamsFor } from '../auth/credentials.js';
import { dummyVerify, hashPassword, verifyPassword } from '../auth/password.js';
import { DEFAULT_USER_ROLE } from '../auth/permissions.js';
import { issueSession } from '../auth/sessions.js';
import { isUniqueViolation } from '../db/errors.js';
import { referrals, roles, users } from '../db/schema.js';
import { AppError, fieldError } from '../errors.js';
import { clientIp } from '../http/context.js';
import type { AppEnv } from '../types.js';
import { issueCode } from '../email/codes.js';
import { hashIp } from '../email/crypto.js';
import { noteQueued } from '../email/outbox.js';
import { bookEntry } from './ledger.js';
import { notify } from './notify.js';
import { newReferralCode, normalizeReferralCode } from './referral-codes.js';
import { passwordAttempt } from './password-attempts.js';
import { hitRateLimit, rateLimited } from './rate-limit.js';
import { selectSettings, settingsFromRows } from './settings.js';

const REGISTER_WINDOW_S = 60 * 60;
const REFERRAL_CODE_ATTEMPTS = 3;

export interface RegisterInput {
  email: string;
  password: string;
  full_name?: string | undefined;
  language?: 'en' | 'ar' | undefined;
  referral_code?: string | undefined;
}

export interface SignedIn {
  token: string;
  expires_in: number;
  user: AuthUser;
}

const registrationAttempt = (c: Context<AppEnv>) =>
  hitRateLimit(c.var.db, { key: `register:ip:${clientIp(c)}`, windowSeconds: REGISTER_WINDOW_S });

function refuseOverRegistrationLimit(c: Context<AppEnv>, hit: { count: number; resetAt: Date | string }) {
  if (hit.count > c.var.config.rateLimits.registerPerIp) throw rateLimited(hit.resetAt, 'auth.too_many_registrations');
}

/**
 * Every registration attempt counts towards the per-IP limit (SPEC §10), also one whose body is refused
 * (`body(RegisterBody, { onRefused })`): an address past the limit gets the 429 whatever it sends.
 */
export async function countRefusedRegistration(c: Context<AppEnv>): Promise<void> {
  const [hit] = await registrationAttempt(c);
  refuseOverRegistrationLimit(c, hit!);
}

export async function register(c: Context<AppEnv>, input: RegisterInput): Promise<SignedIn> {
  const { db, config } = c.var;
  const referralCode = input.referral_code ? normalizeReferralCode(input.referral_code) : '';
  const [hits, existing, referrer, userRole, settingRows] = await db.batch([
    registrationAttempt(c),
    db.select({ id: users.id }).from(users).where(eq(users.email, input.email)).limit(1),
    db
      .select({ id: users.id, isActive: users.isActive })
      .from(users)
      .where(eq(users.referralCode, referralCode))
      .limit(1),
    db.select().from(roles).where(eq(roles.name, DEFAULT_USER_ROLE)).limit(1),
    selectSettings(db, ['signup_bonus_credits']),
  ]);

  refuseOverRegistrationLimit(c, hits[0]!);
  if (existing.length > 0) throw new AppError('CONFLICT', { message: 'auth.email_taken', details: { field: 'email' } });
  const referrerId = input.referral_code ? referrer.find((r) => r.isActive)?.id : undefined;
  if (input.referral_code && !referrerId) {
    throw fieldError('referral_code', 'unknown_referral_code', 'auth.unknown_referral_code');
  }
  const role = userRole[0];
  if (!role) throw new Error('The built-in "user" role is missing: run the seed (npm run db:seed).');
  const { signup_bonus_credits: bonus } = settingsFromRows(['signup_bonus_credits'], settingRows);

  const passwordHash = await hashPassword(input.password, scryptParamsFor(config));
  const userId = crypto.randomUUID();
  const session = await issueSession(db, config, userId);
  // SPEC-WAVE2 §11.6: the bonus (and a referrer's notification) wait for the verified address; the
  // verification code and its mail are written in the same batch as the account.
  const verifyFirst = config.email.requireVerification;
  const verification = await issueCode(db, config, { userId, purpose: 'verify_email', ipHash: await hashIp(config.secretKey, clientIp(c)) });

  for (let attempt = 1; ; attempt++) {
    const referralCodeOfNewUser = newReferralCode();
    try {
      const [inserted] = await db.batch([
        db
          .insert(users)
          .values({
            id: userId,
            email: input.email,
            passwordHash,
            fullName: input.full_name ?? null,
            language: input.language ?? 'en',
            roleId: role.id,
            referralCode: referralCodeOfNewUser,
            referredBy: referrerId ?? null,
            lastLoginAt: new Date(),
            signupBonusDue: verifyFirst,
          })
          .returning(),
        ...(bonus > 0 && !verifyFirst
          ? [bookEntry(db, { userId, type: 'signup_bonus', credits: bonus, description: 'Welcome bonus' })]
          : []),
        session.insert,
        ...verification.statements,
        ...(referrerId ? [db.insert(referrals).values({ referrerId, referredId: userId })] : []),
        ...(referrerId && !verifyFirst
          ? [
              notify(db, {
                userId: referrerId,
                type: 'referral_joined',
                title: 'A friend joined Planlyze',
                message: 'Someone you invited has signed up. You will receive bonus credits after their first premium report.',
                titleAr: 'انضم صديق إلى Planlyze',
                messageAr: 'قام شخص دعوته بالتسجيل. ستحصل على نقاط إضافية بعد أول تقرير مميز له.',
                data: { referred_user_id: userId },
              }),
            ]
          : []),
      ]);
      const row = inserted[0]!;
      noteQueued(c, [verification.outboxId]);
      return {
        token: session.token,
        expires_in: session.expiresIn,
        user: {
          ...row,
          credits: verifyFirst ? 0 : bonus,
          role: role.name,
          permissions: effectivePermissions(role.name, role.permissions),
        },
      };
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_unique')) {
        throw new AppError('CONFLICT', { message: 'auth.email_taken', details: { field: 'email' } });
      }
      if (isUniqueViolation(error, 'users_referral_code_unique') && attempt < REFERRAL_CODE_ATTEMPTS) continue;
      throw error;
    }
  }
}

const { passwordHash: _hash, ...publicUserColumns } = getTableColumns(users);

function selectLoginUser(db: AppEnv['Variables']['db'], email: string) {
  return db
    .select({ ...publicUserColumns, passwordHash: users.passwordHash, roleName: roles.name, rolePermissions: roles.permissions })
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(eq(users.email, email))
    .limit(1);
}
type LoginRow = Awaited<ReturnType<ReturnType<typeof selectLoginUser>['execute']>>[number];

export async function login(c: Context<AppEnv>, input: { email: string; password: string }): Promise<SignedIn> {
  const { db, config } = c.var;
  const attempt = passwordAttempt(
    db,
    [
      { key: `login:email:${input.email}`, limit: config.rateLimits.loginPerEmail },
      { key: `login:ip:${clientIp(c)}`, limit: config.rateLimits.loginPerIp },
    ],
    'auth.too_many_logins',
  );
  // Only failed sign-ins count (services/password-attempts.ts); the user is read in the same round trip.
  const found = (await attempt.acquire<LoginRow[]>(selectLoginUser(db, input.email)))!;

  const params = scryptParamsFor(config);
  const row = found[0];
  const verdict = row ? await verifyPassword(input.password, row.passwordHash, params) : await dummyVerify(input.password, params);
  if (!row || !verdict.ok) {
    await db.batch(attempt.failed());
    throw new AppError('AUTHENTICATION_ERROR', { message: 'auth.invalid_credentials' });
  }
  if (!row.isActive) {
    await db.batch(attempt.succeeded());
    throw new AppError('AUTHORIZATION_ERROR', { message: 'auth.account_disabled' });
  }

  const session = await issueSession(db, config, row.id);
  const newHash = verdict.needsRehash ? await hashPassword(input.password, params) : undefined;
  const now = new Date();
  await db.batch([
    session.insert,
    db
      .update(users)
      .set({ lastLoginAt: now, ...(newHash ? { passwordHash: newHash } : {}) })
      .where(eq(users.id, row.id)),
    ...attempt.succeeded(),
  ]);
  const { roleName, rolePermissions, ...user } = row;
  return {
    token: session.token,
    expires_in: session.expiresIn,
    user: { ...user, lastLoginAt: now, role: roleName, permissions: effectivePermissions(roleName, rolePermissions) },
  };
}
