/**
 * A fresh, isolated, migrated database per test file, served through the local Neon endpoint and
 * routed in-process, so the app under test keeps using `drizzle(neon(DATABASE_URL))` unchanged:
 *
 *   const db = await createTestDatabase();          // in beforeAll
 *   const app = createApp({ DATABASE_URL: db.databaseUrl, ... });
 *   ...
 *   await db.close();                                // in afterAll
 *
 * PGlite (default): the migrated database is dumped once to .data/test-template/pglite-<key>.tar.gz,
 * keyed by a hash of the drizzle/ folder (and the PGlite version), and every test file starts from a
 * clone of it (~1 s instead of ~5 s for initdb + migrations). Vitest workers racing to build it each
 * write a temp file and rename it into place; the rename is atomic and either copy is valid.
 *
 * PostgreSQL (when TEST_DATABASE_URL is set): a template database planlyze_tpl_<key> is built and
 * migrated once under a pg advisory lock; each test file gets `CREATE DATABASE … TEMPLATE …`, dropped
 * again by close(). Leftovers of crashed runs older than a few hours are dropped when the lock is held.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  dumpPglite,
  openPgBackend,
  openPgliteBackend,
  type PgliteBackend,
  type SqlBackend,
} from '../../src/local/backends.js';
import { applyMigrations } from '../../src/local/migrate.js';
import { useLocalEndpoint } from '../../src/local/neon-local.js';
import { createSqlEndpoint, type SqlEndpoint } from '../../src/local/sql-endpoint.js';
import { chargeRoundTrip } from './round-trip-log.js';

export interface TestDatabase {
  endpoint: SqlEndpoint;
  /** Give this to the app as DATABASE_URL; the neon driver is routed to `endpoint` in-process. */
  databaseUrl: string;
  backend: SqlBackend;
  close(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Default: 'pg' when TEST_DATABASE_URL is set, else 'pglite'. */
  kind?: 'pglite' | 'pg';
  /** Default: <repo>/drizzle. */
  migrationsFolder?: string;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TEMPLATE_DIR = join(ROOT, '.data', 'test-template');
/** Bump when the way templates are built changes, to invalidate old ones. */
const TEMPLATE_FORMAT = 'v1';

export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const migrationsFolder = resolve(options.migrationsFolder ?? join(ROOT, 'drizzle'));
  const adminUrl = process.env.TEST_DATABASE_URL;
  const kind = options.kind ?? (adminUrl ? 'pg' : 'pglite');
  if (kind === 'pg') {
    if (!adminUrl) throw new Error('createTestDatabase({ kind: "pg" }) needs TEST_DATABASE_URL');
    return createPgTestDatabase(adminUrl, migrationsFolder);
  }
  return createPgliteTestDatabase(migrationsFolder);
}

function serve(backend: SqlBackend, cleanup: () => Promise<void> = async () => {}): TestDatabase {
  const endpoint = createSqlEndpoint(backend, { onRequest: chargeRoundTrip });
  const route = useLocalEndpoint(endpoint);
  let closed = false;
  return {
    endpoint,
    databaseUrl: route.databaseUrl,
    backend,
    async close() {
      if (closed) return;
      closed = true;
      route.release();
      await backend.close();
      await cleanup();
    },
  };
}

// ---------------------------------------------------------------------------------------------- PGlite

/** Per process: test files calling createTestDatabase() twice read the template once. */
const templateBlobs = new Map<string, Blob>();

async function createPgliteTestDatabase(migrationsFolder: string): Promise<TestDatabase> {
  const template = await ensurePgliteTemplate(migrationsFolder);
  // The process that built the template keeps its freshly migrated database instead of reloading it.
  return serve(template.builder ?? (await openPgliteBackend({ loadDataDir: template.blob })));
}

/**
 * The migrated PGlite template as a `dumpDataDir()` tarball (built and cached on first use), for tests
 * that open their own backend: `openPgliteBackend({ loadDataDir: await pgliteTemplate() })`.
 */
export async function pgliteTemplate(migrationsFolder = join(ROOT, 'drizzle')): Promise<Blob> {
  const template = await ensurePgliteTemplate(resolve(migrationsFolder));
  await template.builder?.close();
  return template.blob;
}

async function ensurePgliteTemplate(migrationsFolder: string): Promise<{ blob: Blob; builder?: PgliteBackend }> {
  const key = templateKey(migrationsFolder, `pglite-${pgliteVersion()}`);
  const file = join(TEMPLATE_DIR, `pglite-${key}.tar.gz`);

  let blob = templateBlobs.get(file) ?? readIfExists(file);
  if (blob) {
    templateBlobs.set(file, blob);
    return { blob };
  }

  // No template yet: build it, publish it for other workers (temp file + atomic rename).
  const builder = await openPgliteBackend();
  await applyMigrations(builder, migrationsFolder);
  blob = await dumpPglite(builder, 'gzip');
  mkdirSync(TEMPLATE_DIR, { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, Buffer.from(await blob.arrayBuffer()));
  renameSync(temp, file);
  templateBlobs.set(file, blob);
  removeStaleTemplates(file);
  return { blob, builder };
}

function readIfExists(file: string): Blob | undefined {
  try {
    return new Blob([readFileSync(file)]);
  } catch (e) {
    // Missing, or just deleted by a run with other migrations (see removeStaleTemplates): rebuild.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function removeStaleTemplates(current: string): void {
  const hour = 3600_000;
  for (const name of readdirSync(TEMPLATE_DIR)) {
    const path = join(TEMPLATE_DIR, name);
    const stale = name.endsWith('.tmp') ? Date.now() - safeMtime(path) > hour : path !== current && name.startsWith('pglite-');
    if (stale) {
      try {
        unlinkSync(path);
      } catch {
        // Another worker removed it first.
      }
    }
  }
}

function safeMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Date.now();
  }
}

