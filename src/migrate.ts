/**
 * `npm run db:migrate:prod` (node dist/migrate.js): applies drizzle/ to DATABASE_URL with production
 * dependencies only (no drizzle-kit, no tsx, no PGlite).
 *
 * It speaks PostgreSQL's own protocol through `pg` (a production dependency: the Node server serves
 * PostgreSQL through it too) and drizzle's node-postgres migrator, which runs the whole set of pending
 * migrations in ONE transaction: a failing migration leaves the database exactly as it was. That holds
 * for Neon as well (use its direct, non-pooled connection string), whereas drizzle's neon-http migrator
 * runs statements one by one. The bookkeeping table is drizzle.__drizzle_migrations, the one
 * `drizzle-kit migrate` and `npm start` use, so the three can be mixed.
 */
import { ConfigError } from './config.js';
import { MIGRATIONS_FOLDER } from './local/app-database.js';
import { applyMigrations } from './local/migrate.js';
import { openPgBackend } from './local/pg-backend.js';
import { readJournal } from './local/rollback.js';

async function appliedCount(pool: import('pg').Pool): Promise<number> {
  // Two statements: PostgreSQL resolves every table a statement names before running it.
  const exists = await pool.query<{ t: string | null }>(`SELECT to_regclass('drizzle.__drizzle_migrations')::text AS t`);
  if (!exists.rows[0]?.t) return 0;
  const result = await pool.query<{ n: string }>('SELECT count(*) AS n FROM drizzle.__drizzle_migrations');
  return Number(result.rows[0]?.n ?? 0);
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL?.trim();
  if (!url) throw new ConfigError(['DATABASE_URL is required (the PostgreSQL or Neon database to migrate)']);
  if (!/^postgres(ql)?:\/\//i.test(url)) throw new ConfigError(['DATABASE_URL must be a postgres:// or postgresql:// URL']);
  const journal = readJournal(MIGRATIONS_FOLDER);
  if (journal.length === 0) throw new ConfigError([`no migrations found in ${MIGRATIONS_FOLDER} (ship drizzle/ next to dist/)`]);

  // One connection; the server's own TimeZone (a pooled Neon string refuses startup options).
  const backend = await openPgBackend(url, { max: 1, timeZone: null });
  try {
    const before = await appliedCount(backend.pool);
    const started = performance.now();
    await applyMigrations(backend, MIGRATIONS_FOLDER);
    const after = await appliedCount(backend.pool);
    const ms = Math.round(performance.now() - started);
    console.log(
      after > before
        ? `Applied ${after - before} migration(s) in ${ms} ms; the database has all ${journal.length} (last: ${journal.at(-1)!.tag}).`
        : `Nothing to apply: the database already has all ${journal.length} migration(s) (last: ${journal.at(-1)!.tag}).`,
    );
  } finally {
    await backend.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(`db:migrate:prod: ${error.message}`);
    else console.error('db:migrate:prod failed; nothing was changed (the migrations run in one transaction):', error);
    process.exit(1);
  },
);
