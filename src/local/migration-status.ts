/**
 * Which migrations of the folder a database has not applied yet (Node only). Read through the app's
 * own connection (drizzle over neon-http), so it works the same for Neon, a PostgreSQL server behind
 * the local endpoint and PGlite. drizzle's migrators record each applied migration's journal `when`
 * in drizzle.__drizzle_migrations.created_at; a migration counts as applied when its `when` is there.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { readJournal } from './rollback.js';

/** Tags of the journal's migrations missing from the database, in journal order (all of them when none ran). */
export async function pendingMigrations(db: Database, migrationsFolder: string): Promise<string[]> {
  const journalPath = join(migrationsFolder, 'meta', '_journal.json');
  if (!existsSync(journalPath)) throw new Error(`No migrations journal at ${journalPath}: ship the drizzle/ folder next to dist/.`);
  const entries = readJournal(migrationsFolder);
  let applied: Set<string>;
  try {
    const result = await db.execute(sql`SELECT created_at::text AS created_at FROM drizzle.__drizzle_migrations`);
    applied = new Set((result.rows as { created_at: string }[]).map((row) => String(row.created_at)));
  } catch (error) {
    const code = (error as { cause?: { code?: string }; code?: string }).cause?.code ?? (error as { code?: string }).code;
    if (code === '42P01' || code === '3F000') applied = new Set(); // no bookkeeping table or schema: nothing applied
    else throw error;
  }
  return entries.filter((entry) => !applied.has(String(entry.when))).map((entry) => entry.tag);
}

/** Raised by a production start on a database that lacks migrations: one clear line, no stack. */
export class MigrationsMissingError extends Error {
  constructor(readonly missing: string[]) {
    super(
      `Refusing to start: the database lacks ${missing.length} migration(s) (${missing.join(', ')}). ` +
        'Run `npm run db:migrate:prod` with the same DATABASE_URL first.',
    );
    this.name = 'MigrationsMissingError';
  }
}
