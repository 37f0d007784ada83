/**
 * Business events → mail (and in-app) statements that need more than one enqueue (SPEC-WAVE2 §11.4, §11.8).
 * Every function returns statements for the caller's batch.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Permission } from '../auth/permissions.js';
import { translate } from '../i18n/messages.js';
import { escapeHtml } from '../services/email-render.js';
import { notify } from '../services/notify.js';
import { integerSettingSql } from '../services/settings-sql.js';
import { enqueueUserMail } from './outbox.js';

/**
 * `credits_low` (§11.8): the in-app notification and the mail, when the debit booked in this batch
 * (`debit`: a condition on `transactions t` selecting it) took the balance across the threshold:
 * `balance_after ≤ T < balance_after − credits`. Keyed by the debit transaction id, so once per crossing.
 */
export function creditsLowStatements(db: Database, config: Pick<Config, 'email'> | undefined, userId: string | SQL, debit: SQL) {
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

/** The length of an admin alert bucket (§0.1 "Admin alerts are bucketed"). */
export const ALERT_BUCKET_MS = 15 * 60 * 1000;
const BUCKET_MS = ALERT_BUCKET_MS;

/** The start of the current 15-minute UTC bucket (§0.1 "Admin alerts are bucketed"). */
export const alertBucket = (now = Date.now()) => new Date(Math.floor(now / BUCKET_MS) * BUCKET_MS).toISOString();

type AdminTemplate = 'admin_new_payment' | 'admin_analysis_failed' | 'admin_contact_message' | 'admin_new_rating' | 'admin_ngo_request';

export interface AdminAlert {
  template: AdminTemplate;
  /** Recipients hold it (super_admin implied). */
  permission: Permission;
  /** Mail variables; `variablesSql` (jsonb) adds those only known in the batch. */
  variables?: Record<string, string | number>;
  variablesSql?: SQL;
  /** The event happened in this batch (e.g. "the payment row exists"); false → nothing at all. */
  when: SQL;
  /** The in-app notification: parameters of `notify.<template>.message` (sender-controlled text is escaped here). */
  params: Record<string, string | number>;
  /** Parameters only known in SQL (text expressions), substituted inside the statement. */
  paramsSql?: Record<string, SQL>;
  /** `notifications.data` of the in-app notification, e.g. `{payment_id}`. */
  data: Record<string, unknown>;
  /** A further condition on the in-app notification only, over the recipient `u` (e.g. once per analysis per hour). */
  notifyWhen?: SQL;
  /** The mail's Reply-To (the contact form's sender). */
  replyTo?: string;
}

/**
 * The stand-in of a parameter only known in SQL while the message is translated. It holds `<`, which no
 * value of `params` can hold once escaped (escapeHtml; numbers have none), so nothing a user wrote — a
 * payer email `{amount_usd}@…` — is ever taken for a place to fill in.
 */
const sqlSlot = (name: string) => `<\u0000${name}\u0000>`;
const SQL_SLOTS = /<\u0000(\w+)\u0000>/;

/**
 * EN and AR title and message of an admin alert's in-app notification; values are HTML-escaped (§11.11, §14.7).
 * The template is filled in one pass: `params` in JS, each `paramsSql` name by a slot that the statement
 * fills, concatenating the pieces around it, so no value is substituted into again.
 */
function alertTexts(alert: AdminAlert) {
  const params = Object.fromEntries(Object.entries(alert.params).map(([k, v]) => [k, typeof v === 'string' ? escapeHtml(v) : v]));
  const paramsSql = alert.paramsSql ?? {};
  const slots = Object.fromEntries(Object.keys(paramsSql).map((name) => [name, sqlSlot(name)]));
  const title = `notify.${alert.template}.title` as const;
  const message = `notify.${alert.template}.message` as const;
  // split() with a capturing pattern: text, name, text, name, …, text.
  const withSql = (text: string) =>
    sql`(${sql.join(
      text.split(SQL_SLOTS).map((piece, i) => (i % 2 === 0 ? sql`${piece}::text` : sql`COALESCE((${paramsSql[piece]!})::text, '')`)),
      sql` || `,
    )})`;
  return {
    title: translate(title, 'en'),
    titleAr: translate(title, 'ar'),
    message: withSql(translate(message, 'en', { ...params, ...slots })),
    messageAr: withSql(translate(message, 'ar', { ...params, ...slots })),
  };
}

/**
 * Admin alerts (§11.4 notes, §0.1). ONE statement picks the recipients — active, verified holders of
 * `permission` (super_admin implied) whose preference for the type is not off, at most 50 — and writes, for
 * each, the in-app `admin_*` notification (one per event) and the mail (unless their `email` switch is off
 * or the template inactive). Mail is bucketed: at most one per type and recipient per 15-minute UTC bucket,
 * event key `<type>:<recipient id | inbox>:<bucket start>`, so later events of the bucket queue no mail but
 * still notify in-app. A second statement mails ADMIN_ALERT_EMAIL when configured. Both go in the event's
 * batch; they answer the ids of the mail they queued.
 */
export function adminAlertStatements(db: Database, config: Pick<Config, 'email'> | undefined, alert: AdminAlert) {
  const bucket = alertBucket();
  const vars = sql`${JSON.stringify(alert.variables ?? {})}::jsonb || ${alert.variablesSql ?? sql`'{}'::jsonb`}`;
  const templateActive = sql`EXISTS (SELECT 1 FROM email_templates t WHERE t.template_key = ${alert.template} AND t.is_active)`;
  const texts = alertTexts(alert);
  // Without a configuration at hand (the AI sweep) the holders are mailed, the inbox is not.
  const maxAttempts = config?.email.maxAttempts ?? 8;
  const adminAlert = config?.email.adminAlert ?? { address: undefined, language: 'en' as const };
  const replyTo = alert.replyTo ?? null;
  return [
    db.execute<{ id: string }>(sql`
      WITH recipients AS (
        SELECT u.id, u.email, u.full_name, u.display_name, u.language, u.notification_preferences
        FROM users u JOIN roles r ON r.id = u.role_id
        WHERE u.is_active AND u.email_verified_at IS NOT NULL
          AND (r.name = 'super_admin' OR ${alert.permission} = ANY(r.permissions))
          AND (u.notification_preferences -> ${alert.template}) IS DISTINCT FROM 'false'::jsonb
          AND ${alert.when}
        ORDER BY u.created_at, u.id
        LIMIT 50),
      noted AS (
        INSERT INTO notifications (user_id, type, title, message, title_ar, message_ar, data)
        SELECT u.id, ${alert.template}, ${texts.title}, ${texts.message}, ${texts.titleAr}, ${texts.messageAr}, ${JSON.stringify(alert.data)}::jsonb
        FROM recipients u
        ${alert.notifyWhen ? sql`WHERE ${alert.notifyWhen}` : sql``})
      INSERT INTO email_outbox (event_key, template_key, user_id, to_address, to_name, language, variables, priority, max_attempts, next_attempt_at, reply_to)
      SELECT ${alert.template} || ':' || u.id::text || ':' || ${bucket}, ${alert.template}, u.id, u.email, COALESCE(u.full_name, u.display_name),
             u.language, jsonb_build_object('name', COALESCE(u.full_name, u.display_name, '')) || ${vars}, 2, ${maxAttempts}, now(), ${replyTo}
      FROM recipients u
      WHERE (u.notification_preferences -> 'email') IS DISTINCT FROM 'false'::jsonb AND ${templateActive}
      ON CONFLICT (event_key) DO NOTHING
      RETURNING id`),
    ...(adminAlert.address
      ? [
          db.execute<{ id: string }>(sql`
            INSERT INTO email_outbox (event_key, template_key, user_id, to_address, to_name, language, variables, priority, max_attempts, next_attempt_at, reply_to)
            SELECT ${`${alert.template}:inbox:${bucket}`}, ${alert.template}, NULL, ${adminAlert.address}, NULL, ${adminAlert.language},
                   jsonb_build_object('name', '') || ${vars}, 2, ${maxAttempts}, now(), ${replyTo}
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
