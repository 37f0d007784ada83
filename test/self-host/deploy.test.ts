/**
 * Issue 10 §1: self-hosting on Node as the README's "Self-hosting on Node" says, end to end.
 *
 *   npm run build  →  copy exactly dist/, drizzle/, package.json, package-lock.json into a fresh folder
 *   →  npm ci --omit=dev  →  (PGlite removed: a PostgreSQL deployment must never load it)
 *   →  a fresh PostgreSQL database  →  start:prod refuses it (no migrations)  →  db:migrate:prod (twice)
 *   →  start:prod with APP_ENV=production and strong secrets  →  register → login → me → catalog read
 *   →  SIGTERM exits 0.
 *
 * Needs a PostgreSQL server (SELF_HOST_PG_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
 * allowed to CREATE DATABASE; skipped, with a message, only when none answers. Slow (a build and an npm ci):
 * its own config, `npm run test:self-host`, not part of `npm test`. .ci/run runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_URL = process.env.SELF_HOST_PG_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** What a deployment ships (README "Self-hosting on Node"). */
const SHIPPED = ['dist', 'drizzle', 'package.json', 'package-lock.json'];

async function serverAnswers(): Promise<string | null> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return String((error as Error).message ?? error);
  } finally {
    await client.end().catch(() => {});
  }
}

const unreachable = await serverAnswers();
if (unreachable) console.warn(`self-host: skipped, no PostgreSQL answers at ${redact(ADMIN_URL)} (${unreachable}). CI starts one.`);

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** A shell-like environment: none of this test process's settings (DATABASE_URL, npm_config_* …) leak in. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TERM', 'USER'];
  return { ...Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])), NO_COLOR: '1', ...extra };
}

interface Run {
  code: number | null;
  output: string;
  ms: number;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 240_000): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

const steps: string[] = [];
const timed = async <T extends Run>(name: string, work: Promise<T>): Promise<T> => {
  const result = await work;
  steps.push(`${name}: ${(result.ms / 1000).toFixed(1)} s`);
  return result;
};

