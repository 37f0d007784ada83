/**
 * Creating a payment (SPEC §4, §10 "Money"): one batch after sign-in.
 *
 *   1. the quote (services/pricing.ts) and, in the same statement, the INSERT of the payment from it,
 *      only when package, method and code are all fine — so the amounts are the server's, computed in
 *      SQL from the rows as they are now, and the statement returns the quote to explain a refusal;
 *   2-4. when the payment carries a code: reserve one use of it (`uses_count + 1`), one use of the
 *      buyer's per-user counter (upsert, its `max_uses` copied from `per_user_limit`), and record the
 *      redemption. The CHECKs `discount_codes_uses_within_max` and `discount_code_user_uses_within_limit`
 *      refuse an over-use; the batch is one transaction, so the payment disappears with it. Concurrent
 *      buyers queue on the code's row lock: `max_uses` holds whatever their number.
 */
import { sql } from 'drizzle-orm';
import type { Context } from 'hono';
import type * as z from 'zod';
import { isCheckViolation, isForeignKeyViolation, pgErrorOf } from '../db/errors.js';
import { adminAlertStatements } from '../email/events.js';
import { AppError, type ValidationIssue } from '../errors.js';
import { clientIp } from '../http/context.js';
import type { MessageKey } from '../i18n/messages.js';
import { paymentReturning, serializePayment, type CreatePaymentBody, type PaymentDto } from '../schemas/payment.js';
import type { AppEnv } from '../types.js';
import { discountLookupKeys, lookupGate, lookupRefused } from './code-lookups.js';
import { currencyProblem, pricedQuoteSql, type PricedQuoteRow } from './currencies.js';
import { quoteSql, type DiscountReason, type QuoteRow } from './pricing.js';

type CreatePaymentInput = z.infer<typeof CreatePaymentBody>;

interface Refusal {
  path: 'package_id' | 'payment_method_id' | 'discount_code';
  code: string;
  message: MessageKey;
}

const discountRefusal = (reason: DiscountReason): Refusal => ({
  path: 'discount_code',
  code: reason,
  message: `discount.${reason}`,
});

/** One 400 naming every refused field; `details.reason` is the discount code's reason, if any. */
export function refuse(refusals: Refusal[]): AppError {
  const discount = refusals.find((r) => r.path === 'discount_code');
  return new AppError('VALIDATION_ERROR', {
    message: refusals[0]!.message,
    details: {
      ...(discount ? { reason: discount.code } : {}),
      issues: refusals.map((r): ValidationIssue => ({ path: r.path, code: r.code, message: '' })),
    },
  });
}

export function refusalsOf(quote: QuoteRow): Refusal[] {
  const out: Refusal[] = [];
  if (!quote.package_available) out.push({ path: 'package_id', code: 'unavailable', message: 'catalog.package_unavailable' });
  if (!quote.method_available) {
    out.push({ path: 'payment_method_id', code: 'unavailable', message: 'catalog.method_unavailable' });
  }
  if (quote.discount_reason) out.push(discountRefusal(quote.discount_reason));
  return out;
}

/** SPEC-WAVE2 §0.1: a user may have at most 5 pending payments; a 6th is a 409 `too_many_pending`. */
export const MAX_PENDING_PAYMENTS = 5;

type PendingAware = PricedQuoteRow & {
  payment: Record<string, unknown> | null;
  pending_count: number | string;
  lookup_blocked_until: string | null;
} & Record<string, unknown>;

const tooManyPending = () =>
  new AppError('INVALID_STATE', {
    message: 'payment.too_many_pending',
    details: { reason: 'too_many_pending', max_pending: MAX_PENDING_PAYMENTS },
  });

