/**
 * POST /payments/quote (SPEC-WAVE2 §12.3): exactly what POST /payments would charge now — the same priced
 * quote query (services/currencies.ts), in one round trip — and reserves nothing. Refusals are those of
 * POST /payments, without the payment method (a quote has none).
 */
import type { Context } from 'hono';
import type * as z from 'zod';
import type { QuoteBody } from '../schemas/payment.js';
import type { AppEnv } from '../types.js';
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
  const row = (await db.execute<PricedQuoteRow & Record<string, unknown>>(query)).rows[0]!;
  const refusals = refusalsOf({ ...row, method_available: true });
  if (refusals.length > 0) throw refuse(refusals);
  const problem = currencyProblem(row);
  if (problem) throw problem;
  return quoteDto(row);
}
