/**
 * Limits on password guesses (login per email and per IP, change-password per user; SPEC §2, §10).
 *
 * Two rules that "count every attempt up front, refuse above the limit" cannot both keep:
 *   1. only FAILED attempts count: a right password is never refused because of other right ones
 *      (32 parallel sign-ins of one account must all succeed);
 *   2. a parallel burst of guesses gets at most `limit` password checks per window.
 *
 * Each subject (an email, an IP, a user) has two rows in `rate_limits`:
 *   - `<key>` (15-minute window) — its checks: failures, plus the checks in flight. A check is taken by
 *     one conditional upsert that adds 1 only while the count is below the limit (atomic on the row);
 *     a right password gives it back, a wrong one leaves it there as a failure;
 *   - `<key>:busy` (a short window, so a request that died frees it) — checks in flight, only to tell
 *     "full of failures" (429) from "full of checks still running" (wait: they end within a password
 *     hash's time). A burst of right passwords is served in turns; a burst of wrong ones stops at
 *     `limit` checks and the rest get the 429.
 */
import { and, gt, inArray, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Database } from '../db/client.js';
import { rateLimits } from '../db/schema.js';
import type { MessageKey } from '../i18n/messages.js';
import { hitRateLimit, rateLimited, undoRateLimitHits } from './rate-limit.js';

export const FAILURE_WINDOW_S = 15 * 60;
/** A slot held longer than this (a request that died mid-check) is released by its window ending. */
const BUSY_WINDOW_S = 60;
/** How long an attempt waits for other checks in flight before giving up with a 429. */
const MAX_WAIT_MS = 15_000;
const MAX_BACKOFF_MS = 250;

export interface AttemptSubject {
  /** The failure counter's key, e.g. `login:email:a@b.co`; its slot counter is `<key>:busy`. */
  key: string;
  limit: number;
}

type CounterRow = { key: string; count: number; resetAt: Date | string };

export function passwordAttempt(db: Database, subjects: AttemptSubject[], message: MessageKey) {
  const keys = subjects.map((s) => s.key);
  const busyKeys = keys.map((key) => `${key}:busy`);
  const n = subjects.length;

  /**
   * Takes back one hit of each key, one key at a time in the order `reserve()` takes them (checks, then
   * slots): every transaction locks these rows in the same order, so concurrent attempts never deadlock
   * (PostgreSQL found one when a give-back locked the slot row before the check row).
   */
  const giveBack = (inOrder: string[]) => inOrder.flatMap((key) => undoRateLimitHits(db, [key])) as unknown as [BatchItem<'pg'>, ...BatchItem<'pg'>[]];

  /** Per subject a conditional check, then per subject a slot, then the counts as they now stand. */
  const reserve = () =>
    [
      readCounts(),
      ...subjects.map((s) => takeCheck(db, s)),
      ...busyKeys.map((key) => hitRateLimit(db, { key, windowSeconds: BUSY_WINDOW_S })),
    ] as const;

  /** Every counter of the subjects whose window is still open. */
  const readCounts = () =>
    db
      .select({ key: rateLimits.key, count: rateLimits.count, resetAt: rateLimits.resetAt })
      .from(rateLimits)
      .where(and(inArray(rateLimits.key, [...keys, ...busyKeys]), gt(rateLimits.resetAt, sql`now()`)));

  /** The 429 when some subject's window holds `limit` failures (its checks minus those in flight). */
  const failuresFill = (counts: CounterRow[], inFlight: number[]) => {
    const full = subjects.findIndex((s, i) => {
      const row = counts.find((r) => r.key === s.key);
      return row !== undefined && row.count - inFlight[i]! >= s.limit;
    });
    return full < 0 ? undefined : rateLimited(counts.find((r) => r.key === subjects[full]!.key)!.resetAt, message);
  };

  return {
    /**
     * Takes one password check for every subject, in the same round trip as `companion` (the caller's
     * read, e.g. the user row), whose result it returns. Throws the 429 when failures fill a window;
     * waits while the window is full of checks in flight. The caller then ends the attempt with exactly
     * one of `succeeded()` or `failed()` in its next batch.
     */
    async acquire<T = unknown>(companion?: BatchItem<'pg'>): Promise<T | undefined> {
      const startedAt = Date.now();
      for (let round = 0; ; round++) {
        const results: unknown[] = companion ? await db.batch([companion, ...reserve()]) : [undefined, ...(await db.batch(reserve()))];
        // The counts were read before the checks were taken: a subject not taken is judged on them.
        const before = results[1] as CounterRow[];
        const taken = subjects.map((_, i) => (results[2 + i] as CounterRow[]).length > 0);
        if (taken.every(Boolean)) return results[0] as T;

        const inFlight = subjects.map((_, i) => (results[2 + n + i] as CounterRow[])[0]!.count - 1);
        await db.batch(giveBack([...keys.filter((_, i) => taken[i]), ...busyKeys]));
        const refusal = failuresFill(before, inFlight);
        if (refusal) throw refusal;
        // Wait for the checks in flight with one cheap read per turn (no writes), then try again.
        for (;;) {
          if (Date.now() - startedAt > MAX_WAIT_MS) throw rateLimited(new Date(Date.now() + BUSY_WINDOW_S * 1000), message);
          const delay = Math.min(MAX_BACKOFF_MS, 10 * 2 ** round++) * (0.5 + Math.random());
          await new Promise((resolve) => setTimeout(resolve, delay));
          const counts = await readCounts();
          const again = failuresFill(counts, subjects.map((s) => counts.find((r) => r.key === `${s.key}:busy`)?.count ?? 0));
          if (again) throw again;
          if (subjects.every((s) => (counts.find((r) => r.key === s.key)?.count ?? 0) < s.limit)) break;
        }
      }
    },

    /** The password was right (or was not the reason to stop): its checks are given back. */
    succeeded() {
      return giveBack([...keys, ...busyKeys]);
    },

    /** The password was wrong: the checks stay counted as failures; the slots are freed. */
    failed() {
      return giveBack(busyKeys);
    },
  };
}

/** +1 on the subject's count unless it is at the limit (a window that ended starts again at 1). */
function takeCheck(db: Database, subject: AttemptSubject) {
  const expired = sql`${rateLimits.resetAt} <= now()`;
  const windowEnd = sql`now() + make_interval(secs => ${FAILURE_WINDOW_S})`;
  return db
    .insert(rateLimits)
    .values({ key: subject.key, count: 1, resetAt: windowEnd })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        count: sql`CASE WHEN ${expired} THEN 1 ELSE ${rateLimits.count} + 1 END`,
        resetAt: sql`CASE WHEN ${expired} THEN ${windowEnd} ELSE ${rateLimits.resetAt} END`,
      },
      setWhere: sql`${expired} OR ${rateLimits.count} < ${subject.limit}`,
    })
    .returning({ key: rateLimits.key, count: rateLimits.count, resetAt: rateLimits.resetAt });
}
