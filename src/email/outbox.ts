/**
 * Enqueueing mail (SPEC-WAVE2 §11.2): every function here returns ONE statement for the caller's
 * `db.batch`, so the mail exists exactly when the business event commits. The statement reads the
 * recipient (address, name, language, preferences, verification, active) inside itself —
 * `INSERT … SELECT … FROM users … ON CONFLICT (event_key) DO NOTHING` — so the same event can never
 * queue a second mail and enqueueing costs no extra round trip.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { AppEnv } from '../types.js';
import { encryptSecrets } from './crypto.js';
import { EMAIL_REGISTRY, PRIORITY, type RegistryEntry, type TemplateKey } from './registry.js';

/** EMAIL_MAX_ATTEMPTS' default, for statements built where no configuration is at hand. */
const DEFAULT_MAX_ATTEMPTS = 8;

export type Variables = Record<string, string | number | boolean | null>;

export interface UserMail {
  /** `<template_key>:<business id>[:<recipient>]` (SQL when the business id is only known in the batch). */
  eventKey: string | SQL;
  template: TemplateKey;
  /** The recipient: a uuid, or an SQL expression yielding one (NULL → nothing queued). */
  userId: string | SQL;
  variables?: Variables | undefined;
  /** Variables only known in SQL (a jsonb expression), merged over `variables`. */
  variablesSql?: SQL | undefined;
  /** Encrypted (see encryptSecrets) before they reach this statement. */
  secretCiphertext?: string | undefined;
  /** A one-time code's mail is pointless after the code expires. */
  expiresAt?: Date | undefined;
  /** Only when this SQL condition holds (e.g. "the payment was approved by this batch"). */
  when?: SQL | undefined;
  id?: string | undefined;
  replyTo?: string | undefined;
}

/** One statement queueing `mail` for one user (nothing when the user or a condition does not qualify). */
export function enqueueUserMail(db: Database, config: Pick<Config, 'email'> | undefined, mail: UserMail) {
  const entry: RegistryEntry = EMAIL_REGISTRY[mail.template];
  const optional = entry.category !== 'account';
  const id = mail.id ?? crypto.randomUUID();
  return db.execute<{ id: string }>(sql`
    INSERT INTO email_outbox
      (id, event_key, template_key, user_id, to_address, to_name, language, variables, secret_ciphertext,
       priority, max_attempts, next_attempt_at, expires_at, reply_to)
    SELECT ${id}::uuid, ${mail.eventKey}::text, ${mail.template}, u.id, u.email, COALESCE(u.full_name, u.display_name), u.language,
           jsonb_build_object('name', COALESCE(u.full_name, u.display_name, '')) || ${JSON.stringify(mail.variables ?? {})}::jsonb
             || ${mail.variablesSql ?? sql`'{}'::jsonb`},
           ${mail.secretCiphertext ?? null}, ${PRIORITY[entry.category]}, ${config?.email.maxAttempts ?? DEFAULT_MAX_ATTEMPTS}, now(),
           ${mail.expiresAt ?? null}::timestamptz, ${mail.replyTo ?? null}
    FROM users u
    WHERE u.id = ${mail.userId}
      ${optional ? userMailConditions(entry, mail.template) : sql``}
      ${mail.when ? sql`AND ${mail.when}` : sql``}
    ON CONFLICT (event_key) DO NOTHING
    RETURNING id`);
}

/** Optional mail (§11.4 notes, §11.5): an active, verified recipient whose preferences allow it, and an active template. */
function userMailConditions(entry: RegistryEntry, key: string): SQL {
  return sql`AND u.is_active AND u.email_verified_at IS NOT NULL
      AND (u.notification_preferences -> ${entry.preference ?? key}) IS DISTINCT FROM 'false'::jsonb
      AND (u.notification_preferences -> 'email') IS DISTINCT FROM 'false'::jsonb
      AND EXISTS (SELECT 1 FROM email_templates t WHERE t.template_key = ${key} AND t.is_active)`;
}

/** Encrypts a mail's secret values (a one-time code) for the outbox row. */
export const sealSecrets = (config: Config, values: Record<string, string>) => encryptSecrets(config.secretKey, values);

// ─── Dispatch after the response ────────────────────────────────────────────

const queuedByRequest = new WeakMap<Request, string[]>();

/** Records outbox ids this request queued; the dispatch middleware sends them after the response. */
export function noteQueued(c: Context<AppEnv>, ids: (string | undefined)[]): void {
  const list = queuedByRequest.get(c.req.raw) ?? [];
  for (const id of ids) if (id) list.push(id);
  queuedByRequest.set(c.req.raw, list);
}

export function queuedIds(c: Context<AppEnv>): string[] {
  return queuedByRequest.get(c.req.raw) ?? [];
}

/** Ids returned by enqueue statements (one result per statement; an event already queued returns nothing). */
export function idsOf(...results: unknown[]): string[] {
  const ids: string[] = [];
  for (const result of results) {
    const rows = (result as { rows?: { id?: unknown }[] } | undefined)?.rows ?? [];
    for (const row of rows) if (typeof row.id === 'string') ids.push(row.id);
  }
  return ids;
}
