/**
 * applyMigrations runs drizzle's own migrator (pglite / node-postgres) on a tiny drizzle-kit style
 * folder written to a temp dir, keeps drizzle's bookkeeping table, is idempotent, and treats a folder
 * without a journal as nothing to apply.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPgBackend, openPgliteBackend, type SqlBackend } from '../../src/local/backends.js';
import { applyMigrations } from '../../src/local/migrate.js';
import { pgliteTemplate } from '../support/database.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A folder shaped like drizzle-kit's output: journal + one .sql file per entry. */
function writeMigrations(appSchema: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'planlyze-migrations-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'meta'));
  const entries = [
    {
      tag: '0000_tiny',
      sql: `CREATE SCHEMA IF NOT EXISTS "${appSchema}";\n--> statement-breakpoint\nCREATE TABLE "${appSchema}"."notes" ("id" serial PRIMARY KEY, "body" text NOT NULL);`,
    },
    { tag: '0001_more', sql: `ALTER TABLE "${appSchema}"."notes" ADD COLUMN "pinned" boolean DEFAULT false NOT NULL;` },
  ];
  writeFileSync(
    join(dir, 'meta', '_journal.json'),
    JSON.stringify({
      version: '7',
      dialect: 'postgresql',
      entries: entries.map((e, idx) => ({ idx, version: '7', when: 1_700_000_000_000 + idx, tag: e.tag, breakpoints: true })),
    }),
  );
  for (const e of entries) writeFileSync(join(dir, `${e.tag}.sql`), e.sql);
  return dir;
}

const backends: { name: string; open: () => Promise<SqlBackend> }[] = [
  // The app's migrated template is fine here: this test uses schemas of its own.
  { name: 'pglite', open: async () => openPgliteBackend({ loadDataDir: await pgliteTemplate() }) },
];
if (process.env.TEST_DATABASE_URL) {
  const url = process.env.TEST_DATABASE_URL;
  backends.push({ name: 'postgres', open: () => openPgBackend(url) });
}

describe.each(backends)('applyMigrations on $name', ({ open }) => {
  it('applies a migrations folder once, with drizzle bookkeeping', async () => {
    const suffix = randomBytes(4).toString('hex');
    // Unique schemas so runs against a shared PostgreSQL database never collide.
    const appSchema = `mig_app_${suffix}`;
    const migrationsSchema = `mig_meta_${suffix}`;
    const folder = writeMigrations(appSchema);
    const backend = await open();
    try {
      expect(await applyMigrations(backend, folder, { migrationsSchema })).toEqual({ journalFound: true, migrations: 2 });
      expect(await applyMigrations(backend, folder, { migrationsSchema })).toEqual({ journalFound: true, migrations: 2 });

      const inserted = await backend.query(`INSERT INTO ${appSchema}.notes (body) VALUES ($1) RETURNING id, pinned`, ['hi']);
      expect(inserted.rows).toEqual([['1', 'f']]);
      const applied = await backend.query(`SELECT count(*) FROM ${migrationsSchema}.__drizzle_migrations`, []);
      expect(applied.rows).toEqual([['2']]);

      const empty = mkdtempSync(join(tmpdir(), 'planlyze-no-journal-'));
      dirs.push(empty);
      expect(await applyMigrations(backend, empty)).toEqual({ journalFound: false, migrations: 0 });
      expect(await applyMigrations(backend, join(empty, 'missing'))).toEqual({ journalFound: false, migrations: 0 });
    } finally {
      await backend.query(`DROP SCHEMA IF EXISTS ${appSchema} CASCADE`, []).catch(() => {});
      await backend.query(`DROP SCHEMA IF EXISTS ${migrationsSchema} CASCADE`, []).catch(() => {});
      await backend.close();
    }
  });
});
