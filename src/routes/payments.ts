/** /api/payments — manual payments with proof, their review and statistics (SPEC §4). */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import { hasPermission, requirePermission, requireUser, assertPermission, requireVerifiedUser } from '../auth/guards.js';
import { payments } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { created, ok, paginatedJson } from '../http/envelope.js';
import { pageWindow } from '../http/pagination.js';
import { orderBy, readJsonPage } from '../db/pagination.js';
import { describe, readMeta, withMeta } from '../http/route-meta.js';
import { body, emptyBody, idParam, query } from '../http/validate.js';
import {
  CreatePaymentBody,
  PaymentDetailSchema,
  paymentItem,
  paymentFields,
  PaymentListQuery,
  PaymentSchema,
  PaymentStatsQuery,
  PaymentStatsSchema,
  QuoteBody,
  RejectPaymentBody,
  serializePayment,
} from '../schemas/payment.js';
import { approvePayment, rejectPayment } from '../services/payment-review.js';
import { createPayment } from '../services/payments.js';
import { quotePayment } from '../services/payment-quote.js';
import { QuoteSchema } from '../schemas/currency.js';
import { paymentStats } from '../services/payment-stats.js';
import type { AppEnv } from '../types.js';

const SORTS = {
  created_at: payments.createdAt,
  updated_at: payments.updatedAt,
  amount_usd: payments.amountUsd,
  status: payments.status,
};

/**
 * The create-body validator, except that a proof image over 5 MiB is 413 PAYLOAD_TOO_LARGE (SPEC §10)
 * rather than the 400 any other bad proof gets. Same metadata, so the OpenAPI document is unchanged.
 */
const createPaymentBody = (() => {
  const validate = body(CreatePaymentBody);
  const wrapped = (async (c, next) => {
    try {
      return await validate(c, next);
    } catch (error) {
      const issues = error instanceof AppError && error.code === 'VALIDATION_ERROR' ? error.details?.issues : undefined;
      const tooLarge = Array.isArray(issues) && issues.some((i) => i.path === 'payment_proof' && i.code === 'too_big');
      if (tooLarge) throw new AppError('PAYLOAD_TOO_LARGE', { message: 'payment.proof_too_large' });
      throw error;
    }
  }) as typeof validate;
  return withMeta(wrapped, readMeta(validate)!);
})();

