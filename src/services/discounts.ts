/** Discount code reads that are more than a lookup: the buyer's quote, and who used a code. */
import { eq, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import type * as z from 'zod';
import type { Database } from '../db/client.js';
import { isoText, jsNumber, jsonItem, listItem, orderBy, readJsonPage, type PageWindow } from '../db/pagination.js';
import { discountCodes, discountRedemptions, users } from '../db/schema.js';
import { fieldError, notFound } from '../errors.js';
import { clientIp } from '../http/context.js';
import type { RedemptionSchema, ValidateDiscountBody } from '../schemas/discount.js';
import { usd } from '../schemas/money.js';
import type { AppEnv } from '../types.js';
import { discountLookupKeys, lookupGate, lookupRefused } from './code-lookups.js';
import { quoteSql, type QuoteRow } from './pricing.js';

/**
 * POST /discount-codes/validate (SPEC §10): unknown code or unknown/inactive package → 404; any other
 * reason the code cannot be used → 400 naming `code` with `details.reason`; else the price before and after.
 * An unknown code counts a failed lookup; past the limits every lookup is a 429 (services/code-lookups.ts).
 */
export async function quoteDiscount(c: Context<AppEnv>, input: z.infer<typeof ValidateDiscountBody>) {
  const { db, user } = c.var;
  const quote = quoteSql({ userId: user.id, packageId: input.package_id, quantity: input.quantity, discountCode: input.code });
  const gate = lookupGate(discountLookupKeys(user.id, clientIp(c)), sql`(SELECT discount_reason FROM q) = 'not_found'`);
  const rows = await db.execute<QuoteRow & { lookup_blocked_until: string | null } & Record<string, unknown>>(
    sql`WITH q AS (${quote}), ${gate} SELECT q.*, (SELECT blocked_until FROM lookup_gate) AS lookup_blocked_until FROM q`,
  );
  const q = rows.rows[0]!;
  const refused = lookupRefused(q.lookup_blocked_until);
  if (refused) throw refused;
  if (!q.package_available) throw notFound('catalog.package_unavailable');
  if (q.discount_reason === 'not_found') throw notFound('discount.not_found');
  if (q.discount_reason) throw fieldError('code', q.discount_reason, `discount.${q.discount_reason}`, { reason: q.discount_reason });
  return {
    code: q.discount_code!,
    discount_percent: q.discount_percent,
    discount_amount: usd(q.discount_amount),
    list_price_usd: usd(q.list_price_usd!),
    discount_usd: usd(q.discount_usd!),
    amount_usd: usd(q.amount_usd!),
    credits: Number(q.credits),
  };
}

const USAGE_SORTS = { created_at: discountRedemptions.createdAt, updated_at: discountRedemptions.updatedAt };

type RedemptionDto = z.infer<typeof RedemptionSchema>;

/** A redemption as readJsonPage builds it. */
const redemptionItem = listItem(() =>
  jsonItem<RedemptionDto>({
    id: discountRedemptions.id,
    user_id: discountRedemptions.userId,
    user_email: users.email,
    payment_id: discountRedemptions.paymentId,
    status: discountRedemptions.status,
    discount_usd: jsNumber(discountRedemptions.discountUsd),
    created_at: isoText(discountRedemptions.createdAt),
  }),
);

/**
 * GET /discount-codes/:id/usage: one page of redemptions with the buyer's email, and the total, built by
 * PostgreSQL. Whether the code exists (→ 404) rides in the same statement (an extra of readJsonPage): an
 * empty page (a code nobody used yet, the common case) carries no row to prove the code exists, and asking
 * then would be a third round trip (SPEC §10: reads ≤ 2).
 */
export async function discountUsage(db: Database, window: PageWindow, id: string, q: { sort: string; order: 'asc' | 'desc' }) {
  const page = await readJsonPage(db, window, {
    item: redemptionItem(),
    from: sql`${discountRedemptions} INNER JOIN ${users} ON ${users.id} = ${discountRedemptions.userId}`,
    where: eq(discountRedemptions.discountCodeId, id),
    orderBy: orderBy(USAGE_SORTS, q.sort, q.order, discountRedemptions.id),
    extras: { code_exists: sql<boolean>`EXISTS (SELECT 1 FROM ${discountCodes} WHERE ${discountCodes.id} = ${id})` },
  });
  if (!page.extras.code_exists) throw notFound('discount.not_found');
  return page;
}
