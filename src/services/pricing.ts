/**
 * Server-side pricing (SPEC §4, §10 "Money"): list price, discount and amount of `quantity` × a package,
 * with an optional discount code — ONE SQL query, used both to answer POST /discount-codes/validate and
 * as the source of the INSERT of POST /payments. Money is computed in numeric (exact decimals), never
 * in JS floats: a percent discount is rounded half-up to the cent (`round(numeric, 2)` rounds halves away
 * from zero, i.e. up for these positive amounts); an amount discount is taken off once and never below 0;
 * `min_purchase_amount` is compared with the total before the discount.
 *
 * The query always yields exactly one row, with a reason for anything that would refuse the purchase,
 * so a caller can insert `WHERE <all fine>` and explain the refusal from the same row.
 */
import { sql, type SQL } from 'drizzle-orm';

export const DISCOUNT_REASONS = [
  'not_found',
  'inactive',
  'not_yet_valid',
  'expired',
  'exhausted',
  'per_user_limit',
  'below_minimum',
] as const;
export type DiscountReason = (typeof DISCOUNT_REASONS)[number];

export interface QuoteInput {
  userId: string;
  packageId: string;
  quantity: number;
  discountCode?: string | undefined;
  paymentMethodId?: string | undefined;
}

/** The quote row as the driver returns it (numeric → text). */
export interface QuoteRow {
  package_id: string | null;
  package_available: boolean;
  payment_method_id: string | null;
  method_available: boolean;
  credits: number | null;
  list_price_usd: string | null;
  discount_usd: string | null;
  amount_usd: string | null;
  discount_code_id: string | null;
  discount_code: string | null;
  discount_percent: number | null;
  discount_amount: string | null;
  discount_reason: DiscountReason | null;
}

export function quoteSql(q: QuoteInput): SQL {
  const code = q.discountCode ?? null;
  const list = sql`(pk.price_usd * ${q.quantity}::int)`;
  const discount = sql`CASE
      WHEN dc.id IS NULL THEN 0::numeric
      WHEN dc.discount_percent IS NOT NULL THEN round(${list} * dc.discount_percent / 100, 2)
      ELSE LEAST(dc.discount_amount, ${list}) END`;
  return sql`
    SELECT
      pk.id AS package_id,
      COALESCE(pk.is_active, false) AS package_available,
      pm.id AS payment_method_id,
      COALESCE(pm.is_active, false) AS method_available,
      pk.credits * ${q.quantity}::int AS credits,
      ${list} AS list_price_usd,
      ${discount} AS discount_usd,
      ${list} - ${discount} AS amount_usd,
      dc.id AS discount_code_id,
      dc.code AS discount_code,
      dc.discount_percent,
      dc.discount_amount,
      CASE
        WHEN ${code}::text IS NULL THEN NULL
        WHEN dc.id IS NULL THEN 'not_found'
        WHEN NOT dc.is_active THEN 'inactive'
        WHEN dc.valid_from IS NOT NULL AND dc.valid_from > now() THEN 'not_yet_valid'
        WHEN dc.valid_until IS NOT NULL AND dc.valid_until <= now() THEN 'expired'
        WHEN dc.max_uses IS NOT NULL AND dc.uses_count >= dc.max_uses THEN 'exhausted'
        WHEN COALESCE(du.uses, 0) >= dc.per_user_limit THEN 'per_user_limit'
        WHEN dc.min_purchase_amount IS NOT NULL AND ${list} < dc.min_purchase_amount THEN 'below_minimum'
      END AS discount_reason
    FROM (SELECT 1) AS one
    LEFT JOIN credit_packages pk ON pk.id = ${q.packageId}::uuid
    LEFT JOIN payment_methods pm ON pm.id = ${q.paymentMethodId ?? null}::uuid
    LEFT JOIN discount_codes dc ON lower(dc.code) = lower(${code}::text)
    LEFT JOIN discount_code_user_uses du ON du.discount_code_id = dc.id AND du.user_id = ${q.userId}::uuid`;
}
