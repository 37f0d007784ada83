/**
 * Applies the drizzle-kit migrations folder to a local backend with drizzle's own migrators
 * (pglite / node-postgres), so the bookkeeping table (drizzle.__drizzle_migrations by default) is the
 * one `drizzle-kit migrate` reads and writes, and each run is wrapped in one transaction (on
 * PostgreSQL, a failing migration leaves the database as it was).
 * A folder without meta/_journal.json (nothing generated yet) means nothing to apply.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { SqlBackend } from './sql-backend.js';

export interface MigrateOptions {
  /** Must match drizzle.config.ts if it overrides them. */
  migrationsTable?: string;
  migrationsSchema?: string;
}

export interface MigrationSummary {
  /** False when the folder has no meta/_journal.json (then nothing was done). */
  journalFound: boolean;
  /** Migrations listed in the journal (all of them are applied after this call). */
  migrations: number;
}

export async function applyMigrations(
  backend: SqlBackend,
  migrationsFolder = 'drizzle',
  options: MigrateOptions = {},
): Promise<MigrationSummary> {
  const journalPath = join(migrationsFolder, 'meta', '_journal.json');
  if (!existsSync(journalPath)) return { journalFound: false, migrations: 0 };
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries?: unknown[] };
  const migrations = journal.entries?.length ?? 0;
  if (migrations === 0) return { journalFound: true, migrations };

  const config = { migrationsFolder, ...options };
  if (backend.kind === 'pglite') {
    // Goes through PGlite's own query/transaction locks, which our requests also take. Imported here
    // only: drizzle-orm/pglite loads @electric-sql/pglite, absent from a production install.
    const [{ drizzle: drizzlePglite }, { migrate: migratePglite }] = await Promise.all([
      import('drizzle-orm/pglite'),
      import('drizzle-orm/pglite/migrator'),
    ]);
    await migratePglite(drizzlePglite(backend.db), config);
  } else {
    await migrateNodePg(drizzleNodePg(backend.pool), config);
  }
  return { journalFound: true, migrations };
}
