/**
 * The test harness (CONVENTIONS §12): the real app (createApp) against a fresh, migrated, seeded
 * database of its own per test file, reached through the real Neon driver and the local endpoint.
 * Requests go through `app.request`, exactly as production dispatches them.
 */
import { sql } from 'drizzle-orm';
import { createApp } from '../../src/app.js';
import { buildOpenApiDocument } from '../../src/http/openapi.js';
import { parseConfig, type Config } from '../../src/config.js';
import { createDb, type Database } from '../../src/db/client.js';
import { seedDatabase } from '../../src/db/seed.js';
import { decryptSecrets } from '../../src/email/crypto.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { logRequestCost, measured, type RequestCost } from './round-trip-log.js';

export const ADMIN = { email: 'admin@planlyze.test', password: 'Admin-password-123' } as const;

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
  /** What this request cost the database (exact under concurrency, see round-trip-log.ts). */
  cost: RequestCost;
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body text (for malformed JSON / wrong content type tests). */
  rawBody?: string | Uint8Array;
  token?: string;
  headers?: Record<string, string>;
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  env: Record<string, string>;
  config: Config;
  db: Database;
  database: TestDatabase;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  /** Runs fn and returns how many database round trips it cost. */
  countRoundTrips(fn: () => Promise<unknown>): Promise<number>;
  close(): Promise<void>;
}

let emailCounter = 0;
export const uniqueEmail = (prefix = 'user') => `${prefix}.${Date.now().toString(36)}.${++emailCounter}@example.test`;

export interface TestAppOptions {
  /** Adds test-only routes before the first request (Hono freezes its router on first use). */
  extend?: (app: ReturnType<typeof createApp>) => void;
  /** Default: PostgreSQL when TEST_DATABASE_URL is set, else PGlite (a suite may run on both). */
  databaseKind?: 'pglite' | 'pg';
}

export async function createTestApp(envOverrides: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase({ kind: options.databaseKind });
  const env: Record<string, string> = {
    APP_ENV: 'test',
    DATABASE_URL: database.databaseUrl,
    LOG_LEVEL: 'silent',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    // Most suites register many users from one address; the rate-limit suite sets its own limits.
    RATE_LIMIT_REGISTER_PER_IP: '100000',
    RATE_LIMIT_LOGIN_PER_IP: '100000',
    // Request logs are written after the response (SPEC-WAVE2 §15.2), so a queued write could land inside
    // another request's round-trip count; the suites that count turn it off, test/api/public-site turns it on.
    REQUEST_LOG_ENABLED: 'false',
    // Mail waits in the outbox unless a suite opts in (test/email/* point EMAIL_PROVIDER=zeptomail at a fake):
    // nothing is dispatched behind other suites' backs, so their round-trip counts stay exact.
    EMAIL_PROVIDER: 'none',
    ...envOverrides,
  };
  const config = parseConfig(env);
  const db = createDb(config.databaseUrl);
  await seedDatabase(db, config);
  const app = createApp({ openApiDocument: buildOpenApiDocument });
  options.extend?.(app);

  async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers = new Headers(options.headers);
    let body: BodyInit | undefined;
    if (options.rawBody !== undefined) body = options.rawBody as BodyInit;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    if (options.token) headers.set('authorization', `Bearer ${options.token}`);
    const { result: res, cost } = await measured(async () => app.request(path, { method, headers, body }, env));
    const text = await res.text();
    logRequestCost(method, path, res.status, cost);
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text, cost };
  }

  return {
    app,
    env,
    config,
    db,
    database,
    request,
    async countRoundTrips(fn) {
      const before = database.endpoint.stats.roundTrips;
      await fn();
      return database.endpoint.stats.roundTrips - before;
    },
    close: () => database.close(),
  };
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  token: string;
}

/**
 * A registered AND verified user (SPEC-WAVE2 §11.6), verified through the real flow: the code is read
 * from the verification mail in the outbox (decrypted like the sender does) and posted to
 * /auth/verify-email. Use registerUnverifiedUser for a user who has not verified yet.
 */
