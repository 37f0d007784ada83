/**
 * API request logs (SPEC-WAVE2 §15, §15.6): the write happens after the response and is never awaited
 * by it (Workers waitUntil; the Node queue), failures are harmless, errors and slow requests are always
 * kept and the rest sampled, nothing secret is stored, the Node queue writes multi-row INSERTs and drops
 * its oldest rows past the cap, retention works in bounded chunks, and the admin routes filter.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiRequestLogs } from '../../../src/db/schema.js';
import { runMaintenance } from '../../../src/services/maintenance.js';
import { flushRequestLogs, pruneRequestLogs, RequestLogQueue, type PendingLogRow } from '../../../src/services/request-logs.js';
import {
  createTestApp,
  expectErrorEnvelope,
  loginAdmin,
  registerUser,
  userWithPermissions,
  type RequestOptions,
  type TestApp,
  type TestUser,
} from '../../support/harness.js';
import { completeAnalysis, createAnalysis } from '../content/helpers.js';

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await createTestApp({ REQUEST_LOG_ENABLED: 'true', TRUST_PROXY: 'true' });
  admin = await loginAdmin(t);
});
afterAll(async () => {
  await t.close();
});
afterEach(() => {
  t.database.endpoint.setFault(null);
  vi.useRealTimers();
});

const isLogInsert = (query: string) => /insert into "api_request_logs"/i.test(query);

/** A request with its own request id (to find its row) from a given client IP. */
async function call(app: TestApp, method: string, path: string, options: RequestOptions & { ip?: string } = {}) {
  const requestId = `rl-${crypto.randomUUID()}`;
  const res = await app.request(method, path, {
    ...options,
    headers: { 'x-request-id': requestId, 'x-forwarded-for': options.ip ?? '192.0.2.10', 'user-agent': 'planlyze-test/1.0', ...options.headers },
  });
  return { res, requestId };
}

async function rowsOf(app: TestApp, requestId: string) {
  await flushRequestLogs(10_000);
  return app.db.select().from(apiRequestLogs).where(eq(apiRequestLogs.requestId, requestId));
}

/** Everything a row holds, as text: what a secret must never appear in. */
async function rowText(app: TestApp, requestId: string): Promise<string> {
  await flushRequestLogs(10_000);
  const { rows } = await app.db.execute<{ row: unknown }>(sql`SELECT to_jsonb(l) AS row FROM api_request_logs l WHERE request_id = ${requestId}`);
  expect(rows, `a row for ${requestId}`).toHaveLength(1);
  return JSON.stringify(rows[0]!.row);
}

describe('never in the request path', () => {
  it('Node: a request completes while the database holds the log insert for 2 s; `me` still costs 1 round trip', async () => {
    t.database.endpoint.setFault(({ queries }) => (queries.some(isLogInsert) ? { type: 'delay', ms: 2000 } : undefined));
    const first = await call(t, 'GET', '/api/auth/me', { token: admin.token });
    expect(first.res.cost.roundTrips).toBe(1);
    const flushing = flushRequestLogs(10_000); // the insert starts now and is held for 2 s
    const started = Date.now();
    const second = await call(t, 'GET', '/api/auth/me', { token: admin.token });
    expect(second.res.status).toBe(200);
    expect(second.res.cost).toEqual({ roundTrips: 1, statements: 1 });
    expect(Date.now() - started).toBeLessThan(1000);
    await flushing;
    expect(await rowsOf(t, first.requestId)).toHaveLength(1);
    const [row] = await rowsOf(t, second.requestId);
    expect(row).toMatchObject({ runtime: 'node', method: 'GET', route: '/api/auth/me', status: 200 });
    expect(row!.keptBy).toBe('sample');
    expect(row!.userId).toBe(admin.id);
  });

  it('Workers: the insert runs through waitUntil, after the response, which does not wait for it', async () => {
    t.database.endpoint.setFault(({ queries }) => (queries.some(isLogInsert) ? { type: 'delay', ms: 2000 } : undefined));
    const waiting: Promise<unknown>[] = [];
    const executionCtx = { waitUntil: (p: Promise<unknown>) => void waiting.push(p), passThroughOnException: () => {}, props: {} };
    const requestId = `rl-${crypto.randomUUID()}`;
    const started = Date.now();
    const res = await t.app.request('/api/auth/me', { headers: { authorization: `Bearer ${admin.token}`, 'x-request-id': requestId } }, t.env, executionCtx);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(waiting).toHaveLength(1);
    let settled = false;
    void waiting[0]!.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    await Promise.all(waiting);
    const [row] = await t.db.select().from(apiRequestLogs).where(eq(apiRequestLogs.requestId, requestId));
    expect(row).toMatchObject({ runtime: 'workers', status: 200, route: '/api/auth/me' });
  });

  it('a failing insert changes nothing for the client, is not retried, and later writes work', async () => {
    let attempts = 0;
    t.database.endpoint.setFault(({ queries }) => {
      if (!queries.some(isLogInsert)) return undefined;
      attempts++;
      return { type: 'status', status: 500 };
    });
    const failed = await call(t, 'GET', '/api/auth/me', { token: admin.token });
    expect(failed.res.status).toBe(200);
    await flushRequestLogs(10_000);
    expect(attempts).toBe(1);
    t.database.endpoint.setFault(null);
    expect(await rowsOf(t, failed.requestId)).toEqual([]);
    const next = await call(t, 'GET', '/api/auth/me', { token: admin.token });
    expect(next.res.status).toBe(200);
    expect(await rowsOf(t, next.requestId)).toHaveLength(1);
  });
});

