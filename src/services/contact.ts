/**
 * The public contact form (SPEC-WAVE2 §14.3): limits, spam defences and the alert.
 *
 * Order of work, cheapest refusal first: (1) one batch counts the per-IP, per-email and global hits
 * (429 past any of them, with Retry-After); (2) Turnstile, when configured, is verified server-side with
 * the client IP; (3) one batch stores the row — unless the same email sent the same message within
 * 24 h — and, for a message that is not spam, writes the in-app `admin_contact_message` notifications
 * and the alert mail (Reply-To: the sender) in the same transaction. The sender always gets the same `200 {received: true}` whichever spam check
 * fired, and no automatic reply (the form cannot be used to mail third parties).
 */
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import type * as z from 'zod';
import { requireUser } from '../auth/guards.js';
import type { Database } from '../db/client.js';
import { contactMessages } from '../db/schema.js';
import { adminAlertStatements } from '../email/events.js';
import { AppError, fieldError } from '../errors.js';
import { clientIp } from '../http/context.js';
import { log } from '../http/logger.js';
import type { ContactBody } from '../schemas/public-site.js';
import type { AppEnv } from '../types.js';
import { hashIp } from './ip-hash.js';
import { hitRateLimit, rateLimited } from './rate-limit.js';
import { truncateUserAgent } from './request-logs.js';

const HOUR_S = 60 * 60;
export const CONTACT_LIMITS = { perIp: 5, perEmail: 3, global: 200 } as const;
const TURNSTILE_TIMEOUT_MS = 5000;

type ContactInput = z.infer<typeof ContactBody>;
export type SpamReason = 'honeypot' | 'links';

const URL_PATTERN = /\b(?:https?:\/\/|www\.)[^\s<>"]+/gi;
const ONLY_A_URL = /^(?:https?:\/\/|www\.)\S+$/i;
export const MAX_LINKS = 5;

/** Why a message is spam, or null. The sender is never told. */
export function spamReason(input: Pick<ContactInput, 'website' | 'message'>): SpamReason | null {
  if (input.website !== undefined && input.website.trim() !== '') return 'honeypot';
  const message = input.message.trim();
  if (ONLY_A_URL.test(message) || (message.match(URL_PATTERN)?.length ?? 0) > MAX_LINKS) return 'links';
  return null;
}

/**
 * Cloudflare Turnstile `siteverify` (form-encoded secret, response, remoteip). Missing or rejected token →
 * 400 naming `turnstile_token`; the verifier unreachable → 503 (the form fails closed, nothing stored).
 */
export async function verifyTurnstile(c: Context<AppEnv>, token: string | undefined): Promise<void> {
  const { secretKey, verifyUrl } = c.var.config.turnstile;
  if (!secretKey) return;
  if (!token) throw fieldError('turnstile_token', 'required', 'contact.turnstile_failed');
  const form = new URLSearchParams({ secret: secretKey, response: token });
  const ip = clientIp(c);
  if (ip !== 'unknown') form.set('remoteip', ip);
  let outcome: { success?: unknown };
  try {
    const res = await fetch(verifyUrl, { method: 'POST', body: form, signal: AbortSignal.timeout(TURNSTILE_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`siteverify answered HTTP ${res.status}`);
    outcome = (await res.json()) as { success?: unknown };
  } catch (error) {
    log('warn', 'turnstile verification unavailable', { error: error instanceof Error ? error.message : 'unknown' }, c.var.config.logLevel);
    throw new AppError('SERVICE_UNAVAILABLE', { message: 'contact.turnstile_unavailable' });
  }
  if (outcome.success !== true) throw fieldError('turnstile_token', 'invalid', 'contact.turnstile_failed');
}

/** The caller when a valid token is sent; anything else is simply anonymous (the form needs no sign-in). */
async function optionalUserId(c: Context<AppEnv>): Promise<string | null> {
  if (!c.req.header('authorization')) return null;
  try {
    await requireUser(c, async () => {});
    return c.var.user?.id ?? null;
  } catch (error) {
    if (error instanceof AppError) return null;
    throw error;
  }
}

async function enforceLimits(c: Context<AppEnv>, ipHash: string, email: string): Promise<void> {
  const { db } = c.var;
  const hits = await db.batch([
    hitRateLimit(db, { key: `contact:ip:${ipHash}`, windowSeconds: HOUR_S }),
    hitRateLimit(db, { key: `contact:email:${email}`, windowSeconds: HOUR_S }),
    hitRateLimit(db, { key: 'contact:global', windowSeconds: HOUR_S }),
  ]);
  const limits = [CONTACT_LIMITS.perIp, CONTACT_LIMITS.perEmail, CONTACT_LIMITS.global];
  const exceeded = hits.map((rows, i) => rows[0]!).filter((hit, i) => hit.count > limits[i]!);
  if (exceeded.length > 0) {
    const latest = exceeded.map((h) => new Date(h.resetAt)).reduce((a, b) => (a > b ? a : b));
    throw rateLimited(latest, 'contact.too_many_messages');
  }
}

export async function receiveContactMessage(c: Context<AppEnv>, input: ContactInput): Promise<void> {
  const { db, config } = c.var;
  const ipHash = await hashIp(config.secretKey, clientIp(c));
  await enforceLimits(c, ipHash, input.email);
  await verifyTurnstile(c, input.turnstile_token);
  const userId = await optionalUserId(c);

  const reason = spamReason(input);
  const id = crypto.randomUUID();
  const message = input.message.trim();
  const insert = db.execute(sql`
    INSERT INTO contact_messages (id, name, email, subject, message, language, user_id, status, spam_reason, ip_hash, user_agent)
    SELECT ${id}::uuid, ${input.name}, ${input.email}, ${input.subject ?? null}, ${message}, ${c.var.lang}, ${userId}::uuid,
           ${reason ? 'spam' : 'new'}, ${reason}, ${ipHash}, ${truncateUserAgent(c.req.header('user-agent'))}
    WHERE NOT EXISTS (
      SELECT 1 FROM contact_messages
      WHERE email = ${input.email} AND message = ${message} AND created_at > now() - interval '24 hours')`);
  // Identical messages sent at the same instant queue on one transaction lock, so the 24 h check of
  // the second sees the first (a batch is one transaction; the lock ends with it).
  const serialize = db.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${input.email} || chr(10) || ${message}, 0))`);
  if (reason) {
    await db.batch([serialize, insert]);
    return;
  }
  // SPEC-WAVE2 §11.4, §14.3: the row, the in-app admin_contact_message notifications and the mail to the
  // holders of manage_contact_messages and ADMIN_ALERT_EMAIL (mail bucketed per 15 minutes), with the
  // sender as Reply-To so an admin's answer goes to them. What the sender wrote is escaped in the alert.
  await db.batch([
    serialize,
    insert,
    ...adminAlertStatements(db, c.var.config, {
      template: 'admin_contact_message',
      permission: 'manage_contact_messages',
      variables: { sender_name: input.name, subject: input.subject ?? '' },
      when: sql`EXISTS (SELECT 1 FROM contact_messages WHERE id = ${id}::uuid)`,
      params: {
        name: input.name,
        email: input.email,
        subject: input.subject ?? (message.length > 80 ? `${message.slice(0, 80)}…` : message),
      },
      data: { contact_message_id: id },
      replyTo: input.email,
    }),
  ]);
}

/** Spam older than 30 days is deleted by the maintenance run (§14.4). */
export function purgeOldSpam(db: Database) {
  return db.delete(contactMessages).where(and(eq(contactMessages.status, 'spam'), lt(contactMessages.createdAt, sql`now() - interval '30 days'`)));
}
