/** /api/auth — identity (SPEC §2). */
import { eq, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import * as z from 'zod';
import { EmailInput, PasswordInput, scryptParamsFor } from '../auth/credentials.js';
import { requireUser, requireUserWithProfile } from '../auth/guards.js';
import { hashPassword, verifyPassword } from '../auth/password.js';
import { revokeSession, revokeUserSessions } from '../auth/sessions.js';
import { users } from '../db/schema.js';
import { fieldError } from '../errors.js';
import { created, ok } from '../http/envelope.js';
import { describe } from '../http/route-meta.js';
import { body, emptyBody } from '../http/validate.js';
import { language, text } from '../schemas/common.js';
import { ProfileFields, profileColumns, serializeUser, UserSchema } from '../schemas/user.js';
import { passwordChangedMail } from '../email/account.js';
import { idsOf, noteQueued } from '../email/outbox.js';
import { countRefusedRegistration, login, register } from '../services/accounts.js';
import { passwordAttempt } from '../services/password-attempts.js';
import type { AppEnv } from '../types.js';
import { named } from '../schemas/registry.js';

const RegisterBody = z.strictObject({
  email: EmailInput,
  password: PasswordInput,
  full_name: text(120).optional(),
  language: language.optional(),
  referral_code: z.string().trim().min(1).max(32).optional(),
});

const LoginBody = z.strictObject({
  email: EmailInput,
  password: z.string().min(1).max(1024),
});

const UpdateMeBody = z
  .strictObject(Object.fromEntries(Object.entries(ProfileFields).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof typeof ProfileFields]: z.ZodOptional<(typeof ProfileFields)[K]>;
  })
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required');

const ChangePasswordBody = z.strictObject({
  current_password: z.string().min(1).max(1024),
  new_password: PasswordInput,
});

const TokenResponse = named('Session', z.object({ token: z.string(), expires_in: z.number().int(), user: UserSchema }));

export const authRoutes = new Hono<AppEnv>()
  .post(
    '/register',
    describe({
      operationId: 'register',
      summary: 'Create an account',
      tags: ['auth'],
      status: 201,
      response: TokenResponse,
      errors: ['CONFLICT', 'RATE_LIMITED'],
    }),
    body(RegisterBody, { onRefused: countRefusedRegistration }),
    async (c) => {
      const result = await register(c, c.req.valid('json'));
      return created(c, { token: result.token, expires_in: result.expires_in, user: serializeUser(result.user) }, 'ok.registered');
    },
  )
  .post(
    '/login',
    describe({
      operationId: 'login',
      summary: 'Sign in',
      tags: ['auth'],
      response: TokenResponse,
      errors: ['AUTHENTICATION_ERROR', 'AUTHORIZATION_ERROR', 'RATE_LIMITED'],
    }),
    body(LoginBody),
    async (c) => {
      const result = await login(c, c.req.valid('json'));
      return ok(c, { token: result.token, expires_in: result.expires_in, user: serializeUser(result.user) }, 'ok.logged_in');
    },
  )
  .get(
    '/me',
    describe({ operationId: 'getMe', summary: 'The signed-in user', tags: ['auth'], response: UserSchema }),
    requireUserWithProfile,
    (c) => ok(c, serializeUser(c.get('user'))),
  )
  .put(
    '/me',
    describe({ operationId: 'updateMe', summary: 'Update own profile', tags: ['auth'], response: UserSchema }),
    requireUserWithProfile,
    body(UpdateMeBody),
    async (c) => {
      const input = c.req.valid('json');
      const { db, user } = c.var;
      const [row] = await db
        .update(users)
        .set({ ...profileColumns(input), updatedAt: sql`now()` })
        .where(eq(users.id, user.id))
        .returning();
      return ok(c, serializeUser({ ...user, ...row! }), 'ok.profile_updated');
    },
  )
  .post(
    '/change-password',
    describe({
      operationId: 'changePassword',
      summary: 'Change own password',
      tags: ['auth'],
      response: z.object({ changed: z.literal(true) }),
      errors: ['RATE_LIMITED'],
    }),
    requireUser,
    body(ChangePasswordBody),
    async (c) => {
      const { current_password, new_password } = c.req.valid('json');
      const { db, user, config, tokenId } = c.var;
      // A stolen token must not be a way to guess the password: wrong current passwords count like
      // failed sign-ins (per user, RATE_LIMIT_LOGIN_PER_EMAIL per 15 minutes).
      const attempt = passwordAttempt(db, [{ key: `password:user:${user.id}`, limit: config.rateLimits.loginPerEmail }], 'auth.too_many_password_attempts');
      await attempt.acquire();
      const params = scryptParamsFor(config);
      const verdict = await verifyPassword(current_password, user.passwordHash, params);
      if (!verdict.ok) {
        await db.batch(attempt.failed());
        throw fieldError('current_password', 'wrong_password', 'auth.wrong_current_password');
      }
      const passwordHash = await hashPassword(new_password, params);
      const [, , queued] = await db.batch([
        db.update(users).set({ passwordHash, updatedAt: sql`now()` }).where(eq(users.id, user.id)),
        revokeUserSessions(db, user.id, 'password_changed', tokenId),
        passwordChangedMail(db, config, user.id),
        ...attempt.succeeded(),
      ]);
      noteQueued(c, idsOf(queued));
      return ok(c, { changed: true as const }, 'ok.password_changed');
    },
  )
  .post(
    '/logout',
    describe({ operationId: 'logout', summary: 'Revoke the presented token', tags: ['auth'], response: z.object({ id: z.uuid() }) }),
    requireUser,
    emptyBody(),
    async (c) => {
      await revokeSession(c.var.db, c.var.tokenId, 'logout');
      return ok(c, { id: c.var.tokenId }, 'ok.logged_out');
    },
  );
