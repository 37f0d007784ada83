/** SPEC §1 conventions and the app shell: envelope, error tiers, i18n, request ids, CORS, limits, health, OpenAPI. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPException } from 'hono/http-exception';
import * as z from 'zod';
import { faults } from '../../src/local/sql-endpoint.js';
import { body } from '../../src/http/validate.js';
import { describe as describeRoute } from '../../src/http/route-meta.js';
import { createTestApp, expectErrorEnvelope, issuePaths, registerUser, type TestApp } from '../support/harness.js';
import { dereference } from '../support/openapi.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(
    { CORS_ORIGINS: 'https://app.planlyze.test,https://admin.planlyze.test', DB_QUERY_TIMEOUT_MS: '1500' },
    {
      extend(app) {
        app.get('/api/__test/boom', () => {
          throw new Error('secret internals: SELECT password_hash FROM users');
        });
        app.get('/api/__test/http-exception', () => {
          throw new HTTPException(401, {
            res: new Response('nope', { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="x"' } }),
          });
        });
        app.get('/api/__test/out-of-range', async (c) => {
          await c.var.db.execute('SELECT 2147483647::int + 1');
          return c.text('unreachable');
        });
        app.get('/api/__test/sql-error', async (c) => {
          await c.var.db.execute('SELECT no_such_column FROM users');
          return c.text('unreachable');
        });
        app.post(
          '/api/__test/nested',
          describeRoute({ operationId: 'testNested', summary: 'nested (a route of this test only)', tags: ['system'] }),
          body(z.strictObject({ a: z.strictObject({ b: z.number().int().min(1) }), list: z.array(z.string()).max(2) })),
          (c) => c.json(c.req.valid('json')),
        );
      },
    },
  );
});
afterAll(async () => {
  await t.close();
});

describe('envelope', () => {
  it('success: success, message, data, ISO timestamp with Z', async () => {
    const res = await t.request('GET', '/api/health');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['data', 'message', 'success', 'timestamp']);
    expect(res.body.success).toBe(true);
    expect(res.body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('error: error, error_code, status_code, request_id (= X-Request-Id), timestamp', async () => {
    const res = await t.request('GET', '/api/nothing-here');
    const b = expectErrorEnvelope(res, 404, 'NOT_FOUND');
    expect(b.request_id).toBe(res.headers.get('x-request-id'));
    expect(b.timestamp).toMatch(/Z$/);
  });

  it('a wrong method on a known path is a 404 envelope', async () => {
    expectErrorEnvelope(await t.request('DELETE', '/api/auth/login'), 404, 'NOT_FOUND');
    expectErrorEnvelope(await t.request('GET', '/api/auth/logout'), 404, 'NOT_FOUND');
  });
});

describe('error tiers', () => {
  it('an unknown error is a generic 500 with no internals', async () => {
    const res = await t.request('GET', '/api/__test/boom');
    expectErrorEnvelope(res, 500, 'INTERNAL_ERROR');
    expect(res.text).not.toMatch(/secret|password_hash|SELECT|at .*\.ts/);
    expect(res.body.details).toBeUndefined();
  });

  it('a SQL error is a generic 500 without SQL text', async () => {
    const res = await t.request('GET', '/api/__test/sql-error');
    expectErrorEnvelope(res, 500, 'INTERNAL_ERROR');
    expect(res.text).not.toMatch(/no_such_column|SELECT|column/i);
  });

  it('a number leaving its column range is a 409 INVALID_STATE, never a 500, without SQL text', async () => {
    const res = await t.request('GET', '/api/__test/out-of-range');
    const b = expectErrorEnvelope(res, 409, 'INVALID_STATE');
    expect(b.details.reason).toBe('value_out_of_range');
    expect(res.text).not.toMatch(/integer|SELECT|2147483647/i);
  });

  it('a Hono HTTPException keeps its status and headers, mapped to our code', async () => {
    const res = await t.request('GET', '/api/__test/http-exception');
    expectErrorEnvelope(res, 401, 'AUTHENTICATION_ERROR');
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="x"');
  });

  it('malformed JSON → 400 MALFORMED_JSON', async () => {
    const res = await t.request('POST', '/api/auth/login', { rawBody: '{"email": ', headers: { 'content-type': 'application/json' } });
    expectErrorEnvelope(res, 400, 'MALFORMED_JSON');
  });

  it('a non-JSON content type on a JSON route → 415', async () => {
    const res = await t.request('POST', '/api/auth/login', { rawBody: 'email=a@b.co', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectErrorEnvelope(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const noType = await t.request('POST', '/api/auth/login', { rawBody: '{"email":"a@b.co"}', headers: { 'content-type': 'text/plain' } });
    expectErrorEnvelope(noType, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('application/json with a charset and +json media types are accepted', async () => {
    const res = await t.request('POST', '/api/__test/nested', {
      rawBody: JSON.stringify({ a: { b: 1 }, list: [] }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(res.status).toBe(200);
  });

  it('a body over 1 MiB → 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await t.request('POST', '/api/auth/login', {
      rawBody: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(1024 * 1024 + 10) }),
      headers: { 'content-type': 'application/json' },
    });
    expectErrorEnvelope(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('a JSON array or scalar body is a validation error, not a crash', async () => {
    for (const raw of ['[]', '42', 'null', '"text"']) {
      const res = await t.request('POST', '/api/auth/login', { rawBody: raw, headers: { 'content-type': 'application/json' } });
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    }
  });
});

describe('validation details', () => {
  it('lists every bad field with its full path, message and code', async () => {
    const res = await t.request('POST', '/api/__test/nested', { body: { a: { b: 0, c: 1 }, list: ['x', 'y', 'z'], extra: true } });
    const b = expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res).sort()).toEqual(['a.b', 'a.c', 'extra', 'list']);
    for (const issue of b.details.issues) {
      expect(Object.keys(issue).sort()).toEqual(['code', 'message', 'path']);
      expect(issue.message.length).toBeGreaterThan(0);
    }
  });

  it('text PostgreSQL cannot store (NUL, unpaired surrogates) is a 400 naming the field, not a 500', async () => {
    const nul = await t.request('POST', '/api/auth/register', { body: { email: 'nul@example.test', password: 'Password-1', full_name: 'A\u0000B' } });
    expectErrorEnvelope(nul, 400, 'VALIDATION_ERROR');
    expect(issuePaths(nul)).toEqual(['full_name']);
    const surrogate = await t.request('POST', '/api/auth/register', {
      rawBody: '{"email":"s@example.test","password":"Password-1","full_name":"x\\ud800y"}',
      headers: { 'content-type': 'application/json' },
    });
    expectErrorEnvelope(surrogate, 400, 'VALIDATION_ERROR');
    expect(issuePaths(surrogate)).toEqual(['full_name']);
    const u = await registerUser(t);
    const query = await t.request('GET', '/api/analyses?q=a%00b', { token: u.token });
    expectErrorEnvelope(query, 400, 'VALIDATION_ERROR');
    expect(issuePaths(query)).toEqual(['q']);
  });

  it('a body nested thousands of levels deep is a 400, not a crash', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const res = await t.request('POST', '/api/auth/login', { rawBody: deep, headers: { 'content-type': 'application/json' } });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
  });

  it('an empty body validates as {} (missing fields are named)', async () => {
    const res = await t.request('POST', '/api/auth/login', { rawBody: '' });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res).sort()).toEqual(['email', 'password']);
  });
});

describe('languages', () => {
  it('Accept-Language: ar gives Arabic error and message texts with the same codes', async () => {
    const en = await t.request('GET', '/api/nothing');
    const ar = await t.request('GET', '/api/nothing', { headers: { 'accept-language': 'ar' } });
    expect(ar.body.error_code).toBe(en.body.error_code);
    expect(ar.body.error).toMatch(/[\u0600-\u06FF]/);
    expect(en.body.error).not.toMatch(/[\u0600-\u06FF]/);
    const ok = await t.request('GET', '/api/health', { headers: { 'accept-language': 'ar-SY,ar;q=0.9' } });
    expect(ok.body.message).toMatch(/[\u0600-\u06FF]/);
    expect(ok.headers.get('content-language')).toBe('ar');
  });

  it('validation issues are Arabic too', async () => {
    const res = await t.request('POST', '/api/auth/register', { body: { email: 'bad' }, headers: { 'accept-language': 'ar' } });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(res.body.details.issues[0].message).toMatch(/[\u0600-\u06FF]/);
  });
});

describe('request ids', () => {
  it('echoes a sane incoming X-Request-Id and replaces an unsafe one', async () => {
    const sane = await t.request('GET', '/api/health', { headers: { 'x-request-id': 'abc-123_DEF.42' } });
    expect(sane.headers.get('x-request-id')).toBe('abc-123_DEF.42');
    const unsafe = await t.request('GET', '/api/health', { headers: { 'x-request-id': 'bad id <script>' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const fresh = await t.request('GET', '/api/health');
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('CORS and security headers', () => {
  it('allows configured origins only, preflight is a 204 outside the envelope', async () => {
    const pre = await t.request('OPTIONS', '/api/auth/login', {
      headers: { origin: 'https://app.planlyze.test', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.planlyze.test');
    const evil = await t.request('GET', '/api/health', { headers: { origin: 'https://evil.test' } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a cross-origin request with its CORS headers, and every response varies by Origin', async () => {
    const allowed = await t.request('GET', '/api/credit-packages', { headers: { origin: 'https://app.planlyze.test' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.planlyze.test');
    expect(allowed.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
    for (const res of [allowed, await t.request('GET', '/api/credit-packages'), await t.request('GET', '/api/nowhere')]) {
      expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
      expect(res.headers.get('vary')).toMatch(/\bAccept-Language\b/);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(res.headers.get('content-language')).toBe('en');
    }
    const noOrigin = await t.request('GET', '/api/credit-packages');
    expect(noOrigin.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('error responses from onError carry the same headers as successes (request id, language, Vary, secure headers)', async () => {
    const ar = { 'accept-language': 'ar' };
    const errors = [
      await t.request('GET', '/api/auth/me', { headers: ar }), // 401 from a guard
      await t.request('POST', '/api/auth/login', { headers: ar, body: { email: 'not-an-email' } }), // 400 from a validator
      await t.request('POST', '/api/auth/login', { headers: { ...ar, 'content-type': 'application/json' }, rawBody: '{' }), // 400 malformed JSON
    ];
    for (const res of errors) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('x-request-id')).toBe(res.body.request_id);
      expect(res.headers.get('content-language')).toBe('ar');
      expect(res.headers.get('vary')).toMatch(/\bAccept-Language\b/);
      expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('sends secure headers', async () => {
    const res = await t.request('GET', '/api/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBeTruthy();
  });
});

describe('health', () => {
  it('reports the database round trip and version', async () => {
    const res = await t.request('GET', '/api/health');
    expect(res.body.data.status).toBe('ok');
    expect(res.body.data.database.ok).toBe(true);
    expect(typeof res.body.data.database.latency_ms).toBe('number');
    expect(res.body.data.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('answers 503 SERVICE_UNAVAILABLE with details when the database is down, and recovers', async () => {
    t.database.endpoint.setFault(faults.once({ type: 'network', message: 'connection refused' }));
    const down = await t.request('GET', '/api/health');
    const b = expectErrorEnvelope(down, 503, 'SERVICE_UNAVAILABLE');
    expect(b.details).toMatchObject({ status: 'unavailable', database: { ok: false } });
    expect((await t.request('GET', '/api/health')).status).toBe(200);
  });

  it('a hung database round trip is cut at DB_QUERY_TIMEOUT_MS: 503, and the next request works', async () => {
    const u = await registerUser(t);
    t.database.endpoint.setFault(faults.once({ type: 'hang' }));
    const started = Date.now();
    expectErrorEnvelope(await t.request('GET', '/api/auth/me', { token: u.token }), 503, 'SERVICE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await t.request('GET', '/api/auth/me', { token: u.token })).status).toBe(200);
  });

  it('any route answers 503 (not 500) when the database fails mid-request', async () => {
    const u = await registerUser(t);
    t.database.endpoint.setFault(faults.once({ type: 'status', status: 500 }));
    expectErrorEnvelope(await t.request('GET', '/api/auth/me', { token: u.token }), 503, 'SERVICE_UNAVAILABLE');
    expect((await t.request('GET', '/api/auth/me', { token: u.token })).status).toBe(200);
  });
});

describe('OpenAPI and docs', () => {
  it('serves an OpenAPI 3.1 document with every route, its schemas and errors', async () => {
    const res = await t.request('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const doc = dereference(res.body);
    const register = doc.paths['/api/auth/register'].post;
    expect(register.requestBody.content['application/json'].schema.properties.email).toBeDefined();
    expect(register.responses['201']).toBeDefined();
    expect(register.responses['409']).toBeDefined();
    expect(register.responses['400'].content['application/json'].schema.properties.error_code.enum).toContain('MALFORMED_JSON');
    const me = doc.paths['/api/auth/me'].get;
    expect(me.security).toEqual([{ bearerAuth: [] }]);
    expect(me.responses['401']).toBeDefined();
  });

  it('serves an HTML docs page pointing at the document', async () => {
    const res = await t.request('GET', '/api/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.text).toContain('/api/openapi.json');
  });
});

describe('misconfiguration', () => {
  it('a production app with weak secrets answers 500 MISCONFIGURED without naming the setting', async () => {
    const res = await t.app.request('/api/health', {}, { APP_ENV: 'production', JWT_SECRET_KEY: 'short', CORS_ORIGINS: '*' });
    expect(res.status).toBe(500);
    const b = (await res.json()) as Record<string, unknown>;
    expect(b.error_code).toBe('MISCONFIGURED');
    expect(JSON.stringify(b)).not.toMatch(/JWT_SECRET_KEY|CORS_ORIGINS|short/);
  });
});
