/**
 * Draining the outbox (SPEC-WAVE2 §11.2). One run:
 *  1. one batch: rows whose lease expired at their last attempt are marked `failed` (`lease_expired`),
 *     due rows are CLAIMED (`FOR UPDATE SKIP LOCKED`, `status='sending'`, `attempts+1`, a lease), and
 *     the product templates are read;
 *  2. claimed rows are rendered and sent, at most 4 at a time;
 *  3. each outcome is written by an update FENCED on `(id, status='sending', attempts)`, so a sender
 *     whose lease ran out cannot overwrite a newer attempt.
 * Concurrent dispatchers (Worker isolates, the cron, Node processes) never hold the same row.
 */
import { sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { emailTemplates } from '../db/schema.js';
import { log } from '../http/logger.js';
import { decryptSecrets } from './crypto.js';
import { providerFor, type EmailProvider, type SendResult } from './provider.js';
import { registryEntry } from './registry.js';
import { renderMail, type TemplateSource } from './render.js';

const LEASE_EXTRA_S = 50;
const SEND_CONCURRENCY = 4;
const BACKOFF_BASE_S = 30;
const BACKOFF_MAX_S = 6 * 60 * 60;

export interface DispatchOptions {
  /** Only these rows (the ones a request just queued). */
  ids?: string[];
  /** Only rows of this priority or more urgent (after a request: 1). */
  maxPriority?: number;
  /** Stop claiming after this long (ms). */
  budgetMs?: number;
  provider?: EmailProvider;
  /** For tests: a fixed jitter factor in [0.8, 1.2]. */
  jitter?: () => number;
}

export interface DispatchReport {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  cancelled: number;
  lost: number;
}

type ClaimedRow = {
  id: string;
  template_key: string;
  to_address: string;
  to_name: string | null;
  language: 'en' | 'ar';
  variables: Record<string, string | number | boolean | null>;
  secret_ciphertext: string | null;
  attempts: number;
  max_attempts: number;
  reply_to: string | null;
  expired: boolean;
};

type Outcome =
  | { kind: 'sent'; providerMessageId: string | undefined }
  | { kind: 'retry'; error: string; httpStatus: number | undefined; delayS: number }
  | { kind: 'failed'; error: string; httpStatus: number | undefined }
  | { kind: 'cancelled'; error: string };

export function backoffSeconds(attempts: number, jitter: number): number {
  return Math.min(BACKOFF_BASE_S * 2 ** Math.max(0, attempts - 1), BACKOFF_MAX_S) * jitter;
}

const defaultJitter = () => 0.8 + Math.random() * 0.4;

export async function dispatchOutbox(db: Database, config: Config, options: DispatchOptions = {}): Promise<DispatchReport> {
  const report: DispatchReport = { claimed: 0, sent: 0, retried: 0, failed: 0, cancelled: 0, lost: 0 };
  const provider = options.provider ?? providerFor(config);
  const started = Date.now();
  const budget = options.budgetMs ?? 25_000;
  const batchSize = config.email.batchSize;
  for (;;) {
    const { rows, templates } = await claim(db, config, options, batchSize);
    report.claimed += rows.length;
    const queue = [...rows];
    const workers = Array.from({ length: Math.min(SEND_CONCURRENCY, queue.length) }, async () => {
      for (let row = queue.shift(); row; row = queue.shift()) {
        const outcome = await deliver(row, templates, provider, config, options.jitter ?? defaultJitter);
        const recorded = await record(db, row, outcome);
        if (!recorded) report.lost++;
        else if (outcome.kind === 'sent') report.sent++;
        else if (outcome.kind === 'retry') report.retried++;
        else if (outcome.kind === 'failed') report.failed++;
        else report.cancelled++;
      }
    });
    await Promise.all(workers);
    if (rows.length < batchSize || options.ids || Date.now() - started > budget) break;
  }
  return report;
}

async function claim(db: Database, config: Config, options: DispatchOptions, limit: number) {
  const leaseS = Math.ceil(config.email.timeoutMs / 1000) + LEASE_EXTRA_S;
  const onlyIds = options.ids ? sql`AND id = ANY(${`{${options.ids.join(',')}}`}::uuid[])` : sql``;
  const onlyPriority = options.maxPriority !== undefined ? sql`AND priority <= ${options.maxPriority}` : sql``;
  const [, claimed, templates] = await db.batch([
    db.execute(sql`
      UPDATE email_outbox SET status = 'failed', last_error = 'lease_expired', locked_until = NULL,
             secret_ciphertext = NULL, updated_at = now()
      WHERE status = 'sending' AND locked_until < now() AND attempts >= max_attempts`),
    db.execute<ClaimedRow>(sql`
      UPDATE email_outbox o
      SET status = 'sending', attempts = o.attempts + 1, locked_until = now() + make_interval(secs => ${leaseS}), updated_at = now()
      WHERE o.id IN (
        SELECT id FROM email_outbox
        WHERE ((status = 'pending' AND next_attempt_at <= now()) OR (status = 'sending' AND locked_until < now()))
          AND attempts < max_attempts ${onlyIds} ${onlyPriority}
        ORDER BY priority, next_attempt_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING o.id, o.template_key, o.to_address, o.to_name, o.language, o.variables, o.secret_ciphertext,
                o.attempts, o.max_attempts, o.reply_to, (o.expires_at IS NOT NULL AND o.expires_at <= now()) AS expired`),
    db
      .select({
        templateKey: emailTemplates.templateKey,
        subjectEn: emailTemplates.subjectEn,
        subjectAr: emailTemplates.subjectAr,
        bodyEn: emailTemplates.bodyEn,
        bodyAr: emailTemplates.bodyAr,
        isActive: emailTemplates.isActive,
      })
      .from(emailTemplates)
      .where(sql`${emailTemplates.templateKey} IN (SELECT DISTINCT template_key FROM email_outbox WHERE status = 'sending')`),
  ]);
  const byKey = new Map(templates.map((t) => [t.templateKey, t]));
  return { rows: claimed.rows as ClaimedRow[], templates: byKey };
}

/** The template to send with: the stored one when active; account mail falls back to the built-in text. */
function templateFor(key: string, stored: Map<string, TemplateSource & { isActive: boolean }>): TemplateSource | undefined {
  const row = stored.get(key);
  if (row?.isActive) return row;
  const entry = registryEntry(key);
  if (entry?.category !== 'account') return undefined;
  const t = entry.texts;
  return { subjectEn: t.subject_en, subjectAr: t.subject_ar, bodyEn: t.body_en, bodyAr: t.body_ar };
}

async function deliver(
  row: ClaimedRow,
  templates: Map<string, TemplateSource & { isActive: boolean }>,
  provider: EmailProvider,
  config: Config,
  jitter: () => number,
): Promise<Outcome> {
  if (row.expired) return { kind: 'cancelled', error: 'expired' };
  const template = templateFor(row.template_key, templates);
  if (!template) return { kind: 'cancelled', error: 'template_inactive' };
  let secrets: Record<string, string> | undefined;
  if (row.secret_ciphertext) {
    secrets = await decryptSecrets(config.secretKey, row.secret_ciphertext);
    if (!secrets) return { kind: 'cancelled', error: 'secret_undecryptable' };
  }
  const mail = renderMail(template, row.language, row.variables, secrets, config.email);
  const signal = AbortSignal.timeout(config.email.timeoutMs);
  let result: SendResult;
  try {
    result = await provider.send(
      {
        to: { address: row.to_address, name: row.to_name ?? undefined },
        from: config.email.from,
        reply_to: row.reply_to ? { address: row.reply_to } : config.email.replyTo ? { address: config.email.replyTo } : undefined,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        reference: row.id,
        template: row.template_key,
      },
      { signal },
    );
  } catch (error) {
    result = { ok: false, retryable: true, error: signal.aborted ? 'timeout' : 'send_failed' };
  }
  if (result.ok) return { kind: 'sent', providerMessageId: result.provider_message_id };
  if (!result.retryable) return { kind: 'failed', error: result.error, httpStatus: result.http_status };
  if (row.attempts >= row.max_attempts) return { kind: 'failed', error: result.error, httpStatus: result.http_status };
  const delayS = Math.max(backoffSeconds(row.attempts, jitter()), result.retry_after_s ?? 0);
  return { kind: 'retry', error: result.error, httpStatus: result.http_status, delayS };
}

/** The fenced outcome update: applies only while this attempt still holds the row. */
async function record(db: Database, row: ClaimedRow, outcome: Outcome): Promise<boolean> {
  const fence = sql`id = ${row.id} AND status = 'sending' AND attempts = ${row.attempts}`;
  const error = 'error' in outcome ? outcome.error.slice(0, 500) : null;
  const httpStatus = 'httpStatus' in outcome ? (outcome.httpStatus ?? null) : null;
  let statement;
  switch (outcome.kind) {
    case 'sent':
      statement = sql`UPDATE email_outbox SET status = 'sent', sent_at = now(), provider_message_id = ${outcome.providerMessageId ?? null},
        secret_ciphertext = NULL, locked_until = NULL, last_error = NULL, last_http_status = NULL, updated_at = now() WHERE ${fence}`;
      break;
    case 'retry':
      statement = sql`UPDATE email_outbox SET status = 'pending', locked_until = NULL, last_error = ${error}, last_http_status = ${httpStatus},
        next_attempt_at = now() + make_interval(secs => ${outcome.delayS}), updated_at = now() WHERE ${fence}`;
      break;
    default:
      statement = sql`UPDATE email_outbox SET status = ${outcome.kind}, locked_until = NULL, last_error = ${error}, last_http_status = ${httpStatus},
        secret_ciphertext = NULL, updated_at = now() WHERE ${fence}`;
  }
  try {
    const result = await db.execute(sql`${statement} RETURNING id`);
    return result.rows.length > 0;
  } catch (err) {
    // The lease covers a lost write: the row becomes claimable again when it expires.
    log('error', 'email outbox: recording an outcome failed', { outbox_id: row.id, error: String(err) });
    return false;
  }
}
