/**
 * Failed code lookups (SPEC-WAVE2 §0.1 "Code lookups are rate-limited everywhere", §13.2 check 1): a discount
 * or voucher code that does not exist counts one failed lookup per user and per IP, in hourly windows; past 10
 * per user or 30 per IP every lookup of that caller is a 429 until the window ends. The counter is written by
 * the same statement that looks the code up, so a refused lookup still commits it (nothing to roll back).
 *
 * Used by POST /discount-codes/validate, POST /payments/quote and POST /payments (discount codes) and
 * POST /analyses/:id/redeem-voucher (voucher codes, counted apart); the lookup statement embeds
 * `lookupGate()` as CTEs and reads `blocked_until` from its `lookup_gate`.
 */
import type { MessageKey } from '../i18n/messages.js';
import { sql, type SQL } from 'drizzle-orm';
import { rateLimited } from './rate-limit.js';

export const CODE_LOOKUP_LIMITS = { perUser: 10, perIp: 30, windowSeconds: 3600 } as const;

export interface LookupKeys {
  user: string;
  ip: string;
}

export const discountLookupKeys = (userId: string, ip: string): LookupKeys => ({
  user: `discount_lookup:user:${userId}`,
  ip: `discount_lookup:ip:${ip}`,
});

/** Voucher codes have their own counters: the same limits, but guessing one kind of code does not block the other. */
export const voucherLookupKeys = (userId: string, ip: string): LookupKeys => ({
  user: `voucher_lookup:user:${userId}`,
  ip: `voucher_lookup:ip:${ip}`,
});

/**
 * CTEs for a lookup statement: `lookup_gate` (one row: `blocked_until`, the end of the window when the caller
 * is past a limit, else NULL) and `lookup_hit`, which counts one failed lookup for both keys when `failed`
 * (an SQL boolean over the statement's other CTEs) holds and the caller is not blocked. Append after the
 * statement's own CTEs: `WITH q AS (…), ${lookupGate(keys, failed)} SELECT …, (SELECT blocked_until FROM lookup_gate) …`.
 * (Placed before the CTE that `failed` reads, every lookup fails with "relation does not exist": a 500.)
 */
export function lookupGate(keys: LookupKeys, failed: SQL): SQL {
  const windowEnd = sql`now() + make_interval(secs => ${CODE_LOOKUP_LIMITS.windowSeconds})`;
  return sql`
    lookup_gate AS (
      SELECT (SELECT max(reset_at) FROM rate_limits
              WHERE reset_at > now()
                AND ((key = ${keys.user} AND count >= ${CODE_LOOKUP_LIMITS.perUser})
                  OR (key = ${keys.ip} AND count >= ${CODE_LOOKUP_LIMITS.perIp}))) AS blocked_until),
    lookup_hit AS (
      INSERT INTO rate_limits (key, count, reset_at)
      SELECT k, 1, ${windowEnd} FROM (VALUES (${keys.user}::text), (${keys.ip}::text)) AS keys(k)
      WHERE (${failed}) AND (SELECT blocked_until FROM lookup_gate) IS NULL
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN rate_limits.reset_at <= now() THEN 1 ELSE rate_limits.count + 1 END,
        reset_at = CASE WHEN rate_limits.reset_at <= now() THEN ${windowEnd} ELSE rate_limits.reset_at END
      RETURNING 1)`;
}

/** The 429 of a caller past a lookup limit (Retry-After: the end of the window). */
export function lookupRefused(blockedUntil: Date | string | null | undefined, message: MessageKey = 'discount.too_many_lookups') {
  return blockedUntil ? rateLimited(blockedUntil, message) : undefined;
}
