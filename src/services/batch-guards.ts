/**
 * Preconditions inside a db.batch. neon-http has no interactive transactions, so "check, then write"
 * cannot be two round trips without a race. A batch is one transaction, though, and its statements run
 * in order: a row lock first (`SELECT … FOR UPDATE`) makes concurrent batches on the same row queue, and
 * a GUARD statement later in the batch FAILS the whole batch when its condition is false, rolling back
 * every statement before and after it. The failure carries the guard's reason, so the caller can answer
 * 409 / 429 / … precisely.
 *
 * The guard casts a non-constant CASE to integer: when the condition is false the value is the text
 * `guard:<reason>`, which Postgres refuses with SQLSTATE 22P02, quoting the text in the message. (A CASE
 * whose condition reads a table is never constant-folded by the planner, so the ELSE branch is only
 * evaluated when reached.)
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { pgErrorOf } from '../db/errors.js';

const REASON = /^[a-z_]+$/;

export function guard(db: Database, condition: SQL, reason: string) {
  if (!REASON.test(reason)) throw new Error(`guard reason must be snake_case: ${reason}`);
  return db.execute(sql`SELECT CAST(CASE WHEN ${condition} THEN '0' ELSE ${sql.raw(`'guard:${reason}'`)} END AS integer) AS passed`);
}

/** The reason of the guard that failed a batch, or undefined when the error is something else. */
export function failedGuard(error: unknown): string | undefined {
  const e = pgErrorOf(error);
  if (e?.code !== '22P02') return undefined;
  return /"guard:([a-z_]+)"/.exec(e.message)?.[1];
}

/** Locks one analysis row until the batch commits: every batch that changes a run's state takes it first. */
export function lockAnalysis(db: Database, analysisId: string) {
  return db.execute(sql`SELECT id FROM analyses WHERE id = ${analysisId} FOR UPDATE`);
}