describe.skipIf(Boolean(unreachable))('self-hosting on Node: build, ship, npm ci --omit=dev, migrate, start', () => {
  const folder = mkdtempSync(join(tmpdir(), 'planlyze-selfhost-'));
  const dbName = `planlyze_selfhost_${Date.now().toString(36)}_${process.pid}`;
  const databaseUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString();
  const adminEmail = 'selfhost.admin@example.com';
  const adminPassword = `Admin-${randomBytes(12).toString('base64url')}`;
  const productionEnv = (port: number) =>
    cleanEnv({
      APP_ENV: 'production',
      DATABASE_URL: databaseUrl,
      JWT_SECRET_KEY: randomBytes(48).toString('base64'),
      SECRET_KEY: randomBytes(48).toString('base64'),
      CORS_ORIGINS: 'https://app.example.com',
      // SPEC-WAVE2 §11.10: production mails through the provider; here it points at a closed local port.
      EMAIL_API_KEY: randomBytes(24).toString('base64'),
      EMAIL_API_BASE_URL: 'https://127.0.0.1:9',
      EMAIL_FROM: 'no-reply@example.com',
      APP_URL: 'https://app.example.com',
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: adminPassword,
      PORT: String(port),
      LOG_LEVEL: 'info',
    });
  let server: ChildProcess | undefined;
  const started = Date.now();

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${dbName}"`);
    await admin.end();
  });

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    rmSync(folder, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
    console.info(`self-host: ${steps.join('; ')}; total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('builds dist/ and installs only production dependencies in a fresh folder', { timeout: 300_000 }, async () => {
    const build = await timed('npm run build', run('npm', ['run', 'build'], ROOT, cleanEnv()));
    expect(build.code, build.output).toBe(0);
    expect(existsSync(join(ROOT, 'dist', 'node.js'))).toBe(true);
    expect(existsSync(join(ROOT, 'dist', 'migrate.js'))).toBe(true);

    for (const entry of SHIPPED) cpSync(join(ROOT, entry), join(folder, entry), { recursive: true });
    expect(readdirSync(folder).sort()).toEqual([...SHIPPED].sort());

    const install = await timed(
      'npm ci --omit=dev',
      run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], folder, cleanEnv()),
    );
    expect(install.code, install.output).toBe(0);
    expect(install.output).not.toContain('EBADENGINE');
    // No development tooling in a production install.
    for (const tool of ['tsx', 'drizzle-kit', 'wrangler', 'vitest']) expect(existsSync(join(folder, 'node_modules', '.bin', tool)), tool).toBe(false);
    // npm installs PGlite anyway (an optional peer of drizzle-orm that the lockfile holds): remove it, so
    // the steps below prove that a PostgreSQL deployment never loads it.
    rmSync(join(folder, 'node_modules', '@electric-sql'), { recursive: true, force: true });
  });

  it('start:prod refuses a database without migrations, with a clear message', { timeout: 60_000 }, async () => {
    const refused = await timed('start:prod (unmigrated)', run('npm', ['run', '--silent', 'start:prod'], folder, productionEnv(await freePort()), 30_000));
    expect(refused.code, refused.output).toBe(1);
    expect(refused.output).toMatch(/Refusing to start: the database lacks \d+ migration\(s\) \(0000_init, .*npm run db:migrate:prod/s);
    expect(refused.output).not.toMatch(/\n\s+at /); // one line, no stack
  });

  it('db:migrate:prod applies every migration once, then has nothing to do', { timeout: 60_000 }, async () => {
    const env = cleanEnv({ DATABASE_URL: databaseUrl });
    const first = await timed('db:migrate:prod', run('npm', ['run', '--silent', 'db:migrate:prod'], folder, env, 30_000));
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(/Applied \d+ migration\(s\)/);
    const again = await run('npm', ['run', '--silent', 'db:migrate:prod'], folder, env, 30_000);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('Nothing to apply');
  });

  it('start:prod serves register → login → me → a catalog read, on 127.0.0.1, and exits 0 on SIGTERM', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const t0 = Date.now();
    const child = spawn('npm', ['run', '--silent', 'start:prod'], { cwd: folder, env: productionEnv(port), stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );

    const base = `http://127.0.0.1:${port}/api`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`start:prod exited early (${child.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`start:prod did not answer:\n${output}`);
      const res = await fetch(`${base}/health`).catch(() => undefined);
      if (res?.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    steps.push(`start:prod until healthy: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(output).toContain(`http://127.0.0.1:${port}/api`);
    expect(output).toMatch(/"msg":"admin (created|exists)"/);
    expect(output).not.toContain(adminPassword);

    const json = async (method: string, path: string, body?: unknown, token?: string) => {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (token) headers.authorization = `Bearer ${token}`;
      const res = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return { status: res.status, body: (await res.json()) as any };
    };

    const email = `selfhost.${Date.now().toString(36)}@example.com`;
    const registered = await json('POST', '/auth/register', { email, password: 'Selfhost-user-pass-1', full_name: 'Self Host' });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(registered.body.data.user.email).toBe(email);

    // The bootstrap admin (registration may require a verified email before some routes).
    const login = await json('POST', '/auth/login', { email: adminEmail, password: adminPassword });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    const me = await json('GET', '/auth/me', undefined, login.body.data.token);
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    expect(me.body.data).toMatchObject({ email: adminEmail, role: 'super_admin' });

    const catalog = await json('GET', '/credit-packages');
    expect(catalog.status).toBe(200);
    expect(catalog.body.data.length).toBeGreaterThan(0);

    child.kill('SIGTERM');
    const exit = await exited;
    expect(exit, output).toEqual({ code: 0, signal: null });
    expect(output).not.toMatch(/pglite/i);
  });
});