export async function registerUser(t: TestApp, overrides: Record<string, unknown> = {}): Promise<TestUser> {
  const user = await registerUnverifiedUser(t, overrides);
  if (t.config.email.requireVerification) {
    const code = await latestCode(t, user.id, 'email_verification');
    const res = await t.request('POST', '/api/auth/verify-email', { token: user.token, body: { code } });
    if (res.status !== 200) throw new Error(`verification failed: ${res.status} ${res.text}`);
  }
  return user;
}

/** A registered user whose email is not verified yet (credits 0, the verified-only routes answer 403). */
export async function registerUnverifiedUser(t: TestApp, overrides: Record<string, unknown> = {}): Promise<TestUser> {
  const email = (overrides.email as string | undefined) ?? uniqueEmail();
  const password = (overrides.password as string | undefined) ?? 'Password-123';
  const res = await t.request('POST', '/api/auth/register', { body: { email, password, ...overrides } });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
  return { id: res.body.data.user.id, email, password, token: res.body.data.token };
}

/** A six-digit code that is certainly not `code` (a wrong guess for the verification and reset suites). */
export const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

/**
 * The one-time code of the user's newest mail of `template` (email_verification or password_reset_code),
 * read from the outbox as the sender reads it (the secret is encrypted in the row).
 */
export async function latestCode(t: TestApp, userId: string, template: 'email_verification' | 'password_reset_code'): Promise<string> {
  const rows = await t.db.execute<{ secret_ciphertext: string | null }>(sql`
    SELECT secret_ciphertext FROM email_outbox WHERE user_id = ${userId} AND template_key = ${template}
    ORDER BY created_at DESC, id LIMIT 1`);
  const ciphertext = rows.rows[0]?.secret_ciphertext;
  if (!ciphertext) throw new Error(`no ${template} mail with a code for user ${userId}`);
  const secrets = await decryptSecrets(t.config.secretKey, ciphertext);
  if (!secrets?.code) throw new Error('the outbox secret could not be decrypted');
  return secrets.code;
}

export async function loginAdmin(t: TestApp): Promise<TestUser> {
  const res = await t.request('POST', '/api/auth/login', { body: ADMIN });
  if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${res.text}`);
  return { id: res.body.data.user.id, email: ADMIN.email, password: ADMIN.password, token: res.body.data.token };
}

/** Asserts the SPEC §1 error envelope and returns it. */
export function expectErrorEnvelope(res: ApiResponse, status: number, code: string) {
  const b = res.body;
  if (!b || b.success !== false || b.error_code !== code || b.status_code !== status || res.status !== status) {
    throw new Error(`expected ${status} ${code}, got ${res.status}: ${res.text.slice(0, 500)}`);
  }
  if (typeof b.error !== 'string' || typeof b.request_id !== 'string' || typeof b.timestamp !== 'string') {
    throw new Error(`error envelope incomplete: ${res.text.slice(0, 500)}`);
  }
  return b;
}

export function issuePaths(res: ApiResponse): string[] {
  return (res.body?.details?.issues ?? []).map((i: { path: string }) => i.path);
}

/** A signed-in user whose (custom) role holds exactly `permissions`. */
export async function userWithPermissions(t: TestApp, permissions: string[]): Promise<TestUser> {
  const user = await registerUser(t);
  const roleName = `role_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await t.db.execute(sql`INSERT INTO roles (name, permissions) VALUES (${roleName}, ${`{${permissions.join(',')}}`}::text[])`);
  await t.db.execute(sql`UPDATE users SET role_id = (SELECT id FROM roles WHERE name = ${roleName}) WHERE id = ${user.id}`);
  return user;
}

/** Sum of a user's ledger rows and their cached balance: the SPEC §3 invariant, for assertions. */
export async function ledgerInvariant(t: TestApp, userId: string): Promise<{ balance: number; ledgerSum: number }> {
  const rows = await t.db.execute<{ balance: number; ledger_sum: string }>(sql`
    SELECT u.credits AS balance, COALESCE((SELECT sum(credits) FROM transactions WHERE user_id = u.id), 0)::text AS ledger_sum
    FROM users u WHERE u.id = ${userId}`);
  const row = rows.rows[0]!;
  return { balance: Number(row.balance), ledgerSum: Number(row.ledger_sum) };
}