describe('what is kept', () => {
  let sparse: TestApp;
  beforeAll(async () => {
    sparse = await createTestApp({ REQUEST_LOG_ENABLED: 'true', TRUST_PROXY: 'true', REQUEST_LOG_SAMPLE_RATE: '0', REQUEST_LOG_SLOW_MS: '150' });
  });
  afterAll(async () => {
    await sparse.close();
  });

  it('sampling at 0 keeps no fast 200 or 304; 4xx and 5xx are kept as errors', async () => {
    const ok = await call(sparse, 'GET', '/api/credit-packages');
    expect(await rowsOf(sparse, ok.requestId)).toEqual([]);
    const etag = ok.res.headers.get('etag')!;
    const notModified = await call(sparse, 'GET', '/api/credit-packages', { headers: { 'if-none-match': etag } });
    expect(notModified.res.status).toBe(304);
    expect(await rowsOf(sparse, notModified.requestId)).toEqual([]);

    const missing = await call(sparse, 'GET', '/api/no-such-route');
    expect((await rowsOf(sparse, missing.requestId))[0]).toMatchObject({ status: 404, route: 'unmatched', errorCode: 'NOT_FOUND', keptBy: 'error' });
    const invalid = await call(sparse, 'POST', '/api/auth/login', { body: { email: 'nope' } });
    expect((await rowsOf(sparse, invalid.requestId))[0]).toMatchObject({ status: 400, route: '/api/auth/login', errorCode: 'VALIDATION_ERROR' });
    sparse.database.endpoint.setFault(({ queries }) => (queries.some(isLogInsert) ? undefined : { type: 'status', status: 500 }));
    const down = await call(sparse, 'GET', '/api/landing-stats');
    sparse.database.endpoint.setFault(null);
    expect((await rowsOf(sparse, down.requestId))[0]).toMatchObject({ status: 503, errorCode: 'SERVICE_UNAVAILABLE', keptBy: 'error' });
  });

  it('a slow request is always kept (kept_by slow)', async () => {
    sparse.database.endpoint.setFault(({ queries }) => (queries.some(isLogInsert) ? undefined : { type: 'delay', ms: 200 }));
    const slow = await call(sparse, 'GET', '/api/partners');
    sparse.database.endpoint.setFault(null);
    const [row] = await rowsOf(sparse, slow.requestId);
    expect(row).toMatchObject({ status: 200, keptBy: 'slow' });
    expect(row!.durationMs).toBeGreaterThanOrEqual(150);
  });

  it('4xx are kept unconditionally up to 60 per client IP and minute, then sampled', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T10:00:05Z'));
    const ids: string[] = [];
    for (let i = 0; i < 61; i++) ids.push((await call(sparse, 'GET', '/api/nowhere', { ip: '192.0.2.61' })).requestId);
    const elsewhere = await call(sparse, 'GET', '/api/nowhere', { ip: '192.0.2.62' });
    vi.useRealTimers();
    await flushRequestLogs(10_000);
    const { rows } = await sparse.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM api_request_logs WHERE request_id = ANY(${`{${ids.join(',')}}`}::text[])`);
    expect(Number(rows[0]!.n)).toBe(60);
    expect(await rowsOf(sparse, elsewhere.requestId)).toHaveLength(1);
  });

  it('sampling at 1 keeps every fast 200; health, docs, the OpenAPI document and preflights are never logged', async () => {
    const kept = await call(t, 'GET', '/api/credit-packages');
    expect((await rowsOf(t, kept.requestId))[0]).toMatchObject({ keptBy: 'sample', status: 200 });
    for (const [method, path] of [['GET', '/api/health'], ['GET', '/api/openapi.json'], ['GET', '/api/docs'], ['OPTIONS', '/api/partners']] as const) {
      const skipped = await call(t, method, path, { headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } });
      expect(await rowsOf(t, skipped.requestId), `${method} ${path}`).toEqual([]);
    }
  });

  it('logging off writes nothing', async () => {
    const off = await createTestApp({ REQUEST_LOG_ENABLED: 'false' });
    try {
      const res = await call(off, 'GET', '/api/nowhere');
      expect(await rowsOf(off, res.requestId)).toEqual([]);
    } finally {
      await off.close();
    }
  });
});

describe('secrets never stored', () => {
  it('a login leaves no password, email, token or raw IP in its row', async () => {
    const user = await registerUser(t);
    const login = await call(t, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password }, ip: '198.51.100.77' });
    expect(login.res.status).toBe(200);
    const text = await rowText(t, login.requestId);
    expect(text).not.toContain(user.password);
    expect(text).not.toContain(user.email);
    expect(text).not.toContain(login.res.body.data.token);
    expect(text).not.toContain('198.51.100.77');
    const [row] = await rowsOf(t, login.requestId);
    expect(row!.ipHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.userAgent).toBe('planlyze-test/1.0');
  });

  it('a signed-in request stores no Authorization header', async () => {
    const me = await call(t, 'GET', '/api/auth/me', { token: admin.token });
    expect(await rowText(t, me.requestId)).not.toContain(admin.token.split('.')[2]!);
  });

  it('a share view stores the path with the token redacted', async () => {
    const analysis = await createAnalysis(t, admin);
    await completeAnalysis(t, analysis.id);
    const share = await t.request('POST', '/api/report-shares', { token: admin.token, body: { analysis_id: analysis.id } });
    const token = share.body.data.token as string;
    const view = await call(t, 'GET', `/api/report-shares/public/${token}`);
    expect(view.res.status).toBe(200);
    const text = await rowText(t, view.requestId);
    expect(text).not.toContain(token);
    expect((await rowsOf(t, view.requestId))[0]).toMatchObject({ path: '/api/report-shares/public/[redacted]', route: '/api/report-shares/public/:token' });
    const unmatched = await call(t, 'GET', `/api/report-shares/public/${token}/extra`);
    expect(await rowText(t, unmatched.requestId)).not.toContain(token);
  });

  it('a code in a body or query (e.g. a reset or verification code) and ?q= search text are not stored', async () => {
    const code = '834271';
    const reset = await call(t, 'POST', `/api/auth/reset-password?code=${code}&email=victim@example.com`, { body: { email: 'victim@example.com', code, new_password: 'N3w-password!' } });
    const text = await rowText(t, reset.requestId);
    for (const secret of [code, 'victim@example.com', 'N3w-password!']) expect(text).not.toContain(secret);
    const [row] = await rowsOf(t, reset.requestId);
    expect(row!.queryKeys).toEqual(['code', 'email']);
    expect(row!.query).toBeNull();

    const search = await call(t, 'GET', '/api/contact-messages?q=confidential-search&page=1&status=new', { token: admin.token });
    expect(search.res.status).toBe(200);
    expect(await rowText(t, search.requestId)).not.toContain('confidential-search');
    expect((await rowsOf(t, search.requestId))[0]).toMatchObject({ queryKeys: ['q', 'page', 'status'], query: { page: '1', status: 'new' } });
  });
});

const pending = (requestId: string): PendingLogRow => ({
  createdAt: new Date(),
  requestId,
  method: 'GET',
  route: '/api/test',
  path: '/api/test',
  queryKeys: [],
  query: null,
  status: 200,
  errorCode: null,
  durationMs: 1,
  userId: null,
  ip: '192.0.2.1',
  userAgent: null,
  requestBytes: null,
  responseBytes: null,
  runtime: 'node',
  keptBy: 'sample',
});

describe('Node batching', () => {
  it('queued rows are written as ONE multi-row INSERT', async () => {
    await flushRequestLogs(10_000);
    const inserts: string[] = [];
    t.database.endpoint.setFault(({ queries }) => {
      inserts.push(...queries.filter(isLogInsert));
      return undefined;
    });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await call(t, 'GET', '/api/credit-packages')).requestId);
    await flushRequestLogs(10_000);
    expect(inserts).toHaveLength(1);
    expect(inserts[0]!.match(/\), \(/g)?.length).toBe(2); // three value tuples
    for (const id of ids) expect(await rowsOf(t, id)).toHaveLength(1);
  });

  it('beyond the cap the oldest rows are dropped (and counted), the rest written on flush', async () => {
    const queue = new RequestLogQueue(t.db, { secretKey: t.config.secretKey, logLevel: 'silent' }, { maxRows: 3, flushAt: 100, intervalMs: 60_000 });
    const tag = crypto.randomUUID().slice(0, 8);
    let inserts = 0;
    t.database.endpoint.setFault(({ queries }) => {
      if (queries.some(isLogInsert)) inserts++;
      return undefined;
    });
    for (let i = 0; i < 5; i++) queue.push(pending(`cap-${tag}-${i}`));
    expect(queue.size).toBe(3);
    expect(queue.dropped).toBe(2);
    expect(inserts).toBe(0); // nothing written before the interval or flushAt
    await queue.flush();
    expect(inserts).toBe(1);
    const { rows } = await t.db.execute<{ request_id: string }>(sql`SELECT request_id FROM api_request_logs WHERE request_id LIKE ${`cap-${tag}-%`} ORDER BY request_id`);
    expect(rows.map((r) => r.request_id)).toEqual([`cap-${tag}-2`, `cap-${tag}-3`, `cap-${tag}-4`]);
  });

  it('reaching flushAt rows writes at once, without waiting for the interval', async () => {
    const queue = new RequestLogQueue(t.db, { secretKey: t.config.secretKey, logLevel: 'silent' }, { maxRows: 10, flushAt: 2, intervalMs: 60_000 });
    const tag = crypto.randomUUID().slice(0, 8);
    queue.push(pending(`at-${tag}-0`));
    queue.push(pending(`at-${tag}-1`));
    await queue.flush(); // joins the write already in flight
    const { rows } = await t.db.execute(sql`SELECT 1 FROM api_request_logs WHERE request_id LIKE ${`at-${tag}-%`}`);
    expect(rows).toHaveLength(2);
  });
});

describe('retention', () => {
  it('deletes rows older than the retention, oldest first, in bounded chunks; maintenance runs it', async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    await t.db.execute(sql`
      INSERT INTO api_request_logs (created_at, request_id, method, route, path, status, duration_ms, runtime, kept_by)
      SELECT now() - make_interval(days => 40, secs => g), ${`old-${tag}`}, 'GET', '/x', '/x', 200, 1, 'node', 'sample' FROM generate_series(1, 25) g`);
    await t.db.execute(sql`
      INSERT INTO api_request_logs (created_at, request_id, method, route, path, status, duration_ms, runtime, kept_by)
      VALUES (now() - interval '29 days', ${`recent-${tag}`}, 'GET', '/x', '/x', 200, 1, 'node', 'sample')`);
    const remaining = async (id: string) =>
      Number((await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM api_request_logs WHERE request_id = ${id}`)).rows[0]!.n);
    expect(await pruneRequestLogs(t.db, 30, 10)).toBe(10);
    expect(await remaining(`old-${tag}`)).toBe(15);
    expect(await pruneRequestLogs(t.db, 30, 10)).toBe(10);
    expect((await runMaintenance(t.db, t.config)).requestLogsPruned).toBe(5);
    expect(await remaining(`old-${tag}`)).toBe(0);
    expect(await remaining(`recent-${tag}`)).toBe(1);
  });
});

