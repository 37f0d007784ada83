/**
 * The process under load for `npm run bench` and `npm run soak` (started by them, not by hand).
 *
 * It is `src/node.ts` plus instruments: the same database opening (openAppDatabase: migrations,
 * the local Neon-compatible endpoint), the same seed, the same `createApp()` served by
 * @hono/node-server with the same fetch wrapper. Next to it, on a second port of the SAME process
 * and database, the ceilings:
 *   GET  /ceiling/json              a bare Hono `c.json` route
 *   GET  /ceiling/health            one `select 1`
 *   GET  /ceiling/me                the session/user/role join of GET /auth/me, one query
 *   GET  /ceiling/analyses          50 list summaries with their total, one query
 * and, on the app, GET /bench/analyses-mapped: the analyses list served the way before issue 16 (rows mapped in JS)
 *   GET  /ceiling/credit-packages   the active packages, one query (no cache)
 *   POST /ceiling/login             the user's hash by email, one query, then the same scrypt verification
 *   POST /ceiling/payments          the payment INSERT … SELECT from package and method, one query
 * each straight on the database (PGlite: the embedded instance; PostgreSQL: a pg Pool of the same
 * size as the endpoint's): no auth, no ORM, no Neon protocol, no logging. And the instruments:
 *   GET  /bench/stats               the endpoint's round-trip counters and this process's memory
 *
 * It seeds realistic data through the API (one user with 50 analyses, 4 credit packages, login users,
 * an admin), then reports its ports and fixtures to the parent over IPC: { type: 'ready', … }.
 *
 * Configuration (environment, set by the parent): BENCH_DB = pglite | pg, DATABASE_URL (a PGlite data
 * directory or a postgres:// URL), BENCH_LOGIN_USERS (default 32), BENCH_BUYERS (default 2000), and the app's own variables.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import pg from 'pg';
import { createApp } from '../src/app.js';
import { buildOpenApiDocument } from '../src/http/openapi.js';
import { PRODUCTION_SCRYPT, verifyPassword } from '../src/auth/password.js';
import { parseConfig } from '../src/config.js';
import { createDb } from '../src/db/client.js';
import { seedDatabase } from '../src/db/seed.js';
import { socketAddresses } from '../src/http/context.js';
import { useBatchedStdoutLogs } from '../src/http/node-log.js';
import { openAppDatabase } from '../src/local/app-database.js';
import { issueSession } from '../src/auth/sessions.js';
import type { BatchItem } from 'drizzle-orm/batch';
import { mountMappedAnalyses } from './mapped-route.js';

export interface ReadyMessage {
  type: 'ready';
  database: 'pglite' | 'pg';
  appUrl: string;
  ceilingUrl: string;
  userToken: string;
  userId: string;
  packageId: string;
  paymentMethodId: string;
  etag: string;
  loginBodies: { email: string; password: string }[];
  /** Sessions of BENCH_BUYERS verified users (default 2000), for payments rotating over them (5 pending each at most). */
  buyerTokens: string[];
  seeded: { analyses: number; otherAnalyses: number; packages: number; loginUsers: number; seedMs: number };
}

