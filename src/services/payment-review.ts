/**
 * Approving and rejecting a payment (SPEC §4): exactly once, from `pending`, in ONE batch after sign-in.
 *
 * The batch knows only the payment id; everything else (owner, credits, code) is read by its
 * statements. It opens with `SELECT … FOR UPDATE` on the payment: concurrent reviews of the same payment
 * queue there. Every effect is conditional on `status = 'pending'` and the status changes in the LAST
 * statement, so under the lock all of them see the same state: the first review does everything; the
 * others find the payment reviewed, do nothing, and get 409 INVALID_STATE. (As a last line, the unique
 * index `transactions_one_purchase_per_payment` refuses a second purchase booking outright.)
 *
 * Approval: purchase booked (ledger), redemption confirmed, owner notified, audit entry, status set —
 * and then the referral reward check for the owner (services/referrals.ts), in the same transaction.
 * Rejection: the discount use released (both counters decremented, redemption → released), owner
 * notified with the reason, audit entry, status set.
 */
import { and, eq, ne, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import type { Database } from '../db/client.js';
import { discountRedemptions, payments } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { paymentFields, serializePayment, type PaymentDto } from '../schemas/payment.js';
import type { AppEnv } from '../types.js';
import { auditIf } from './conditional-log.js';
import { notify } from './notify.js';
import { balanceLimitError, bookEntriesFrom, isBalanceOverflow, isDoubleBooking } from './ledger.js';
import { notificationTexts } from './notification-texts.js';
import { referralRewardStatements } from './referrals.js';
import { enqueueUserMail, idsOf, noteQueued } from '../email/outbox.js';

/**
 * What both reviews share: the row lock, "still pending" (as seen under it), and the owner — all in SQL.
 * `notOwnedBy`: the review acts only on someone else's payment (separation of duties, see approvePayment).
 */
function reviewOf(db: Database, id: string, notOwnedBy?: string) {
  const others = notOwnedBy ? sql` AND user_id <> ${notOwnedBy}` : sql``;
  return {
    lock: db.select({ id: payments.id, status: payments.status, userId: payments.userId }).from(payments).where(eq(payments.id, id)).for('update'),
    pending: sql`EXISTS (SELECT 1 FROM payments WHERE id = ${id} AND status = 'pending'${others})`,
    others,
    owner: sql`(SELECT user_id FROM payments WHERE id = ${id})`,
  };
}

/** 404 when there is no such payment, 409 when it was not pending. */
function outcome(locked: { status: string }[], claimed: Record<string, unknown>[]): PaymentDto {
  const row = claimed[0];
  if (row) return serializePayment(row as Parameters<typeof serializePayment>[0]);
  if (locked.length === 0) throw notFound();
  throw new AppError('INVALID_STATE', { message: 'payment.not_pending', details: { status: locked[0]!.status } });
}

/**
 * Separation of duties: nobody approves their own payment, whatever their permissions (a super admin
 * included) — the one who pays and the one who confirms the money arrived are two people. Every
 * statement acts only on another user's payment; the caller gets 403 for their own.
 */
export async function approvePayment(c: Context<AppEnv>, id: string): Promise<PaymentDto> {
  const { db, user: reviewer, config } = c.var;
  const { lock, pending, owner, others } = reviewOf(db, id, reviewer.id);
  try {
    const [locked, , , , , queued, claimed] = await db.batch([
      lock,
      bookEntriesFrom(db, {
        type: 'purchase',
        referenceType: 'payment',
        description: 'Credit purchase',
        createdBy: reviewer.id,
        source: sql`SELECT user_id, credits, id AS reference_id FROM payments WHERE id = ${id} AND status = 'pending'${others}`,
      }),
      db
        .update(discountRedemptions)
        .set({ status: 'confirmed', updatedAt: sql`now()` })
        .where(and(eq(discountRedemptions.paymentId, id), eq(discountRedemptions.status, 'reserved'), pending)),
      notify(db, { userId: owner, ...notificationTexts('payment_approved'), data: { payment_id: id } }, pending),
      auditIf(
        db,
        c,
        { action: 'payment.approve', entityType: 'payment', entityId: id, before: { status: 'pending' }, after: { status: 'approved' } },
        pending,
      ),
      enqueueUserMail(db, config, {
        eventKey: `payment_approved:${id}`,
        template: 'payment_approved',
        userId: owner,
        variablesSql: sql`(SELECT jsonb_build_object('amount_usd', p.amount_usd::text, 'credits', p.credits) FROM payments p WHERE p.id = ${id})`,
        when: pending,
      }),
      db
        .update(payments)
        .set({ status: 'approved', reviewedBy: reviewer.id, reviewedAt: sql`now()`, updatedAt: sql`now()` })
        .where(and(eq(payments.id, id), eq(payments.status, 'pending'), ne(payments.userId, reviewer.id)))
        .returning(paymentFields),
      // The owner now has an approved payment: their referrer may be due the reward (SPEC §10).
      ...referralRewardStatements(db, owner),
    ]);
    if (locked[0]?.userId === reviewer.id) throw new AppError('AUTHORIZATION_ERROR', { message: 'payment.own_payment' });
    noteQueued(c, idsOf(queued));
    return outcome(locked, claimed);
  } catch (error) {
    if (isDoubleBooking(error, 'purchase')) throw new AppError('INVALID_STATE', { message: 'payment.not_pending' });
    if (isBalanceOverflow(error)) throw balanceLimitError('credits');
    throw error;
  }
}

export async function rejectPayment(c: Context<AppEnv>, id: string, reason: string): Promise<PaymentDto> {
  const { db, user: reviewer, config } = c.var;
  const { lock, pending, owner } = reviewOf(db, id);
  const reserved = sql`(SELECT r.discount_code_id, r.user_id FROM discount_redemptions r WHERE r.payment_id = ${id} AND r.status = 'reserved')`;
  const [locked, , , , , , queued, claimed] = await db.batch([
    lock,
    // The use reserved at creation goes back to the code and to the buyer's allowance.
    db.execute(sql`
      UPDATE discount_codes SET uses_count = uses_count - 1, updated_at = now()
      WHERE id = (SELECT discount_code_id FROM ${reserved} AS r) AND ${pending}`),
    db.execute(sql`
      UPDATE discount_code_user_uses SET uses = uses - 1
      WHERE (discount_code_id, user_id) = (SELECT discount_code_id, user_id FROM ${reserved} AS r) AND ${pending}`),
    db
      .update(discountRedemptions)
      .set({ status: 'released', updatedAt: sql`now()` })
      .where(and(eq(discountRedemptions.paymentId, id), eq(discountRedemptions.status, 'reserved'), pending)),
    notify(db, { userId: owner, ...notificationTexts('payment_rejected', { reason }), data: { payment_id: id, reason } }, pending),
    auditIf(
      db,
      c,
      {
        action: 'payment.reject',
        entityType: 'payment',
        entityId: id,
        before: { status: 'pending' },
        after: { status: 'rejected', rejection_reason: reason },
      },
      pending,
    ),
    enqueueUserMail(db, config, { eventKey: `payment_rejected:${id}`, template: 'payment_rejected', userId: owner, variables: { reason }, when: pending }),
    db
      .update(payments)
      .set({ status: 'rejected', reviewedBy: reviewer.id, reviewedAt: sql`now()`, rejectionReason: reason, updatedAt: sql`now()` })
      .where(and(eq(payments.id, id), eq(payments.status, 'pending')))
      .returning(paymentFields),
  ]);
  noteQueued(c, idsOf(queued));
  return outcome(locked, claimed);
}
