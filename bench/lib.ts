/** Shared by bench/run.ts and bench/soak.ts: the server child process, scratch databases, load runs. */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Options, type Result } from 'autocannon';
import pg from 'pg';
import type { ReadyMessage, StatsResponse } from './server.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const RESULTS_DIR = join(ROOT, 'bench', 'results');

export const BENCH_ADMIN = { email: 'bench.admin@example.com', password: 'Bench-admin-password-2026' };

/** The server PostgreSQL scratch databases are made on (it must allow CREATE DATABASE). */
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type DatabaseKind = 'pglite' | 'pg';

export interface BenchServer {
  kind: DatabaseKind;
  ready: ReadyMessage;
  child: ChildProcess;
  logFile: string;
  stats(gc?: boolean): Promise<StatsResponse>;
  stop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function postgresVersion(): Promise<string | undefined> {
  try {
    return await withAdmin(async (c) => (await c.query<{ v: string }>('SHOW server_version')).rows[0]?.v);
  } catch {
    return undefined;
  }
}

/** A database of its own: a scratch PostgreSQL database or a temporary PGlite directory, removed by drop(). */
export async function scratchDatabase(kind: DatabaseKind): Promise<{ url: string; label: string; drop(): Promise<void> }> {
  const suffix = randomBytes(4).toString('hex');
  if (kind === 'pglite') {
    const dir = join(tmpdir(), `planlyze-bench-${suffix}`);
    return {
      url: dir,
      label: dir,
      drop: async () => {
        rmSync(dir, { recursive: true, force: true });
        rmSync(`${dir}.lock`, { force: true });
      },
    };
  }
  const name = `bench_${suffix}`;
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    url: withDatabase(PG_ADMIN_URL, name),
    label: name,
    drop: () => withAdmin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}

/**
 * Starts bench/server.ts in a child process (its own Node, like `npm start`) on the given database and
 * waits for it to have migrated, seeded and started listening. Its request log goes to a file.
 */
export async function startBenchServer(kind: DatabaseKind, databaseUrl: string, extraEnv: Record<string, string> = {}): Promise<BenchServer> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const logFile = join(RESULTS_DIR, `server-${kind}.log.tmp`);
  const logFd = openSync(logFile, 'w');
  const child = fork(join(ROOT, 'bench', 'server.ts'), [], {
    cwd: ROOT,
    // BENCH_NODE_ARGS adds flags to the server's Node, e.g. "--cpu-prof --cpu-prof-dir=bench/results/prof.tmp".
    execArgv: ['--expose-gc', '--import', 'tsx', ...(process.env.BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [])],
    stdio: ['ignore', logFd, 'inherit', 'ipc'],
    env: {
      ...process.env,
      // Development settings are production-grade where it matters here (scrypt N=2^14, r=8, p=5).
      APP_ENV: 'development',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      DATABASE_URL: databaseUrl,
      BENCH_DB: kind,
      ADMIN_EMAIL: BENCH_ADMIN.email,
      ADMIN_PASSWORD: BENCH_ADMIN.password,
      // Seeding registers ~35 users from one address; no registration is benchmarked.
      RATE_LIMIT_REGISTER_PER_IP: '100000',
      // The request log as production keeps it (SPEC-WAVE2 §15: 10 % of ordinary requests; errors and slow ones always).
      REQUEST_LOG_SAMPLE_RATE: '0.1',
      ANTHROPIC_API_KEY: '',
      ...extraEnv,
    },
  });
  closeSync(logFd);

  const ready = await new Promise<ReadyMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} bench server not ready after 10 minutes`)), 600_000);
    child.on('message', (message: { type?: string; message?: string }) => {
      if (message?.type === 'ready') {
        clearTimeout(timer);
        resolve(message as ReadyMessage);
      } else if (message?.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`${kind} bench server failed: ${message.message}`));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} bench server exited with ${code} before it was ready (log: ${logFile})`));
    });
  });

  return {
    kind,
    ready,
    child,
    logFile,
    stats: async (gc = false) => (await (await fetch(`${ready.ceilingUrl}/bench/stats${gc ? '?gc=1' : ''}`)).json()) as StatsResponse,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export function runLoad(options: Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon({ timeout: 30, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

export function machine() {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadavg: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  const inline = process.argv.find((a) => a.startsWith(`--${name}=`));
  return inline?.slice(name.length + 3);
}
