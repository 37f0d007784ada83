/**
 * Business events → mail statements that need more than one enqueue (SPEC-WAVE2 §11.4, §11.8).
 * Every function returns statements for the caller's batch.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { notify } from '../services/notify.js';
import { integerSettingSql } from '../services/settings-sql.js';
import { enqueueUserMail } from './outbox.js';

/**
 * `credits_low` (§11.8): the in-app notification and the mail, when the debit booked in this batch
 * (`debit`: a condition on `transactions t` selecting it) took the balance across the threshold:
 * `balance_after ≤ T < balance_after − credits`. Keyed by the debit transaction id, so once per crossing.
 */
export function creditsLowStatements(db: Database, config: Pick<Config, 'email'> | undefined, userId: string, debit: SQL) {
  const threshold = integerSettingSql('low_credit_threshold');
  const crossing = sql`(SELECT t.id FROM transactions t
    WHERE ${debit} AND t.user_id = ${userId} AND t.credits < 0
      AND t.balance_after <= ${threshold} AND t.balance_after - t.credits > ${threshold}
    ORDER BY t.created_at DESC LIMIT 1)`;
  const crossed = sql`${crossing} IS NOT NULL`;
  return [
    notify(
      db,
      {
        userId,
        type: 'credits_low',
        title: 'Your credits are running low',
        message: 'Top up to keep creating premium reports.',
        titleAr: 'رصيد نقاطك منخفض',
        messageAr: 'اشحن رصيدك لمتابعة إنشاء التقارير المميزة.',
      },
      crossed,
    ),
    enqueueUserMail(db, config, {
      eventKey: sql`'credits_low:' || ${crossing}::text`,
      template: 'credits_low',
      userId,
      variablesSql: sql`jsonb_build_object('balance', (SELECT credits FROM users WHERE id = ${userId}))`,
      when: crossed,
    }),
  ];
}

/** `credits_added` (§11.4): an admin credit adjustment > 0, keyed by its transaction. */
export function creditsAddedMail(db: Database, config: Pick<Config, 'email'>, userId: string, transactionId: string, credits: number) {
  return enqueueUserMail(db, config, {
    eventKey: `credits_added:${transactionId}`,
    template: 'credits_added',
    userId,
    variables: { credits },
    variablesSql: sql`jsonb_build_object('balance', (SELECT credits FROM users WHERE id = ${userId}))`,
    when: sql`EXISTS (SELECT 1 FROM transactions WHERE id = ${transactionId})`,
  });
}