export async function createPayment(c: Context<AppEnv>, input: CreatePaymentInput): Promise<PaymentDto> {
  const { db, user } = c.var;
  const id = crypto.randomUUID();
  // SPEC-WAVE2 §12: priced in the payment's currency (USD unless named) in the same statement as the insert.
  const quote = pricedQuoteSql(
    quoteSql({
      userId: user.id,
      packageId: input.package_id,
      quantity: input.quantity,
      discountCode: input.discount_code,
      paymentMethodId: input.payment_method_id,
    }),
    input.currency_code ?? 'USD',
    input.expected_amount ?? null,
  );
  const ofThisPayment = sql`(SELECT p.discount_code_id FROM payments p WHERE p.id = ${id})`;
  const pendingCount = sql`(SELECT count(*) FROM payments WHERE user_id = ${user.id} AND status = 'pending')`;
  // An unknown discount code counts a failed lookup; past the limits the payment is refused (services/code-lookups.ts).
  const gate = input.discount_code
    ? sql`, ${lookupGate(discountLookupKeys(user.id, clientIp(c)), sql`(SELECT discount_reason FROM q) = 'not_found'`)}`
    : sql``;
  const notBlocked = input.discount_code ? sql`AND (SELECT blocked_until FROM lookup_gate) IS NULL` : sql``;
  const blockedUntil = input.discount_code ? sql`(SELECT blocked_until FROM lookup_gate)` : sql`NULL::timestamptz`;
  try {
    const [, placed] = await db.batch([
      // The buyer's row lock queues their own concurrent submissions, so the pending count below is exact.
      db.execute(sql`SELECT 1 FROM users WHERE id = ${user.id} FOR UPDATE`),
      // The quote is evaluated ONCE, by the statement that inserts from it: the answer and the
      // insert cannot disagree, whatever other buyers commit meanwhile.
      db.execute<PendingAware>(sql`
        WITH q AS (${quote})${gate},
        placed AS (
          INSERT INTO payments (id, user_id, package_id, payment_method_id, quantity, credits,
                                list_price_usd, discount_usd, amount_usd, discount_code_id, payment_proof, notes,
                                currency_code, exchange_rate, currency_decimals, currency_amount_minor, rate_quoted_at)
          SELECT ${id}, ${user.id}, q.package_id, q.payment_method_id, ${input.quantity}, q.credits,
                 q.list_price_usd, q.discount_usd, q.amount_usd, q.discount_code_id, ${input.payment_proof}, ${input.notes ?? null},
                 q.currency_code, q.exchange_rate, q.currency_decimals, q.currency_amount_minor::bigint, q.rate_quoted_at
          FROM q
          WHERE q.package_available AND q.method_available AND q.discount_reason IS NULL
            AND q.currency_available AND q.amount_fits AND NOT q.rate_stale AND q.expected_matches IS NOT FALSE
            AND ${pendingCount} < ${MAX_PENDING_PAYMENTS} ${notBlocked}
          RETURNING ${paymentReturning})
        SELECT q.*, (SELECT row_to_json(placed) FROM placed) AS payment, ${pendingCount} AS pending_count,
               ${blockedUntil} AS lookup_blocked_until
        FROM q`),
      db.execute(sql`
        UPDATE discount_codes SET uses_count = uses_count + 1, updated_at = now()
        WHERE id = ${ofThisPayment}`),
      db.execute(sql`
        INSERT INTO discount_code_user_uses (discount_code_id, user_id, uses, max_uses)
        SELECT dc.id, ${user.id}, 1, dc.per_user_limit FROM discount_codes dc WHERE dc.id = ${ofThisPayment}
        ON CONFLICT (discount_code_id, user_id)
        DO UPDATE SET uses = discount_code_user_uses.uses + 1, max_uses = excluded.max_uses`),
      db.execute(sql`
        INSERT INTO discount_redemptions (discount_code_id, user_id, payment_id, discount_usd)
        SELECT p.discount_code_id, p.user_id, p.id, p.discount_usd FROM payments p
        WHERE p.id = ${id} AND p.discount_code_id IS NOT NULL`),
      // SPEC-WAVE2 §11.4: payment reviewers hear about it in-app and by mail (mail bucketed per 15 minutes).
      ...adminAlertStatements(db, c.var.config, {
        template: 'admin_new_payment',
        permission: 'manage_payments',
        variables: { payer_email: user.email },
        variablesSql: sql`(SELECT jsonb_build_object('amount_usd', p.amount_usd::text) FROM payments p WHERE p.id = ${id})`,
        when: sql`EXISTS (SELECT 1 FROM payments p WHERE p.id = ${id})`,
        params: { payer_email: user.email },
        paramsSql: { amount_usd: sql`(SELECT p.amount_usd FROM payments p WHERE p.id = ${id})` },
        data: { payment_id: id },
      }),
    ]);
    const result = placed.rows[0]!;
    if (!result.payment) {
      const blocked = lookupRefused(result.lookup_blocked_until);
      if (blocked) throw blocked;
      const refusals = refusalsOf(result);
      if (refusals.length > 0) throw refuse(refusals);
      const currency = currencyProblem(result);
      if (currency) throw currency;
      throw tooManyPending();
    }
    return serializePayment(result.payment as Parameters<typeof serializePayment>[0]);
  } catch (error) {
    // Lost the race for the last use of the code (or of the buyer's allowance): nothing was created.
    if (isCheckViolation(error, 'discount_codes_uses_within_max')) throw refuse([discountRefusal('exhausted')]);
    if (isCheckViolation(error, 'discount_code_user_uses_within_limit')) throw refuse([discountRefusal('per_user_limit')]);
    // The package or method was deleted between the quote and the insert.
    if (isForeignKeyViolation(error)) {
      const constraint = pgErrorOf(error)?.constraint ?? '';
      throw refuse([
        constraint.includes('payment_method')
          ? { path: 'payment_method_id', code: 'unavailable', message: 'catalog.method_unavailable' }
          : { path: 'package_id', code: 'unavailable', message: 'catalog.package_unavailable' },
      ]);
    }
    throw error;
  }
}