export const paymentRoutes = new Hono<AppEnv>()
  .post(
    '/',
    describe({
      operationId: 'createPayment',
      summary: 'Submit a payment for review',
      description:
        'The server prices it from `package_id`, `quantity` and the optional `discount_code`; amounts, credits and status ' +
        'in the body are refused. A discount use is reserved atomically (max uses and per-user limit hold under concurrency). ' +
        'Unknown or inactive package / method, or an unusable code → 400 naming the field (`details.reason` for the code). ' +
        'SPEC-WAVE2 §12: `currency_code` (default USD) prices it in that currency in the same statement, recording the rate, ' +
        'its timestamp and the minor amount (unknown/inactive → 400 naming `currency_code`; stale rate → 409 `rate_stale`); ' +
        '`expected_amount` different from the server amount → 400 naming it, `details.reason = price_changed`, `details.quote`. ' +
        'At most 5 pending payments per user: a 6th → 409 `details.reason = too_many_pending`. Unknown discount codes count ' +
        'failed lookups (10 per user, 30 per IP per hour, shared with validate and quote), then 429.',
      tags: ['payments'],
      status: 201,
      response: PaymentSchema,
      errors: ['INVALID_STATE', 'RATE_LIMITED'],
    }),
    requireVerifiedUser,
    createPaymentBody,
    async (c) => created(c, await createPayment(c, c.req.valid('json')), 'ok.payment_created'),
  )
  .post(
    '/quote',
    describe({
      operationId: 'quotePayment', summary: 'Price a purchase without submitting it',
      description:
        'What `POST /payments` would charge now: credits, list price, discount and amount in USD, and the amount in ' +
        '`currency_code` (default USD) converted once after the discount, half-up to the currency\'s cash step. Reserves ' +
        'nothing. Refusals as `POST /payments`; a stale rate → 409 INVALID_STATE `rate_stale`.',
      tags: ['payments'],
      response: QuoteSchema,
      errors: ['INVALID_STATE'],
    }),
    requireVerifiedUser,
    body(QuoteBody),
    async (c) => ok(c, await quotePayment(c, c.req.valid('json'))),
  )
  .get(
    '/',
    describe({
      operationId: 'listPayments',
      summary: 'List payments (without proofs)',
      description: 'Own payments; with `view_payments` everyone’s, filterable by `user_id` (403 without it for another user).',
      tags: ['payments'],
      response: PaymentSchema,
      responseKind: 'paginated',
      sort: ['amount_usd', 'status'],
      errors: ['AUTHORIZATION_ERROR'],
    }),
    requireUser,
    query(PaymentListQuery),
    async (c) => {
      const q = c.req.valid('query');
      const { db, user } = c.var;
      const seesAll = hasPermission(c, 'view_payments');
      if (q.user_id && q.user_id !== user.id) assertPermission(c, 'view_payments');
      const owner = q.user_id ?? (seesAll ? undefined : user.id);
      const window = pageWindow(c, q);
      const where: SQL | undefined = and(
        owner ? eq(payments.userId, owner) : undefined,
        q.status ? eq(payments.status, q.status) : undefined,
      );
      const page = await readJsonPage(db, window, {
        item: paymentItem(),
        from: sql`${payments}`,
        where,
        orderBy: orderBy(SORTS, q.sort, q.order, payments.id),
      });
      return paginatedJson(c, page);
    },
  )
  .get(
    '/stats',
    describe({
      operationId: 'getPaymentStats',
      summary: 'Payment totals by status and by day',
      description: '`by_day` covers the last `days` days (UTC), all statuses, zero-filled.',
      tags: ['payments'],
      response: PaymentStatsSchema,
    }),
    requirePermission('view_payments'),
    query(PaymentStatsQuery),
    async (c) => ok(c, await paymentStats(c.var.db, c.req.valid('query').days)),
  )
  .get(
    '/:id',
    describe({
      operationId: 'getPayment',
      summary: 'One payment, with its proof',
      description: "The owner's, or anyone's with `view_payments`; another user's payment is a 404.",
      tags: ['payments'],
      response: PaymentDetailSchema,
      errors: ['NOT_FOUND'],
    }),
    requireUser,
    idParam(),
    async (c) => {
      const { id } = c.req.valid('param');
      const { db, user } = c.var;
      const visible = hasPermission(c, 'view_payments') ? undefined : eq(payments.userId, user.id);
      const [row] = await db
        .select({ ...paymentFields, payment_proof: payments.paymentProof })
        .from(payments)
        .where(and(eq(payments.id, id), visible))
        .limit(1);
      if (!row) throw notFound();
      return ok(c, { ...serializePayment(row), payment_proof: row.payment_proof });
    },
  )
  .post(
    '/:id/approve',
    describe({
      operationId: 'approvePayment',
      summary: 'Approve a pending payment',
      description:
        'Exactly once: books the purchase, notifies the owner, writes the audit log (one atomic batch), and pays the ' +
        "owner's referrer if the referral reward is now due. A payment that is not pending → 409 INVALID_STATE. Nobody " +
        'approves their own payment (403, a super admin included).',
      tags: ['payments'],
      response: PaymentSchema,
      errors: ['NOT_FOUND', 'INVALID_STATE'],
    }),
    requirePermission('manage_payments'),
    idParam(),
    emptyBody(),
    async (c) => ok(c, await approvePayment(c, c.req.valid('param').id), 'ok.payment_approved'),
  )
  .post(
    '/:id/reject',
    describe({
      operationId: 'rejectPayment',
      summary: 'Reject a pending payment',
      description: 'Exactly once; releases the reserved discount use and notifies the owner with the reason.',
      tags: ['payments'],
      response: PaymentSchema,
      errors: ['NOT_FOUND', 'INVALID_STATE'],
    }),
    requirePermission('manage_payments'),
    idParam(),
    body(RejectPaymentBody),
    async (c) => ok(c, await rejectPayment(c, c.req.valid('param').id, c.req.valid('json').reason), 'ok.payment_rejected'),
  );


