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
      tags: ['payments'],
      response: PaymentSchema,
      errors: ['NOT_FOUND', 'INVALID_STATE'],
    }),
    requirePermission('manage_payments'),
    idParam(),
    body(RejectPaymentBody),
    async (c) => ok(c, await rejectPayment(c, c.req.valid('param').id, c.req.valid('json').reason), 'ok.payment_rejected'),
  );