describe('GET /api-request-logs', () => {
  let viewer: TestUser;
  let someone: TestUser;
  const seeded: Record<string, string> = {};
  beforeAll(async () => {
    viewer = await userWithPermissions(t, ['view_request_logs']);
    someone = await registerUser(t);
    seeded.me = (await call(t, 'GET', '/api/auth/me', { token: someone.token, ip: '192.0.2.200' })).requestId;
    seeded.missing = (await call(t, 'GET', '/api/nothing-here', { ip: '192.0.2.201' })).requestId;
    seeded.bad = (await call(t, 'POST', '/api/auth/login', { body: {}, ip: '192.0.2.201' })).requestId;
    await flushRequestLogs(10_000);
  });

  const list = async (query: string) => {
    const res = await t.request('GET', `/api/api-request-logs?per_page=100&${query}`, { token: viewer.token });
    expect(res.status, res.text).toBe(200);
    return res.body.data as any[];
  };

  it('filters by request id, method, route, path prefix, status, status class, error code, user, email, ip, time and duration', async () => {
    expect((await list(`request_id=${seeded.me}`)).map((r) => r.request_id)).toEqual([seeded.me]);
    const mine = await list(`user_id=${someone.id}`);
    expect(mine.map((r) => r.request_id)).toContain(seeded.me);
    expect(mine.every((r) => r.user_id === someone.id)).toBe(true);
    expect((await list(`user_email=${encodeURIComponent(someone.email)}`)).map((r) => r.request_id)).toContain(seeded.me);
    expect(await list('user_email=nobody%40example.com')).toEqual([]);
    expect((await list('ip=192.0.2.201')).map((r) => r.request_id).sort()).toEqual([seeded.missing, seeded.bad].sort());
    const notFound = await list('status=404');
    expect(notFound.every((r) => r.status === 404)).toBe(true);
    expect(notFound.map((r) => r.request_id)).toContain(seeded.missing);
    const clientErrors = await list('status_class=4xx');
    expect(clientErrors.every((r) => r.status >= 400 && r.status < 500)).toBe(true);
    expect((await list('error_code=VALIDATION_ERROR')).map((r) => r.request_id)).toContain(seeded.bad);
    expect((await list('method=post&route=/api/auth/login')).every((r) => r.method === 'POST' && r.route === '/api/auth/login')).toBe(true);
    expect((await list('path=/api/nothing')).map((r) => r.request_id)).toContain(seeded.missing);
    expect(await list(`from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`)).toEqual([]);
    expect((await list('min_duration_ms=0&sort=duration_ms&order=desc')).length).toBeGreaterThan(0);
    expect(await list('min_duration_ms=86400000')).toEqual([]);
    const newest = await list('');
    expect(newest.map((r) => r.created_at)).toEqual([...newest.map((r) => r.created_at)].sort().reverse());
  });

  it('400 for bad filters', async () => {
    for (const query of ['status_class=6xx', 'user_id=nope', 'status=99', 'from=yesterday', 'ip=not-an-ip', 'sort=path']) {
      expectErrorEnvelope(await t.request('GET', `/api/api-request-logs?${query}`, { token: viewer.token }), 400, 'VALIDATION_ERROR');
    }
  });

  it('one entry with its user {id, email}; 404 for an unknown id', async () => {
    const [row] = await list(`request_id=${seeded.me}`);
    const one = await t.request('GET', `/api/api-request-logs/${row.id}`, { token: viewer.token });
    expect(one.body.data).toMatchObject({ id: row.id, user: { id: someone.id, email: someone.email } });
    const anonymous = (await list(`request_id=${seeded.missing}`))[0];
    expect((await t.request('GET', `/api/api-request-logs/${anonymous.id}`, { token: viewer.token })).body.data.user).toBeNull();
    expectErrorEnvelope(await t.request('GET', `/api/api-request-logs/${crypto.randomUUID()}`, { token: viewer.token }), 404, 'NOT_FOUND');
  });

  it('403 without view_request_logs; no write routes exist', async () => {
    expectErrorEnvelope(await t.request('GET', '/api/api-request-logs', { token: someone.token }), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(await t.request('GET', `/api/api-request-logs/${crypto.randomUUID()}`, { token: someone.token }), 403, 'AUTHORIZATION_ERROR');
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await t.request(method, method === 'POST' ? '/api/api-request-logs' : `/api/api-request-logs/${crypto.randomUUID()}`, { token: admin.token, body: {} });
      expectErrorEnvelope(res, 404, 'NOT_FOUND');
    }
  });
});
