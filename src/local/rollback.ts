/**
 * `npm run db:rollback`: undoes the LAST applied drizzle-kit migration (Node only).
 *
 * drizzle-kit has no down migrations, so each migration `drizzle/<tag>.sql` keeps a hand-written
 * `drizzle/down/<tag>.sql` beside it (same `--> statement-breakpoint` separators). Rolling back:
 *   1. read the newest row of drizzle's bookkeeping table (drizzle.__drizzle_migrations: id, hash,
 *      created_at), the same "last applied" drizzle's migrator looks at;
 *   2. find the journal entry whose `when` equals that created_at (drizzle writes `when` there);
 *   3. run its down script and delete exactly that bookkeeping row — in ONE transaction, so a failing
 *      down script leaves both the schema and the bookkeeping as they were.
 * The next `db:migrate` then re-applies the migration, because drizzle re-runs every journal entry
 * newer than the newest remaining row.
 *
 * Refusals (nothing is changed): no down script; the applied row matches no journal entry; the
 * migration file changed since it was applied (hash differs; `force` overrides, as the down script
 * was written for the current file).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SqlBackend } from './sql-backend.js';

export interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
  breakpoints: boolean;
}

export interface RollbackOptions {
  migrationsFolder?: string;
  /** Must match drizzle.config.ts if it overrides them (same defaults as drizzle). */
  migrationsSchema?: string;
  migrationsTable?: string;
  /** Roll back even if the migration file's hash differs from the applied one. */
  force?: boolean;
}

export type RollbackResult =
  | { rolledBack: false; reason: 'nothing-applied' }
  | { rolledBack: true; tag: string; when: number; statements: number; remaining: number };

/** A refusal: the database was not touched (or the transaction was rolled back). */
export class RollbackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RollbackError';
  }
}

export const DOWN_FOLDER = 'down';
const BREAKPOINT = '--> statement-breakpoint';

export function readJournal(migrationsFolder = 'drizzle'): JournalEntry[] {
  const path = join(migrationsFolder, 'meta', '_journal.json');
  if (!existsSync(path)) return [];
  return (JSON.parse(readFileSync(path, 'utf8')) as { entries?: JournalEntry[] }).entries ?? [];
}

export function downScriptPath(migrationsFolder: string, tag: string): string {
  return join(migrationsFolder, DOWN_FOLDER, `${tag}.sql`);
}

/** sha256 of the up migration file, exactly as drizzle's readMigrationFiles computes `hash`. */
export function migrationHash(migrationsFolder: string, tag: string): string {
  return createHash('sha256').update(readFileSync(join(migrationsFolder, `${tag}.sql`)).toString()).digest('hex');
}

/** The down script's statements (split as drizzle splits up migrations; blank chunks dropped). */
export function readDownScript(migrationsFolder: string, tag: string): string[] {
  const path = downScriptPath(migrationsFolder, tag);
  if (!existsSync(path)) {
    throw new RollbackError(
      `Cannot roll back ${tag}: no down script at ${path}. Write one that undoes ${tag}.sql exactly ` +
        `(statements separated by "${BREAKPOINT}"), then run db:rollback again.`,
    );
  }
  return readFileSync(path, 'utf8')
    .split(BREAKPOINT)
    .filter((chunk) => stripComments(chunk).trim() !== '');
}

function stripComments(sqlText: string): string {
  return sqlText.replace(/--[^\n]*/g, '');
}

/** A connection inside an open transaction, the same for both backends. */
interface Tx {
  /** Parameterized single statement; cells as the driver returns them (we cast to text where it matters). */
  query(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Raw SQL through the simple protocol, so a chunk may hold several statements (as drizzle's migrators allow). */
  exec(sqlText: string): Promise<void>;
}

async function inTransaction<T>(backend: SqlBackend, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (backend.kind === 'pglite') {
    // PGlite's own transaction() takes the same locks as the endpoint's requests, so nothing interleaves.
    return backend.db.transaction((tx) =>
      fn({
        query: async (text, params) => (await tx.query<Record<string, unknown>>(text, params)).rows,
        exec: async (sqlText) => {
          await tx.exec(sqlText);
        },
      }),
    );
  }
  const client = await backend.pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn({
      query: async (text, params) => (await client.query<Record<string, unknown>>(text, params)).rows,
      exec: async (sqlText) => {
        await client.query(sqlText);
      },
    });
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw e;
  } finally {
    client.release(broken);
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function rollbackLastMigration(backend: SqlBackend, options: RollbackOptions = {}): Promise<RollbackResult> {
  const folder = options.migrationsFolder ?? 'drizzle';
  const schema = options.migrationsSchema ?? 'drizzle';
  const table = options.migrationsTable ?? '__drizzle_migrations';
  const qualified = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  const journal = readJournal(folder);

  return inTransaction(backend, async (tx) => {
    const [exists] = await tx.query('SELECT to_regclass($1) IS NOT NULL AS present', [qualified]);
    if (!exists?.present) return { rolledBack: false, reason: 'nothing-applied' } as const;

    // FOR UPDATE: two concurrent rollbacks must not both undo the same migration.
    const [last] = await tx.query(
      `SELECT id::text AS id, hash, created_at::text AS created_at FROM ${qualified}
       ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE`,
    );
    if (!last) return { rolledBack: false, reason: 'nothing-applied' } as const;

    const when = Number(last.created_at);
    const entry = journal.find((e) => e.when === when);
    if (!entry) {
      throw new RollbackError(
        `The last applied migration (created_at ${last.created_at}) is not in ${join(folder, 'meta', '_journal.json')}; ` +
          'it was applied from another checkout. Check out the code that applied it before rolling back.',
      );
    }
    const statements = readDownScript(folder, entry.tag);
    if (!options.force && migrationHash(folder, entry.tag) !== last.hash) {
      throw new RollbackError(
        `${entry.tag}.sql changed after it was applied (hash differs), so its down script may not match what ` +
          'the database holds. Inspect it, then re-run with --force to roll back anyway.',
      );
    }

    for (const statement of statements) await tx.exec(statement);
    await tx.query(`DELETE FROM ${qualified} WHERE id = $1::int`, [last.id]);
    const [left] = await tx.query(`SELECT count(*)::int AS n FROM ${qualified}`);
    return { rolledBack: true, tag: entry.tag, when, statements: statements.length, remaining: Number(left?.n ?? 0) } as const;
  });
}