function pgliteVersion(): string {
  try {
    const pkg = readFileSync(join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8');
    return (JSON.parse(pkg) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

// ------------------------------------------------------------------------------------------ PostgreSQL

const TEMPLATE_LOCK = 'planlyze:test-template';
const TEST_DB_PREFIX = 'planlyze_test_';
const TEMPLATE_PREFIX = 'planlyze_tpl_';
const LEFTOVER_AGE_MS = 6 * 3600_000;

async function createPgTestDatabase(adminUrl: string, migrationsFolder: string): Promise<TestDatabase> {
  const template = TEMPLATE_PREFIX + templateKey(migrationsFolder, 'pg').slice(0, 16);
  const name = `${TEST_DB_PREFIX}${Date.now().toString(36)}_${process.pid}_${randomBytes(3).toString('hex')}`;

  await withAdmin(adminUrl, async (admin) => {
    for (let attempt = 0; ; attempt++) {
      await ensurePgTemplate(admin, adminUrl, template, migrationsFolder);
      try {
        await createFromTemplate(admin, name, template);
        return;
      } catch (e) {
        // 3D000: a run with other migrations dropped our template in between (dropLeftovers); rebuild.
        if ((e as { code?: string }).code !== '3D000' || attempt >= 2) throw e;
      }
    }
  });

  let backend: SqlBackend;
  try {
    backend = await openPgBackend(databaseUrl(adminUrl, name));
  } catch (e) {
    await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    throw e;
  }
  return serve(backend, () =>
    withAdmin(adminUrl, async (admin) => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }),
  );
}

async function ensurePgTemplate(admin: pg.Client, adminUrl: string, template: string, migrationsFolder: string) {
  if (await databaseExists(admin, template)) return;
  await admin.query('SELECT pg_advisory_lock(hashtext($1))', [TEMPLATE_LOCK]);
  try {
    if (await databaseExists(admin, template)) return; // another worker built it while we waited
    // Build under another name and rename when complete, so a crash never leaves a half template.
    const building = `${template}_build`;
    await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${building}"`);
    const backend = await openPgBackend(databaseUrl(adminUrl, building));
    try {
      await applyMigrations(backend, migrationsFolder);
    } finally {
      await backend.close(); // CREATE DATABASE … TEMPLATE refuses a template with open connections
    }
    await admin.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
    await dropLeftovers(admin, template);
  } finally {
    await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [TEMPLATE_LOCK]);
  }
}

/** Called with the template lock held: old templates and test databases of runs that crashed before close(). */
async function dropLeftovers(admin: pg.Client, currentTemplate: string) {
  const { rows } = await admin.query<{ datname: string }>(
    'SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2',
    [`${TEMPLATE_PREFIX}%`, `${TEST_DB_PREFIX}%`],
  );
  for (const { datname } of rows) {
    const createdMs = datname.startsWith(TEST_DB_PREFIX)
      ? Number.parseInt(datname.slice(TEST_DB_PREFIX.length).split('_')[0] ?? '', 36)
      : 0;
    // Templates of other migration sets, and half-built ones (nobody builds while we hold the lock).
    const stale = datname.startsWith(TEMPLATE_PREFIX)
      ? datname !== currentTemplate
      : Number.isFinite(createdMs) && Date.now() - createdMs > LEFTOVER_AGE_MS;
    if (stale) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
  }
}

async function createFromTemplate(admin: pg.Client, name: string, template: string) {
  // 55006: someone is connected to the template (e.g. a psql session); wait a little and retry.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== '55006' || attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 100 + attempt * 50));
    }
  }
}

async function databaseExists(admin: pg.Client, name: string): Promise<boolean> {
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return (rowCount ?? 0) > 0;
}

async function withAdmin<T>(adminUrl: string, fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

// ------------------------------------------------------------------------------------------- shared

/** Hash of every file under the migrations folder (names and bytes) plus a salt. */
function templateKey(migrationsFolder: string, salt: string): string {
  const hash = createHash('sha256').update(`${TEMPLATE_FORMAT}\0${salt}\0`);
  for (const file of listFiles(migrationsFolder)) {
    hash.update(`${relative(migrationsFolder, file)}\0`).update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 24);
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? listFiles(path) : entry.isFile() ? [path] : [];
    });
}
