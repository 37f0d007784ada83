/**
 * The shared protected-route suite, generated from the app's own route table (not hand-listed):
 * every route either carries an auth guard or is on the explicit public list below, and every
 * guarded route refuses no token, a garbage token, an expired token, a revoked token and a
 * deactivated user; routes that need a permission refuse a signed-in user without it (403).
 * Routes added by later issues are covered automatically.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { signAccessToken } from '../../src/auth/jwt.js';
import { collectRoutes, type DocumentedRoute } from '../../src/http/openapi.js';
import { readMeta } from '../../src/http/route-meta.js';
import { createTestApp, expectErrorEnvelope, registerUser, type TestApp, type TestUser } from '../support/harness.js';

/** Routes that need no sign-in. Anything else without a guard fails this suite. */
const PUBLIC_ROUTES = new Set([
  'GET /api',
  'GET /api/health',
  'GET /api/openapi.json',
  'GET /api/docs',
  'GET /api/docs/scalar.js',
  'POST /api/auth/register',
  'POST /api/auth/login',
  'GET /api/credit-packages',
  'GET /api/credit-packages/:id',
  'GET /api/payment-methods',
  'GET /api/payment-methods/:id',
  'GET /api/settings',
  'GET /api/report-shares/public/:token',
  'POST /api/contact',
  'GET /api/partners',
  'GET /api/social-media',
  'GET /api/landing-stats',
  'GET /api/currencies',
  'GET /api/currencies/:id',
  // SPEC-WAVE2 §11.9: anonymous (and, with a token, the caller's own) verification and reset
  'POST /api/auth/verify-email',
  'POST /api/auth/resend-verification',
  'POST /api/auth/forgot-password/request',
  'POST /api/auth/forgot-password/verify',
  'POST /api/auth/forgot-password/reset',
]);

const SAMPLE_ID = '00000000-0000-4000-8000-000000000000';
const concrete = (path: string) => path.replace(/:(\w+)/g, (_m, name: string) => (name === 'token' ? 'x'.repeat(43) : SAMPLE_ID));

let t: TestApp;
let routes: DocumentedRoute[];
let plain: TestUser;
let revoked: TestUser;
let deactivated: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  routes = collectRoutes(t.app);
  plain = await registerUser(t);
  revoked = await registerUser(t);
  deactivated = await registerUser(t);
  await t.request('POST', '/api/auth/logout', { token: revoked.token });
  await t.db.execute(sql`UPDATE users SET is_active = false WHERE id = ${deactivated.id}`);
});
afterAll(async () => {
  await t.close();
});

const call = (route: DocumentedRoute, token?: string) =>
  t.request(route.method, concrete(route.path), { ...(token ? { token } : {}), body: route.method === 'GET' || route.method === 'DELETE' ? undefined : {} });

describe('route table', () => {
  it('every route is either guarded or explicitly public', () => {
    const unguarded = routes.filter((r) => !r.auth && !PUBLIC_ROUTES.has(`${r.method} ${r.path}`)).map((r) => `${r.method} ${r.path}`);
    expect(unguarded).toEqual([]);
  });

  it('every route is documented (describe) for the OpenAPI document', () => {
    expect(routes.filter((r) => !r.describe).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('guards run before validators (a 401/403 never depends on the body or path)', () => {
    // app.routes lists each route's handlers in order; a validator seen before the guard is a bug.
    const validatorSeen = new Set<string>();
    const late: string[] = [];
    for (const route of t.app.routes) {
      const key = `${route.method} ${route.path}`;
      const meta = readMeta(route.handler);
      if (meta?.kind === 'validator') validatorSeen.add(key);
      if (meta?.kind === 'auth' && validatorSeen.has(key)) late.push(key);
    }
    expect(late).toEqual([]);
  });
});

describe('every guarded route', () => {
  const guarded = () => routes.filter((r) => r.auth);

  it('refuses a request without a token (401 AUTHENTICATION_ERROR, WWW-Authenticate)', async () => {
    for (const route of guarded()) {
      const res = await call(route);
      expectErrorEnvelope(res, 401, 'AUTHENTICATION_ERROR');
      expect(res.headers.get('www-authenticate'), `${route.method} ${route.path}`).toMatch(/^Bearer/);
    }
  });

  it('refuses a garbage token and a wrong scheme', async () => {
    for (const route of guarded()) {
      expectErrorEnvelope(await call(route, 'not.a.jwt'), 401, 'AUTHENTICATION_ERROR');
      const res = await t.request(route.method, concrete(route.path), { headers: { authorization: `Basic ${btoa('a:b')}` } });
      expectErrorEnvelope(res, 401, 'AUTHENTICATION_ERROR');
    }
  });

  it('refuses an expired token with TOKEN_EXPIRED', async () => {
    const { token } = await signAccessToken({
      userId: plain.id,
      secret: t.config.jwtSecret,
      ttlSeconds: 60,
      now: new Date(Date.now() - 3600_000),
    });
    for (const route of guarded()) expectErrorEnvelope(await call(route, token), 401, 'TOKEN_EXPIRED');
  });

  it('refuses a token signed with another key, and a well-signed token with no session', async () => {
    const foreign = await signAccessToken({ userId: plain.id, secret: 'another-secret-another-secret-123', ttlSeconds: 600 });
    const sessionless = await signAccessToken({ userId: plain.id, secret: t.config.jwtSecret, ttlSeconds: 600 });
    for (const route of guarded()) {
      expectErrorEnvelope(await call(route, foreign.token), 401, 'AUTHENTICATION_ERROR');
      expectErrorEnvelope(await call(route, sessionless.token), 401, 'AUTHENTICATION_ERROR');
    }
  });

  it('refuses a revoked (logged-out) token and a deactivated user', async () => {
    for (const route of guarded()) {
      expectErrorEnvelope(await call(route, revoked.token), 401, 'AUTHENTICATION_ERROR');
      expectErrorEnvelope(await call(route, deactivated.token), 401, 'AUTHENTICATION_ERROR');
    }
  });

  it('refuses a signed-in user lacking the route permission (403 AUTHORIZATION_ERROR)', async () => {
    for (const route of guarded().filter((r) => (r.auth?.permissions.length ?? 0) > 0)) {
      const res = await call(route, plain.token);
      expectErrorEnvelope(res, 403, 'AUTHORIZATION_ERROR');
    }
  });
});
