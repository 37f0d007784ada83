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

const BUCKET_MS = 15 * 60 * 1000;

/** The start of the current 15-minute UTC bucket (§0.1 "Admin alerts are bucketed"). */
export const alertBucket = (now = Date.now()) => new Date(Math.floor(now / BUCKET_MS) * BUCKET_MS).toISOString();

type AdminTemplate = 'admin_new_payment' | 'admin_analysis_failed' | 'admin_contact_message' | 'admin_new_rating' | 'admin_ngo_request';

/**
 * Admin fan-out (§11.4 notes, §0.1): ONE statement mails every active, verified holder of `permission`
 * (super_admin implied) whose preferences allow it, at most 50, and one more for ADMIN_ALERT_EMAIL.
 * At most one mail per type and recipient per 15-minute bucket: the event key is
 * `<type>:<recipient id | inbox>:<bucket start>`, so later events of the bucket queue nothing.
 */
export function adminAlertStatements(
  db: Database,
  config: Pick<Config, 'email'> | undefined,
  alert: { template: AdminTemplate; permission: string; variables?: Record<string, string | number>; variablesSql?: SQL; when: SQL },
) {
  const bucket = alertBucket();
  const vars = sql`${JSON.stringify(alert.variables ?? {})}::jsonb || ${alert.variablesSql ?? sql`'{}'::jsonb`}`;
  const templateActive = sql`EXISTS (SELECT 1 FROM email_templates t WHERE t.template_key = ${alert.template} AND t.is_active)`;
  // Without a configuration at hand (the AI sweep) the holders are mailed, the inbox is not.
  const maxAttempts = config?.email.maxAttempts ?? 8;
  const adminAlert = config?.email.adminAlert ?? { address: undefined, language: 'en' as const };
  return [
    db.execute<{ id: string }>(sql`
      INSERT INTO email_outbox (event_key, template_key, user_id, to_address, to_name, language, variables, priority, max_attempts, next_attempt_at)
      SELECT ${alert.template} || ':' || u.id::text || ':' || ${bucket}, ${alert.template}, u.id, u.email, COALESCE(u.full_name, u.display_name),
             u.language, jsonb_build_object('name', COALESCE(u.full_name, u.display_name, '')) || ${vars}, 2, ${maxAttempts}, now()
      FROM users u JOIN roles r ON r.id = u.role_id
      WHERE u.is_active AND u.email_verified_at IS NOT NULL
        AND (r.name = 'super_admin' OR ${alert.permission} = ANY(r.permissions))
        AND (u.notification_preferences -> ${alert.template}) IS DISTINCT FROM 'false'::jsonb
        AND (u.notification_preferences -> 'email') IS DISTINCT FROM 'false'::jsonb
        AND ${templateActive} AND ${alert.when}
      ORDER BY u.created_at, u.id
      LIMIT 50
      ON CONFLICT (event_key) DO NOTHING
      RETURNING id`),
    ...(adminAlert.address
      ? [
          db.execute<{ id: string }>(sql`
            INSERT INTO email_outbox (event_key, template_key, user_id, to_address, to_name, language, variables, priority, max_attempts, next_attempt_at)
            SELECT ${`${alert.template}:inbox:${bucket}`}, ${alert.template}, NULL, ${adminAlert.address}, NULL, ${adminAlert.language},
                   jsonb_build_object('name', '') || ${vars}, 2, ${maxAttempts}, now()
            WHERE ${templateActive} AND ${alert.when}
            ON CONFLICT (event_key) DO NOTHING
            RETURNING id`),
        ]
      : []),
  ];
}

/**
 * The aggregated server-error alert (§11.4 note, §0.1): one `admin_server_error` mail to ADMIN_ALERT_EMAIL
 * per 15-minute bucket, sent at the end of the bucket; later errors of the bucket raise its `count` while
 * the row is still pending. Error codes only, never error text.
 */
export function serverErrorAlert(db: Database, config: Pick<Config, 'email'>, errorCode: string) {
  const address = config.email.adminAlert.address;
  if (!address) return undefined;
  const bucket = alertBucket();
  const bucketEnd = new Date(new Date(bucket).getTime() + BUCKET_MS);
  return db.execute(sql`
    INSERT INTO email_outbox (event_key, template_key, user_id, to_address, language, variables, priority, max_attempts, next_attempt_at)
    SELECT ${`admin_server_error:inbox:${bucket}`}, 'admin_server_error', NULL, ${address}, ${config.email.adminAlert.language},
           jsonb_build_object('name', '', 'count', 1, 'error_code', ${errorCode}::text, 'bucket_start', ${bucket}::text),
           2, ${config.email.maxAttempts}, ${bucketEnd}::timestamptz
    WHERE EXISTS (SELECT 1 FROM email_templates t WHERE t.template_key = 'admin_server_error' AND t.is_active)
    ON CONFLICT (event_key) DO UPDATE
      SET variables = jsonb_set(email_outbox.variables, '{count}', to_jsonb(COALESCE((email_outbox.variables ->> 'count')::int, 0) + 1)),
          updated_at = now()
      WHERE email_outbox.status = 'pending'`);
}
