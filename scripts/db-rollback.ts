/**
 * `npm run db:rollback [-- --force]`: undoes the last applied migration with its drizzle/down/<tag>.sql
 * (logic and refusals in src/local/rollback.ts).
 *
 * Target: DATABASE_URL (a PostgreSQL server or Neon, over `pg`) when set, else the embedded PGlite
 * database in .data/pglite — the one `npm start` and `npm run dev` use, so its lock is taken and a
 * running server makes this refuse instead of corrupting the database.
 */
import { existsSync } from 'node:fs';
import { DEFAULT_PGLITE_DIR, MIGRATIONS_FOLDER } from '../src/local/app-database.js';
import { DataDirLockedError, openLockedBackend } from '../src/local/data-dir-lock.js';
import { RollbackError, rollbackLastMigration } from '../src/local/rollback.js';
import { describeTarget } from './support/describe-target.js';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--force');
  if (unknown.length > 0) {
    console.error(`Unknown argument(s): ${unknown.join(' ')}. Usage: npm run db:rollback [-- --force]`);
    return 2;
  }
  const url = process.env.DATABASE_URL?.trim() || undefined;
  const target = describeTarget(url, DEFAULT_PGLITE_DIR);
  // Opening a missing PGlite directory would create (initdb) a database just to find nothing in it.
  if (!url && !existsSync(DEFAULT_PGLITE_DIR)) {
    console.log(`Nothing to roll back: ${target} does not exist yet.`);
    return 0;
  }

  const backend = await openLockedBackend(url ?? DEFAULT_PGLITE_DIR);
  try {
    const result = await rollbackLastMigration(backend, { migrationsFolder: MIGRATIONS_FOLDER, force: args.includes('--force') });
    if (!result.rolledBack) {
      console.log(`Nothing to roll back on ${target}: no migration is applied.`);
    } else {
      console.log(
        `Rolled back ${result.tag} on ${target} (${result.statements} statement(s) from drizzle/down/${result.tag}.sql); ` +
          `${result.remaining} migration(s) still applied. \`npm run db:migrate\` re-applies it.`,
      );
    }
    return 0;
  } finally {
    await backend.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof RollbackError || error instanceof DataDirLockedError) console.error(`db:rollback refused: ${error.message}`);
    // One transaction: a failure before COMMIT leaves schema and bookkeeping as they were.
    else console.error('db:rollback failed; the rollback was not applied:', error);
    process.exit(1);
  },
);
