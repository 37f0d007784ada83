/**
 * `npm run dev [-- <extra wrangler dev flags>]`: the Worker under `wrangler dev`, on the embedded
 * database, with no account, network or Docker (SPEC §9).
 *
 *   Node (this process)                         workerd (wrangler dev)
 *   .data/pglite ─ SQL endpoint ─ HTTP :8788 ◄── neon-http ◄── the app (src/index.ts)
 *
 * workerd cannot load PGlite, so this process owns the database: it opens it (locked, migrated),
 * seeds it, serves the local Neon-compatible endpoint over HTTP on 127.0.0.1, and hands the Worker
 * DATABASE_URL=postgres://planlyze:local@127.0.0.1:<port>/planlyze; src/index.ts sends loopback hosts
 * to http://host:port/sql (routeLoopbackToLocalEndpoint). With DATABASE_URL set to a PostgreSQL
 * server, that server is served the same way.
 *
 * Environment: PORT (Worker, default 8787), DEV_SQL_PORT (endpoint, default 8788), ADMIN_EMAIL /
 * ADMIN_PASSWORD (seeded super admin). Every other setting (ANTHROPIC_API_KEY, CORS_ORIGINS, …) reaches
 * the Worker from the shell or from .dev.vars, the shell winning (./support/dev-env.ts). Offline, the
 * start is quiet: no metrics, no update check, no Request.cf download.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfig } from '../src/config.js';
import { createDb } from '../src/db/client.js';
import { seedDatabase } from '../src/db/seed.js';
import { DEFAULT_PGLITE_DIR, isNeonUrl, openAppDatabase, type AppDatabase } from '../src/local/app-database.js';
import { DataDirLockedError } from '../src/local/data-dir-lock.js';
import { serveSqlEndpoint, type SqlHttpServer } from '../src/local/http-server.js';
import { localDatabaseUrl } from '../src/local/neon-local.js';
import { describeTarget } from './support/describe-target.js';
import { devEnvFile, QUIET_WRANGLER_ENV } from './support/dev-env.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const WRANGLER = 'node_modules/.bin/wrangler';
const READY_TIMEOUT_MS = 90_000;

function portFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  const port = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError([`${name} must be a port number`]);
  return port;
}

async function main() {
  const workerPort = portFrom('PORT', 8787);
  const endpointPort = portFrom('DEV_SQL_PORT', 8788);
  const url = process.env.DATABASE_URL?.trim() || undefined;
  if (url && isNeonUrl(url)) {
    throw new ConfigError([
      'npm run dev serves a local database; for Neon run `wrangler dev` yourself with DATABASE_URL in .dev.vars',
    ]);
  }
  parseConfig(process.env); // refuse a bad configuration (e.g. ADMIN_PASSWORD too short) before opening anything
  for (const [port, what, setting] of [[workerPort, 'wrangler dev', 'PORT'], [endpointPort, 'local SQL endpoint', 'DEV_SQL_PORT']] as const) {
    if (!(await portIsFree(port))) {
      throw new ConfigError([`port ${port} (${what}) is in use; stop what runs there or set ${setting} to a free port`]);
    }
  }

  const database = await openAppDatabase(url);
  let sqlServer: SqlHttpServer;
  try {
    const config = parseConfig({ ...process.env, DATABASE_URL: database.databaseUrl });
    await seedDatabase(createDb(database.databaseUrl), config);
    sqlServer = await serveSqlEndpoint(requireEndpoint(database), { host: '127.0.0.1', port: endpointPort });
  } catch (e) {
    await database.close().catch(() => {});
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError([`port ${endpointPort} (local SQL endpoint) is in use; set DEV_SQL_PORT to a free port`]);
    }
    throw e;
  }
  // The Worker's settings: .dev.vars (else .env) and then the shell's, in a private file wrangler reads.
  const envDir = mkdtempSync(join(tmpdir(), 'planlyze-dev-'));
  const envFile = join(envDir, 'worker.env');
  const settings = devEnvFile(ROOT, process.env);
  writeFileSync(envFile, settings.text, { mode: 0o600 });
  const cleanup = async () => {
    rmSync(envDir, { recursive: true, force: true });
    await sqlServer.close().catch(() => {});
    await database.close().catch(() => {});
  };

  const args = [
    'dev',
    '--ip', '127.0.0.1',
    '--port', String(workerPort),
    '--show-interactive-dev-session=false',
    '--env-file', envFile,
    // --var wins over wrangler.toml [vars] and .dev.vars, and wrangler hides its value in its output.
    '--var', `DATABASE_URL:${localDatabaseUrl(sqlServer.port)}`,
    ...process.argv.slice(2),
  ];
  const wrangler = spawn(WRANGLER, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...QUIET_WRANGLER_ENV },
  });
  const exited = new Promise<number>((resolve) => {
    wrangler.on('exit', (code, signal) => resolve(code ?? (signal ? 0 : 1)));
    wrangler.on('error', (error) => {
      console.error(`Could not start ${WRANGLER}: ${error.message} (run npm install?)`);
      resolve(1);
    });
  });

  // Ctrl-C in a terminal reaches wrangler too (same process group); a SIGTERM from a supervisor
  // reaches only us. Either way: stop wrangler, then close the endpoint and the database.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (wrangler.exitCode === null && wrangler.signalCode === null) {
      wrangler.kill(signal);
      // workerd normally stops within a second; never hang the terminal on it.
      setTimeout(() => wrangler.kill('SIGKILL'), 5_000).unref();
    }
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const base = `http://127.0.0.1:${workerPort}`;
  void waitUntilServing(`${base}/api/health`, exited).then((ready) => {
    if (ready) {
      console.log(
        `\nPlanlyze API (wrangler dev): ${base}/api  — docs ${base}/api/docs\n` +
          `Database: ${describeTarget(url, DEFAULT_PGLITE_DIR)} via the local SQL endpoint ${sqlServer.url}. Ctrl-C stops both.\n` +
          `Worker settings: wrangler.toml [vars]${settings.from ? `, ${settings.from}` : ''}` +
          `${settings.passed.length ? `, and from the shell: ${settings.passed.join(', ')}` : ''}.\n`,
      );
    } else if (!stopping) {
      console.error(`wrangler dev did not answer on ${base} within ${READY_TIMEOUT_MS / 1000}s.`);
    }
  });

  const code = await exited;
  stopping = true;
  await cleanup();
  return code;
}

/** Checked up front so a busy port is refused before the database is opened and migrated. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function requireEndpoint(database: AppDatabase) {
  if (!database.endpoint) throw new Error('expected a local database');
  return database.endpoint;
}

/** Polls until the Worker answers with our JSON envelope (any status), wrangler exits, or the timeout passes. */
async function waitUntilServing(url: string, exited: Promise<number>): Promise<boolean> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!gone && Date.now() < deadline) {
    try {
      // Our envelope, not just any answer: something else could be listening on that port.
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      const body = (await res.json().catch(() => null)) as { success?: unknown } | null;
      if (typeof body?.success === 'boolean') return true;
      await new Promise((r) => setTimeout(r, 300));
    } catch {
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  return false;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(`npm run dev: ${error.message}`);
    else if (error instanceof DataDirLockedError) console.error(`npm run dev refused: ${error.message}`);
    else console.error('npm run dev failed:', error);
    process.exit(1);
  },
);
