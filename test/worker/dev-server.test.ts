/**
 * `wrangler dev` runs the real Worker (src/index.ts in workerd) against the local Neon-compatible
 * endpoint served over HTTP — the set-up `npm run dev` builds — and serves health, register, login
 * and me over real HTTP. The endpoint's counter proves the Worker's queries went through it, and that
 * GET /api/auth/me costs one round trip on workerd too. GET /api/openapi.json is the static asset
 * wrangler.toml's [build] generates (scripts/build-worker-assets.ts), equal to what the app builds on Node,
 * and GET /api/docs (served by the Worker itself) points at it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createApp } from '../../src/app.js';
import { createDb } from '../../src/db/client.js';
import { buildOpenApiDocument } from '../../src/http/openapi.js';
import { APP_VERSION } from '../../src/version.js';
import { seedDatabase } from '../../src/db/seed.js';
import { serveSqlEndpoint, type SqlHttpServer } from '../../src/local/http-server.js';
import { localDatabaseUrl } from '../../src/local/neon-local.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { callWorker, startWranglerDev, type WranglerDev } from './wrangler.js';

let database: TestDatabase;
let sqlServer: SqlHttpServer;
let worker: WranglerDev;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDatabase(createDb(database.databaseUrl), parseConfig({ APP_ENV: 'test', DATABASE_URL: database.databaseUrl }));
  sqlServer = await serveSqlEndpoint(database.endpoint);
  // APP_ENV stays wrangler.toml's "development": real scrypt parameters, as in production.
  // Request logs are written through waitUntil after each response (test/worker/request-log.test.ts); off here so the
  // endpoint's counter holds only the requests' own round trips.
  worker = await startWranglerDev({ DATABASE_URL: localDatabaseUrl(sqlServer.port), LOG_LEVEL: 'warn', REQUEST_LOG_ENABLED: 'false' });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await sqlServer?.close();
  await database?.close();
});

const call = (method: string, path: string, init: { body?: unknown; token?: string } = {}) => callWorker(worker, method, path, init);

describe('wrangler dev → local SQL endpoint over HTTP', () => {
  it('GET /api/health: the Worker reaches the database', async () => {
    const before = database.endpoint.stats.roundTrips;
    const res = await call('GET', '/api/health');
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ success: true, data: { status: 'ok', database: { ok: true } } });
    expect(database.endpoint.stats.roundTrips).toBeGreaterThan(before);
  });

  it('register → login → me', async () => {
    const email = `worker.${Date.now().toString(36)}@example.test`;
    const password = 'Worker-password-1';

    const registered = await call('POST', '/api/auth/register', { body: { email, password, full_name: 'Worker Test' } });
    expect(registered.status, registered.text).toBe(201);
    expect(registered.body.data.user.email).toBe(email);
    expect(typeof registered.body.data.token).toBe('string');

    const loggedIn = await call('POST', '/api/auth/login', { body: { email, password } });
    expect(loggedIn.status, loggedIn.text).toBe(200);
    const token = loggedIn.body.data.token as string;

    const before = database.endpoint.stats.roundTrips;
    const me = await call('GET', '/api/auth/me', { token });
    expect(me.status, me.text).toBe(200);
    expect(me.body.data).toMatchObject({ email });
    expect(database.endpoint.stats.roundTrips - before).toBe(1);

    const anonymous = await call('GET', '/api/auth/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ success: false, error_code: 'AUTHENTICATION_ERROR' });
  });

  it('GET /api/openapi.json is the document the app builds on Node, served as a static asset; /api/docs uses it', async () => {
    const res = await fetch(`${worker.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // Served without running the Worker: none of the app's per-request headers.
    expect(res.headers.get('x-request-id')).toBeNull();
    expect(await res.json()).toEqual(buildOpenApiDocument(createApp(), { version: APP_VERSION }));

    const docs = await fetch(`${worker.url}/api/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/api/openapi.json');
  });
});
