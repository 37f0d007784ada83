/**
 * Database-backed fixed-window counters (SPEC §2): they hold across Worker isolates and Node processes.
 * One row per key; a hit is one atomic upsert that starts a new window once the old one has ended.
 */
import { and, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { rateLimits } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { MessageKey } from '../i18n/messages.js';

export interface Window {
  key: string;
  windowSeconds: number;
}

const windowEnd = (seconds: number) => sql`now() + make_interval(secs => ${seconds})`;

/** Counts one hit and returns the window's count and end. Composable into a batch. */
export function hitRateLimit(db: Database, { key, windowSeconds }: Window) {
  const expired = sql`${rateLimits.resetAt} <= now()`;
  return db
    .insert(rateLimits)
    .values({ key, count: 1, resetAt: windowEnd(windowSeconds) })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        count: sql`CASE WHEN ${expired} THEN 1 ELSE ${rateLimits.count} + 1 END`,
        resetAt: sql`CASE WHEN ${expired} THEN ${windowEnd(windowSeconds)} ELSE ${rateLimits.resetAt} END`,
      },
    })
    .returning({ key: rateLimits.key, count: rateLimits.count, resetAt: rateLimits.resetAt });
}

/**
 * Takes back one hit (e.g. a login that turned out to be right), in a batch (one transaction): the rows are
 * locked first, then the row goes if this was its last hit, else its count drops by one (the count stays
 * positive, a constraint). Without the lock, a concurrent give-back could commit between the statements: the
 * decrement's `count > 1` is then re-checked on the version it committed and the row is skipped — a lost
 * give-back (a burst of 12 wrong guesses left a slot counted as in flight, and the refused ones waited 15 s for
 * it: test/api/rate-limits.test.ts). Under the lock, each statement sees the count as it stands.
 */
export function undoRateLimitHits(db: Database, keys: string[]) {
  return [
    db.select({ key: rateLimits.key }).from(rateLimits).where(inArray(rateLimits.key, keys)).for('update'),
    db.delete(rateLimits).where(and(inArray(rateLimits.key, keys), lte(rateLimits.count, 1))),
    db
      .update(rateLimits)
      .set({ count: sql`${rateLimits.count} - 1` })
      .where(and(inArray(rateLimits.key, keys), gt(rateLimits.count, 1))),
  ] as const;
}

export function clearRateLimit(db: Database, key: string) {
  return db.delete(rateLimits).where(eq(rateLimits.key, key));
}

export function retryAfterSeconds(resetAt: Date | string, now = Date.now()): number {
  return Math.max(1, Math.ceil((new Date(resetAt).getTime() - now) / 1000));
}

export function rateLimited(resetAt: Date | string, message: MessageKey = 'RATE_LIMITED') {
  const retryAfter = retryAfterSeconds(resetAt);
  return new AppError('RATE_LIMITED', {
    message,
    headers: { 'Retry-After': String(retryAfter) },
    details: { retry_after: retryAfter },
  });
}

/** Deletes windows that ended (scheduled sweep). */
export function purgeExpiredRateLimits(db: Database) {
  return db.delete(rateLimits).where(lte(rateLimits.resetAt, sql`now()`));
}
