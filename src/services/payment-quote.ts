/**
 * POST /payments/quote (SPEC-WAVE2 §12.3): exactly what POST /payments would charge now — the same priced
 * quote query (services/currencies.ts), in one round trip — and reserves nothing. Refusals are those of
 * POST /payments, without the payment method (a quote has none). An unknown discount code counts a failed
 * lookup (services/code-lookups.ts).
 */
import { sql } from 'drizzle-orm';
import type { Context } from 'hono';
import type * as z from 'zod';
import { clientIp } from '../http/context.js';
import type { QuoteBody } from '../schemas/payment.js';
import type { AppEnv } from '../types.js';
import { discountLookupKeys, lookupGate, lookupRefused } from './code-lookups.js';
import { currencyProblem, pricedQuoteSql, quoteDto, type PricedQuoteRow } from './currencies.js';
import { refuse, refusalsOf } from './payments.js';
import { quoteSql } from './pricing.js';

export async function quotePayment(c: Context<AppEnv>, input: z.infer<typeof QuoteBody>) {
  const { db, user } = c.var;
  const query = pricedQuoteSql(
    quoteSql({ userId: user.id, packageId: input.package_id, quantity: input.quantity, discountCode: input.discount_code }),
    input.currency_code ?? 'USD',
    null,
  );
  const gate = input.discount_code
    ? lookupGate(discountLookupKeys(user.id, clientIp(c)), sql`(SELECT discount_reason FROM pq) = 'not_found'`)
    : undefined;
  const statement = gate
    ? sql`WITH pq AS (${query}), ${gate} SELECT pq.*, (SELECT blocked_until FROM lookup_gate) AS lookup_blocked_until FROM pq`
    : query;
  const row = (await db.execute<PricedQuoteRow & { lookup_blocked_until?: string | null } & Record<string, unknown>>(statement)).rows[0]!;
  const blocked = lookupRefused(row.lookup_blocked_until);
  if (blocked) throw blocked;
  const refusals = refusalsOf({ ...row, method_available: true });
  if (refusals.length > 0) throw refuse(refusals);
  const problem = currencyProblem(row);
  if (problem) throw problem;
  return quoteDto(row);
}
