/**
 * /api/auth — email verification and password reset (SPEC-WAVE2 §11.6, §11.7, §11.9).
 * `verify-email` and `resend-verification` have two modes on one route: with a bearer token they act
 * on the caller; without one they take an address and answer without revealing whether it has an
 * account. An invalid token is a 401, never a fall-back to the anonymous mode.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import * as z from 'zod';
import { EmailInput, PasswordInput } from '../auth/credentials.js';
import { requireUser } from '../auth/guards.js';
import {
  checkResetCode,
  requestPasswordReset,
  resendOwnVerification,
  resendVerificationByAddress,
  resetPassword,
  verifyEmailByAddress,
  verifyOwnEmail,
} from '../email/account.js';
import { fieldError } from '../errors.js';
import { ok } from '../http/envelope.js';
import { describe } from '../http/route-meta.js';
import { body } from '../http/validate.js';
import { serializeUser, UserSchema } from '../schemas/user.js';
import type { AppEnv } from '../types.js';

const TAGS = ['auth'] as const;
const Code = z.string().trim().regex(/^\d{6}$/, 'must be 6 digits');

/** Signs the caller in when a token is presented (an invalid one is a 401); otherwise anonymous. */
const optionalUser: MiddlewareHandler<AppEnv> = (c, next) => (c.req.header('authorization') !== undefined ? requireUser(c, next) : next());
const signedIn = (c: { req: { header(name: string): string | undefined } }) => c.req.header('authorization') !== undefined;

const VerifyEmailBody = z.strictObject({
  email: EmailInput.optional().describe('Required without a token; with a token it may repeat the caller\'s own address'),
  code: Code,
});
const ResendBody = z.strictObject({ email: EmailInput.optional().describe('Required without a token; ignored with one') });
const EmailBody = z.strictObject({ email: EmailInput });
const CodeBody = z.strictObject({ email: EmailInput, code: Code });
const ResetBody = z.strictObject({ email: EmailInput, code: Code, new_password: PasswordInput });

const Sent = z.object({ sent: z.literal(true), retry_after_s: z.number().int().optional() });

export const accountEmailRoutes = new Hono<AppEnv>()
  .post(
    '/verify-email',
    describe({
      operationId: 'verifyEmail', summary: 'Verify the email address with the 6-digit code',
      tags: TAGS,
      response: z.union([z.object({ user: UserSchema }), z.object({ verified: z.literal(true) })]),
      errors: ['INVALID_STATE', 'RATE_LIMITED', 'AUTHENTICATION_ERROR'],
    }),
    optionalUser,
    body(VerifyEmailBody),
    async (c) => {
      const { email, code } = c.req.valid('json');
      if (signedIn(c)) {
        const user = c.var.user;
        if (email !== undefined && email !== user.email) throw fieldError('email', 'not_your_email', 'VALIDATION_ERROR');
        const verified = await verifyOwnEmail(c, code);
        return ok(c, { user: serializeUser({ ...user, credits: verified.credits, emailVerifiedAt: verified.emailVerifiedAt, signupBonusDue: false }) }, 'ok.email_verified');
      }
      if (email === undefined) throw fieldError('email', 'required', 'VALIDATION_ERROR');
      await verifyEmailByAddress(c, email, code);
      return ok(c, { verified: true as const }, 'ok.email_verified');
    },
  )
  .post(
    '/resend-verification',
    describe({
      operationId: 'resendVerification', summary: 'Send a new verification code',
      tags: TAGS,
      response: Sent,
      errors: ['INVALID_STATE', 'RATE_LIMITED', 'AUTHENTICATION_ERROR'],
    }),
    optionalUser,
    body(ResendBody),
    async (c) => {
      const { email } = c.req.valid('json');
      if (signedIn(c)) {
        const { retryAfterS } = await resendOwnVerification(c);
        return ok(c, { sent: true as const, retry_after_s: retryAfterS }, 'ok.email_sent');
      }
      if (email === undefined) throw fieldError('email', 'required', 'VALIDATION_ERROR');
      await resendVerificationByAddress(c, email);
      return ok(c, { sent: true as const }, 'ok.email_sent');
    },
  )
  .post(
    '/forgot-password/request',
    describe({
      operationId: 'requestPasswordReset', summary: 'Ask for a password reset code',
      tags: TAGS,
      response: z.object({ sent: z.literal(true) }),
      errors: ['RATE_LIMITED'],
    }),
    body(EmailBody),
    async (c) => {
      await requestPasswordReset(c, c.req.valid('json').email);
      return ok(c, { sent: true as const }, 'ok.email_sent');
    },
  )
  .post(
    '/forgot-password/verify',
    describe({
      operationId: 'verifyPasswordResetCode', summary: 'Check a password reset code without using it',
      tags: TAGS,
      response: z.object({ valid: z.literal(true), expires_at: z.string() }),
      errors: ['RATE_LIMITED'],
    }),
    body(CodeBody),
    async (c) => {
      const { email, code } = c.req.valid('json');
      const { expiresAt } = await checkResetCode(c, email, code);
      return ok(c, { valid: true as const, expires_at: expiresAt }, 'ok.code_valid');
    },
  )
  .post(
    '/forgot-password/reset',
    describe({
      operationId: 'resetPassword', summary: 'Set a new password with a reset code',
      tags: TAGS,
      response: z.object({ reset: z.literal(true) }),
      errors: ['RATE_LIMITED'],
    }),
    body(ResetBody),
    async (c) => {
      const { email, code, new_password } = c.req.valid('json');
      await resetPassword(c, email, code, new_password);
      return ok(c, { reset: true as const }, 'ok.password_reset');
    },
  );
