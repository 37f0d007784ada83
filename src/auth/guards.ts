/**
 * Auth middleware (CONVENTIONS §7): `requireUser` answers 401 for "who are you";
 * `requirePermission` answers 403 for "known, but not allowed". Both carry route metadata so the
 * OpenAPI document shows the security scheme and the permission.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../errors.js';
import { withMeta } from '../http/route-meta.js';
import type { AppEnv } from '../types.js';
import { loadSessionUser } from './current-user.js';
import { TokenError, verifyAccessToken } from './jwt.js';
import type { Permission } from './permissions.js';

const BEARER = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)\s*$/i;

const unauthenticated = (message: 'auth.missing_token' | 'auth.invalid_token' = 'auth.invalid_token') =>
  new AppError('AUTHENTICATION_ERROR', { message, headers: { 'WWW-Authenticate': 'Bearer' } });

/** Runs on every signed-in request: variables are read with `c.get` (hono's `c.var` copies them all on each read). */
async function authenticate(c: Context<AppEnv>, withProfileImage: boolean): Promise<void> {
  if (c.get('user')) return;
  const header = c.req.header('authorization');
  if (!header) throw unauthenticated('auth.missing_token');
  const token = BEARER.exec(header)?.[1];
  if (!token) throw unauthenticated();
  let claims;
  try {
    claims = await verifyAccessToken(token, c.get('config').jwtSecret);
  } catch (error) {
    if (error instanceof TokenError && error.kind === 'expired') {
      throw new AppError('TOKEN_EXPIRED', { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });
    }
    throw unauthenticated();
  }
  const user = await loadSessionUser(c.get('db'), claims, { withProfileImage });
  // Revoked, expired-in-database, deactivated or deleted: all the same 401 (no state leak).
  if (!user) throw unauthenticated();
  c.set('user', user);
  c.set('tokenId', claims.jti);
}

/** Any signed-in, active user with a live token. */
export const requireUser: MiddlewareHandler<AppEnv> = withMeta(
  async (c, next) => {
    await authenticate(c, false);
    await next();
  },
  { kind: 'auth', permissions: [] },
);

/** Like requireUser, and also loads the profile image (only the profile routes return it). */
export const requireUserWithProfile: MiddlewareHandler<AppEnv> = withMeta(
  async (c, next) => {
    await authenticate(c, true);
    await next();
  },
  { kind: 'auth', permissions: [] },
);

/**
 * Like requireUser, and the caller's email must be verified (SPEC-WAVE2 §11.6): `403 EMAIL_NOT_VERIFIED`
 * otherwise, unless REQUIRE_EMAIL_VERIFICATION=false. `email_verified_at` comes with the auth query, so
 * the check costs no round trip.
 */
export const requireVerifiedUser: MiddlewareHandler<AppEnv> = withMeta(
  async (c, next) => {
    await authenticate(c, false);
    assertVerifiedEmail(c);
    await next();
  },
  { kind: 'auth', permissions: [], verifiedEmail: true },
);

function assertVerifiedEmail(c: Context<AppEnv>): void {
  if (c.get('config').email.requireVerification && !c.get('user').emailVerifiedAt) throw new AppError('EMAIL_NOT_VERIFIED');
}

/** The verified-email rule after another guard (e.g. `requirePermission('invoke_llm')`). */
export const requireVerifiedEmail: MiddlewareHandler<AppEnv> = async (c, next) => {
  await authenticate(c, false);
  assertVerifiedEmail(c);
  await next();
};

export function hasPermission(c: Context<AppEnv>, permission: Permission): boolean {
  return c.get('user')?.permissions.includes(permission) ?? false;
}

function forbidden(permission: Permission) {
  return new AppError('AUTHORIZATION_ERROR', { message: 'auth.missing_permission', params: { permission } });
}

export function assertPermission(c: Context<AppEnv>, permission: Permission): void {
  if (!hasPermission(c, permission)) throw forbidden(permission);
}

/** Signed in AND holding every listed permission. */
export function requirePermission(...permissions: Permission[]): MiddlewareHandler<AppEnv> {
  return withMeta(
    async (c, next) => {
      await authenticate(c, false);
      for (const p of permissions) assertPermission(c, p);
      await next();
    },
    { kind: 'auth', permissions },
  );
}

/** Signed in AND holding at least one of the listed permissions (e.g. GET /roles). */
export function requireAnyPermission(...permissions: Permission[]): MiddlewareHandler<AppEnv> {
  return withMeta(
    async (c, next) => {
      await authenticate(c, false);
      if (!permissions.some((p) => hasPermission(c, p))) throw forbidden(permissions[0]!);
      await next();
    },
    { kind: 'auth', permissions, anyOf: true },
  );
}
