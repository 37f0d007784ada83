/**
 * The real migrations (drizzle/) go up, come down one by one, and go up again without a trace
 * (issue 2 §3): on a fresh PGlite database, and on a scratch PostgreSQL database when
 * TEST_DATABASE_URL is set (created here, dropped afterwards).
 *
 * Up is applied one migration at a time (through journal prefixes in temp folders) so that every
 * intermediate schema is known; each rollback step must land exactly on the schema before its
 * migration, and the final up must reproduce the first full schema.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPgBackend, openPgliteBackend, type SqlBackend } from '../../src/local/backends.js';
import { applyMigrations } from '../../src/local/migrate.js';
import { downScriptPath, migrationHash, readJournal, rollbackLastMigration, type JournalEntry } from '../../src/local/rollback.js';
import { pgliteTemplate } from '../support/database.js';
import { schemaSnapshot, snapshotSize, type SchemaSnapshot } from '../support/schema-snapshot.js';

const FOLDER = join(import.meta.dirname, '..', '..', 'drizzle');
const journal = readJournal(FOLDER);

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A migrations folder holding only the first `count` journal entries (same files, same hashes). */
function journalPrefix(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'planlyze-journal-prefix-'));
  tempDirs.push(dir);
  mkdirSync(join(dir, 'meta'));
  const entries = journal.slice(0, count);
  writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }));
  for (const entry of entries) copyFileSync(join(FOLDER, `${entry.tag}.sql`), join(dir, `${entry.tag}.sql`));
  return dir;
}

async function appliedCount(backend: SqlBackend): Promise<number> {
  const exists = await backend.query("SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL", []);
  if (exists.rows[0]?.[0] !== 't') return 0;
  return Number((await backend.query('SELECT count(*) FROM drizzle.__drizzle_migrations', [])).rows[0]?.[0]);
}

interface Target {
  name: string;
  open(): Promise<SqlBackend>;
  dispose?(): Promise<void>;
}

const targets: Target[] = [{ name: 'pglite', open: () => openPgliteBackend() }];

const adminUrl = process.env.TEST_DATABASE_URL;
if (adminUrl) {
  const name = `planlyze_migtest_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const withAdmin = async (sqlText: string) => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(sqlText);
    } finally {
      await admin.end();
    }
  };
  targets.push({
    name: 'postgres',
    async open() {
      await withAdmin(`CREATE DATABASE "${name}"`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return openPgBackend(url.toString());
    },
    dispose: () => withAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  });
}

describe.each(targets)('migrations up → down → up on $name', (target) => {
  afterAll(async () => {
    await target.dispose?.();
  });

  it('each down script undoes exactly its migration, and up again restores the same schema', { timeout: 120_000 }, async () => {
    expect(journal.length).toBeGreaterThan(0);
    const backend = await target.open();
    try {
      // Up, one migration at a time: schemas[k] is the schema with the first k migrations applied.
      const schemas: SchemaSnapshot[] = [await schemaSnapshot(backend)];
      for (let k = 1; k <= journal.length; k++) {
        await applyMigrations(backend, journalPrefix(k));
        expect(await appliedCount(backend)).toBe(k);
        schemas.push(await schemaSnapshot(backend));
        expect(schemas[k], `${journal[k - 1]!.tag} changed nothing`).not.toEqual(schemas[k - 1]);
      }
      const full = schemas[journal.length]!;
      expect(full.constraints!.some((line) => line.includes('CHECK'))).toBe(true);
      expect(full.triggers!.length).toBeGreaterThan(0);
      expect(full.functions!.length).toBeGreaterThan(0);

      // Down, one by one: each step lands exactly on the schema before that migration.
      for (let k = journal.length; k >= 1; k--) {
        const result = await rollbackLastMigration(backend, { migrationsFolder: FOLDER });
        expect(result).toMatchObject({ rolledBack: true, tag: journal[k - 1]!.tag, remaining: k - 1 });
        expect(await appliedCount(backend)).toBe(k - 1);
        expect(await schemaSnapshot(backend), `rolling back ${journal[k - 1]!.tag} left a trace`).toEqual(schemas[k - 1]);
      }
      expect(await rollbackLastMigration(backend, { migrationsFolder: FOLDER })).toEqual({
        rolledBack: false,
        reason: 'nothing-applied',
      });

      // Up again, all at once (as db:migrate does): the very same schema.
      await applyMigrations(backend, FOLDER);
      expect(await appliedCount(backend)).toBe(journal.length);
      const again = await schemaSnapshot(backend);
      expect(again).toEqual(full);
      console.info(`[${target.name}] schema snapshot: ${snapshotSize(full)} objects; up/down/up identical`);
    } finally {
      await backend.close();
    }
  });
});

describe('migration files', () => {
  it('every journal entry has a down script, and every down script belongs to a journal entry', () => {
    const missing = journal.filter((entry) => !existsSync(downScriptPath(FOLDER, entry.tag))).map((e) => e.tag);
    expect(missing, 'write drizzle/down/<tag>.sql for these migrations').toEqual([]);
    const tags = new Set(journal.map((e) => e.tag));
    const orphans = readdirSync(join(FOLDER, 'down')).filter((file) => !tags.has(file.replace(/\.sql$/, '')));
    expect(orphans, 'down scripts without a migration').toEqual([]);
  });

  it('journal entries are ordered by `when` (rollback and drizzle both rely on it)', () => {
    const whens = journal.map((e: JournalEntry) => e.when);
    expect(whens).toEqual([...whens].sort((a, b) => a - b));
    expect(new Set(whens).size).toBe(whens.length);
  });

  it('applyMigrations keeps drizzle-kit bookkeeping: one row per journal entry, with its hash and `when`', async () => {
    // The test template is migrated by applyMigrations (test/support/database.ts).
    const backend = await openPgliteBackend({ loadDataDir: await pgliteTemplate(FOLDER) });
    try {
      const rows = (await backend.query('SELECT hash, created_at::text FROM drizzle.__drizzle_migrations ORDER BY created_at', []))
        .rows;
      expect(rows).toHaveLength(journal.length);
      expect(rows).toEqual(journal.map((entry) => [migrationHash(FOLDER, entry.tag), String(entry.when)]));
    } finally {
      await backend.close();
    }
  });
});