export interface StatsResponse {
  roundTrips: number;
  statements: number;
  errors: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

const LOGIN_PASSWORD = 'Bench-password-2026';
const IDEAS = [
  'A mobile app that connects Damascus bakeries with nearby customers for morning bread delivery',
  'Solar panel rental for small shops in Aleppo with monthly payments through a mobile wallet',
  'An Arabic-first online tutoring marketplace for high-school students preparing for the baccalaureate',
  'A cold-chain logistics service for farmers in the Ghouta selling vegetables to Damascus restaurants',
  'منصة لحجز مواعيد الصيانة المنزلية في حمص مع تقييمات للفنيين ودفع عند الإنجاز',
];

function sectionContent(section: string, i: number) {
  // About 6–8 KB of JSON per section, the order of magnitude of a generated report section.
  const paragraph = `Section ${section} of analysis ${i}: ` + 'the local market shows steady demand, moderate competition and clear seasonality. '.repeat(12);
  return {
    summary: paragraph,
    points: Array.from({ length: 12 }, (_, k) => ({ title: `Point ${k + 1}`, detail: paragraph.slice(0, 400) })),
    ...(section === 'overview' ? { market_fit_score: 40 + (i % 50) } : {}),
  };
}

async function main() {
  const kind = process.env.BENCH_DB === 'pg' ? 'pg' : 'pglite';
  const started = Date.now();
  useBatchedStdoutLogs(); // as src/node.ts
  const database = await openAppDatabase(process.env.DATABASE_URL);
  if (!database.endpoint || !database.backend) throw new Error('the benchmark needs a local database (PGlite or PostgreSQL), not Neon');
  const endpoint = database.endpoint;
  const backend = database.backend;
  const env: Record<string, string> = Object.fromEntries(
    Object.entries({ ...process.env, DATABASE_URL: database.databaseUrl }).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  const config = parseConfig(env);
  const db = createDb(config.databaseUrl);
  await seedDatabase(db, config);
  const app = createApp({ openApiDocument: buildOpenApiDocument });
  mountMappedAnalyses(app); // issue 16's comparison: GET /bench/analyses-mapped

  // ------------------------------------------------------------------------------------- direct SQL
  const ceilingPool = backend.kind === 'pg' ? new pg.Pool({ connectionString: backend.connectionString, max: 10 }) : undefined;
  ceilingPool?.on('error', () => {});
  const query = async <T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> => {
    if (ceilingPool) return (await ceilingPool.query(text, params)).rows as T[];
    if (backend.kind === 'pglite') return (await backend.db.query<T>(text, params)).rows;
    throw new Error('unreachable');
  };

  // --------------------------------------------------------------------------------------- seeding
  const call = async (method: string, path: string, body?: unknown, token?: string, headers: Record<string, string> = {}) => {
    const res = await app.request(
      path,
      {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      },
      env,
    );
    const text = await res.text();
    if (res.status >= 300 && res.status !== 304) throw new Error(`seed: ${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
    return { res, data: text ? (JSON.parse(text) as { data: any }).data : undefined };
  };

  const admin = (await call('POST', '/api/auth/login', { email: config.admin!.email, password: config.admin!.password })).data.token as string;
  const user = (await call('POST', '/api/auth/register', { email: 'bench.owner@example.com', password: LOGIN_PASSWORD, full_name: 'Bench Owner' })).data;
  const userToken: string = user.token;
  const userId: string = user.user.id;
  // Payments need a verified email (SPEC-WAVE2 §11.6); the code mail itself is not what is measured.
  await query('UPDATE users SET email_verified_at = now() WHERE id = $1', [userId]);

  for (let i = 0; i < 50; i++) {
    await call('POST', '/api/analyses', { business_idea: IDEAS[i % IDEAS.length], industry: 'food', location: 'Damascus', report_language: i % 4 === 0 ? 'ar' : 'en' }, userToken);
  }
  // 40 of the 50 get report bodies (20 of them premium), as generation would have left them.
  const ids = await query<{ id: string }>('SELECT id::text AS id FROM analyses WHERE user_id = $1 ORDER BY created_at', [userId]);
  for (const [i, { id }] of ids.slice(0, 40).entries()) {
    const premium = i < 20;
    const sections = premium ? ['overview', 'market', 'business', 'technical', 'financial', 'strategy'] : ['overview', 'market'];
    if (premium) await query("UPDATE analyses SET report_type = 'premium' WHERE id = $1", [id]);
    for (const section of sections) {
      await query(
        `INSERT INTO analysis_sections (analysis_id, section, status, content) VALUES ($1, $2, 'completed', $3::jsonb)
         ON CONFLICT (analysis_id, section) DO UPDATE SET status = 'completed', content = excluded.content`,
        [id, section, JSON.stringify(sectionContent(section, i))],
      );
    }
    await query("UPDATE analyses SET status = 'completed', market_fit_score = $2 WHERE id = $1", [id, 40 + (i % 50)]);
  }

  // Other people's data around it, so the list query has to pick this user's rows out of more.
  const others = 8;
  for (let u = 0; u < others; u++) {
    await query(
      `WITH u AS (
         INSERT INTO users (email, password_hash, role_id, referral_code)
         SELECT $1, password_hash, role_id, $2 FROM users WHERE id = $3 RETURNING id)
       INSERT INTO analyses (user_id, business_idea, industry, location, report_language, status)
       SELECT u.id, 'Someone else''s idea number ' || g || ' about a service in Homs', 'services', 'Homs', 'en', 'completed'
       FROM u, generate_series(1, 60) AS g`,
      [`bench.other.${u}@example.com`, `BENCHOT${u}`, userId],
    );
  }

  // 4 credit packages (the seed makes 2 when the catalog is empty).
  let packages = (await call('GET', '/api/credit-packages?include_inactive=true', undefined, admin)).data as { id: string }[];
  for (let i = packages.length; i < 4; i++) {
    await call('POST', '/api/credit-packages', { name: `Bench pack ${i + 1}`, name_ar: `باقة ${i + 1}`, credits: 10 * (i + 1), price_usd: 9.99 * (i + 1), features: ['Premium reports', 'AI chat'], sort_order: 10 + i }, admin);
  }
  packages = (await call('GET', '/api/credit-packages', undefined)).data as { id: string }[];
  const methods = (await call('GET', '/api/payment-methods', undefined)).data as { id: string }[];
  const etag = (await call('GET', '/api/credit-packages', undefined)).res.headers.get('etag') ?? '';

  // Login users: logins rotate over them, as many people signing in do (and as the per-email limit expects).
  const loginUsers = Number(process.env.BENCH_LOGIN_USERS ?? 32);
  const loginBodies: { email: string; password: string }[] = [];
  for (let i = 0; i < loginUsers; i += 4) {
    const batch = Array.from({ length: Math.min(4, loginUsers - i) }, (_, k) => ({ email: `bench.login.${i + k}@example.com`, password: LOGIN_PASSWORD }));
    await Promise.all(batch.map((b) => call('POST', '/api/auth/register', b)));
    loginBodies.push(...batch);
  }

  // Buyers for POST /api/payments: SPEC-WAVE2 §0.1 allows a user 5 pending payments, so the load rotates over many
  // verified users, each with a session (made directly: registering them would cost a scrypt hash each).
  const buyerCount = Number(process.env.BENCH_BUYERS ?? 2000);
  const buyerIds = await query<{ id: string }>(
    `INSERT INTO users (email, password_hash, role_id, referral_code, email_verified_at)
     SELECT 'bench.buyer.' || g || '@example.com', password_hash, role_id, 'B' || lpad(g::text, 7, '0'), now()
     FROM users, generate_series(1, $2::int) AS g WHERE users.id = $1
     RETURNING id::text AS id`,
    [userId, buyerCount],
  );
  const buyerTokens: string[] = [];
  for (let i = 0; i < buyerIds.length; i += 250) {
    const sessions = await Promise.all(buyerIds.slice(i, i + 250).map((b) => issueSession(db, config, b.id)));
    await db.batch(sessions.map((s) => s.insert) as unknown as [BatchItem<'pg'>]);
    buyerTokens.push(...sessions.map((s) => s.token));
  }

  // Planner statistics, as a running database has them (autovacuum analyzes a table once enough rows changed,
  // within a minute or so). Without this, the runs before autovacuum's first pass plan with guessed row
  // counts and the runs after it do not: an order effect of up to 30 % on the PostgreSQL-built list (issue 16).
  await query('ANALYZE');

  // ------------------------------------------------------------------------------------- ceilings
  const session = JSON.parse(Buffer.from(userToken.split('.')[1]!, 'base64url').toString()) as { sub: string; jti: string };
  const packageId = packages[0]!.id;
  const paymentMethodId = methods[0]!.id;
  const now = () => new Date().toISOString();
  const envelope = (data: unknown) => ({ success: true, message: 'Success', data, timestamp: now() });

  const ceiling = new Hono()
    .get('/ceiling/json', (c) => c.json(envelope({ status: 'ok', database: 'up', version: '0.1.0' })))
    .get('/ceiling/health', async (c) => {
      await query('SELECT 1');
      return c.json(envelope({ status: 'ok', database: 'up', version: '0.1.0' }));
    })
    .get('/ceiling/me', async (c) => {
      const rows = await query(
        `SELECT u.id, u.email, u.full_name, u.display_name, u.language, u.credits, u.is_active, u.referral_code,
                u.phone_number, u.country, u.city, u.notification_preferences, u.onboarding_completed, u.onboarding_step,
                u.created_at, u.updated_at, u.last_login_at, r.name AS role, r.permissions
         FROM auth_sessions s JOIN users u ON u.id = s.user_id JOIN roles r ON r.id = u.role_id
         WHERE s.jti = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.is_active
         LIMIT 1`,
        [session.jti, session.sub],
      );
      return c.json(envelope(rows[0]));
    })
    .get('/ceiling/analyses', async (c) => {
      const rows = await query<Record<string, unknown> & { total: string }>(
        `SELECT id, left(business_idea, 280) AS business_idea, industry, location, status, report_type, report_language,
                market_fit_score, created_at, updated_at, count(*) OVER () AS total
         FROM analyses WHERE user_id = $1 AND deleted_at IS NULL
         ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET 0`,
        [userId],
      );
      const total = Number(rows[0]?.total ?? 0);
      const data = rows.map(({ total: _t, ...row }) => row);
      return c.json({ success: true, message: 'Success', data, pagination: { page: 1, per_page: 50, total, pages: Math.ceil(total / 50) }, timestamp: now() });
    })
    .get('/ceiling/credit-packages', async (c) => {
      const rows = await query('SELECT * FROM credit_packages WHERE is_active ORDER BY sort_order, name, id');
      return c.json({ success: true, message: 'Success', data: rows, pagination: { page: 1, per_page: 20, total: rows.length, pages: 1 }, timestamp: now() });
    })
    .post('/ceiling/login', async (c) => {
      const { email, password } = await c.req.json<{ email: string; password: string }>();
      const rows = await query<{ id: string; password_hash: string; is_active: boolean }>('SELECT id, password_hash, is_active FROM users WHERE email = $1', [email]);
      const ok = rows[0] ? (await verifyPassword(password, rows[0].password_hash, PRODUCTION_SCRYPT)).ok : false;
      return ok ? c.json(envelope({ id: rows[0]!.id })) : c.json({ success: false }, 401);
    })
    .post('/ceiling/payments', async (c) => {
      const body = await c.req.json<{ package_id: string; payment_method_id: string; payment_proof: string }>();
      const rows = await query(
        `INSERT INTO payments (user_id, package_id, payment_method_id, quantity, credits, list_price_usd, discount_usd, amount_usd, payment_proof)
         SELECT $1, p.id, m.id, 1, p.credits, p.price_usd, 0, p.price_usd, $4
         FROM credit_packages p JOIN payment_methods m ON m.id = $3 AND m.is_active
         WHERE p.id = $2 AND p.is_active
         RETURNING *`,
        [userId, body.package_id, body.payment_method_id, body.payment_proof],
      );
      return c.json(envelope(rows[0]), 201);
    })
    .get('/bench/stats', (c) => {
      if (c.req.query('gc') === '1') (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      const stats: StatsResponse = { ...endpoint.stats, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
      return c.json(stats);
    });

  // ------------------------------------------------------------------------------------- serving
  const listen = (fetch: (request: Request, info: any) => Response | Promise<Response>) =>
    new Promise<{ server: ServerType; port: number }>((resolve) => {
      const server = serve({ port: 0, hostname: '127.0.0.1', fetch }, (addr) => resolve({ server, port: addr.port }));
    });
  const appServer = await listen((request, info: { incoming?: { socket?: { remoteAddress?: string } } }) => {
    const address = info?.incoming?.socket?.remoteAddress;
    if (address) socketAddresses.set(request, address.replace(/^::ffff:/, ''));
    return app.fetch(request, env);
  });
  const ceilingServer = await listen((request) => ceiling.fetch(request));

  const analysesSeeded = (await query<{ n: string }>('SELECT count(*)::text AS n FROM analyses WHERE user_id = $1', [userId]))[0]!.n;
  const ready: ReadyMessage = {
    type: 'ready',
    database: kind,
    appUrl: `http://127.0.0.1:${appServer.port}`,
    ceilingUrl: `http://127.0.0.1:${ceilingServer.port}`,
    userToken,
    userId,
    packageId,
    paymentMethodId,
    etag,
    loginBodies,
    buyerTokens,
    seeded: { analyses: Number(analysesSeeded), otherAnalyses: others * 60, packages: packages.length, loginUsers, seedMs: Date.now() - started },
  };
  process.send?.(ready);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    // Like src/node.ts: let requests still in flight (a load run's last ones) finish before the database closes.
    const closed = (server: ServerType) => new Promise<void>((resolve) => server.close(() => resolve()));
    void (async () => {
      await Promise.all([closed(appServer.server), closed(ceilingServer.server)]);
      await ceilingPool?.end().catch(() => {});
      await database.close().catch(() => {});
      process.exit(0);
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.send?.({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
