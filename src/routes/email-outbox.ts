/**
 * Email administration (SPEC-WAVE2 §11.9): the outbox view (`view_email_outbox`), retry/cancel
 * (`manage_email_outbox`, audited), the per-user account actions (`manage_users`) and the template
 * test-send to the caller's own verified address (`manage_email_templates`). Secret values never
 * leave the database: items list only the NAMES of secret variables and a rendered preview shows
 * them as `[hidden]`.
 */
import { and, count, eq, getTableColumns, gte, inArray, lte, min, sql, type SQL } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { Hono, type Context } from 'hono';
import * as z from 'zod';
import { requirePermission } from '../auth/guards.js';
import { emailOutbox, emailTemplates, EMAIL_OUTBOX_STATUSES, users } from '../db/schema.js';
import { sendPasswordResetFor, verificationStatements } from '../email/account.js';
import { idsOf, noteQueued } from '../email/outbox.js';
import { EMAIL_REGISTRY, PRODUCT_TEMPLATE_KEYS, registryEntry } from '../email/registry.js';
import { renderMail } from '../email/render.js';
import { AppError, fieldError, notFound } from '../errors.js';
import { ok, paginated } from '../http/envelope.js';
import { orderBy, readPage, withTotal } from '../db/pagination.js';
import { listQuery, pageWindow } from '../http/pagination.js';
import { describe } from '../http/route-meta.js';
import { body, emptyBody, idParam, query } from '../http/validate.js';
import { AdminUserSchema, serializeAdminUser } from '../schemas/admin-user.js';
import { isoDate, language, toIso } from '../schemas/common.js';
import { audit } from '../services/audit.js';
import { auditIf } from '../services/conditional-log.js';
import { hitRateLimit, rateLimited } from '../services/rate-limit.js';
import { selectAdminUsers, toAuthUser } from '../services/user-admin.js';
import type { AppEnv } from '../types.js';

const TAGS = ['email-outbox'] as const;
const { secretCiphertext: _secret, ...publicColumns } = getTableColumns(emailOutbox);
type OutboxRow = Omit<typeof emailOutbox.$inferSelect, 'secretCiphertext'> & { hasSecret?: boolean };

/** Templates whose mail carries a one-time code: their rows cannot be retried once the secret is gone. */
const SECRET_TEMPLATES = PRODUCT_TEMPLATE_KEYS.filter((k) => EMAIL_REGISTRY[k].secrets.length > 0);

export const OutboxItemSchema = z.object({
  id: z.uuid(),
  event_key: z.string(),
  template_key: z.string(),
  user_id: z.uuid().nullable(),
  to_address: z.string(),
  to_name: z.string().nullable(),
  language,
  variables: z.record(z.string(), z.unknown()),
  secret_variables: z.array(z.string()).describe('Names of the secret variables the mail carries (never their values)'),
  priority: z.number().int(),
  status: z.enum(EMAIL_OUTBOX_STATUSES),
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  next_attempt_at: isoDate,
  locked_until: isoDate.nullable(),
  expires_at: isoDate.nullable(),
  last_error: z.string().nullable(),
  last_http_status: z.number().int().nullable(),
  provider_message_id: z.string().nullable(),
  created_at: isoDate,
  updated_at: isoDate,
  sent_at: isoDate.nullable(),
});

function serializeOutbox(row: OutboxRow) {
  const secrets = registryEntry(row.templateKey)?.secrets ?? [];
  return {
    id: row.id,
    event_key: row.eventKey,
    template_key: row.templateKey,
    user_id: row.userId,
    to_address: row.toAddress,
    to_name: row.toName,
    language: row.language as 'en' | 'ar',
    variables: row.variables,
    secret_variables: row.hasSecret === false ? [] : [...secrets],
    priority: row.priority,
    status: row.status,
    attempts: row.attempts,
    max_attempts: row.maxAttempts,
    next_attempt_at: toIso(row.nextAttemptAt)!,
    locked_until: toIso(row.lockedUntil),
    expires_at: toIso(row.expiresAt),
    last_error: row.lastError,
    last_http_status: row.lastHttpStatus,
    provider_message_id: row.providerMessageId,
    created_at: toIso(row.createdAt)!,
    updated_at: toIso(row.updatedAt)!,
    sent_at: toIso(row.sentAt),
  };
}

const selection = { ...publicColumns, hasSecret: sql<boolean>`${emailOutbox.secretCiphertext} IS NOT NULL` };

const OutboxListQuery = listQuery(['next_attempt_at']).extend({
  status: z.enum(EMAIL_OUTBOX_STATUSES).optional().describe('Only emails in this state'),
  template_key: z.string().trim().min(1).max(64).optional().describe('Only emails of this template'),
  user_id: z.uuid().optional(),
  to_address: z.string().trim().toLowerCase().min(1).max(254).optional().describe('Only emails to this address'),
  from: z.iso.datetime({ offset: true }).optional().describe('created_at ≥ from'),
  to: z.iso.datetime({ offset: true }).optional().describe('created_at ≤ to'),
});

const SORTS = { created_at: emailOutbox.createdAt, updated_at: emailOutbox.updatedAt, next_attempt_at: emailOutbox.nextAttemptAt };

const RetryFailedBody = z.strictObject({
  template_key: z.string().trim().min(1).max(64).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
});

const invalidState = (message: 'email.outbox_not_retryable' | 'email.outbox_not_pending' | 'email.secret_discarded', reason: string) =>
  new AppError('INVALID_STATE', { message, details: { reason } });

/**
 * An admin's change of one outbox row (retry, cancel), in ONE batch: lock the row, the audit entry only if the
 * change applies, the change where `allowed` holds. Answers the changed row, or the status the row had when the
 * change did not apply (404 when there is no row), for the caller to name the refusal.
 */
async function transitionOutboxRow(
  c: Context<AppEnv>,
  id: string,
  action: 'email_outbox.retry' | 'email_outbox.cancel',
  allowed: SQL,
  change: PgUpdateSetSource<typeof emailOutbox>,
): Promise<{ item: ReturnType<typeof serializeOutbox> } | { status: string }> {
  const { db } = c.var;
  const [before, , after] = await db.batch([
    db.select({ status: emailOutbox.status }).from(emailOutbox).where(eq(emailOutbox.id, id)).for('update'),
    auditIf(db, c, { action, entityType: 'email_outbox', entityId: id }, sql`EXISTS (SELECT 1 FROM email_outbox WHERE ${allowed})`),
    db.update(emailOutbox).set(change).where(allowed).returning(selection),
  ]);
  if (after[0]) return { item: serializeOutbox(after[0]) };
  if (!before[0]) throw notFound();
  return { status: before[0].status };
}

export const emailOutboxRoutes = new Hono<AppEnv>()
  .get(
    '/',
    describe({
      operationId: 'listOutboxEmails', summary: 'List queued and sent emails',
      tags: TAGS,
      response: OutboxItemSchema,
      responseKind: 'paginated',
      sort: ['next_attempt_at'],
    }),
    requirePermission('view_email_outbox'),
    query(OutboxListQuery),
    async (c) => {
      const input = c.req.valid('query');
      const { db } = c.var;
      const window = pageWindow(c, input);
      const where = and(
        input.status ? eq(emailOutbox.status, input.status) : undefined,
        input.template_key ? eq(emailOutbox.templateKey, input.template_key) : undefined,
        input.user_id ? eq(emailOutbox.userId, input.user_id) : undefined,
        input.to_address ? eq(emailOutbox.toAddress, input.to_address) : undefined,
        input.from ? gte(emailOutbox.createdAt, new Date(input.from)) : undefined,
        input.to ? lte(emailOutbox.createdAt, new Date(input.to)) : undefined,
      );
      const page = await readPage(db, window, {
        page: db
          .select(withTotal(selection))
          .from(emailOutbox)
          .where(where)
          .orderBy(...orderBy(SORTS, input.sort, input.order, emailOutbox.id))
          .limit(window.limit)
          .offset(window.offset),
        count: db.select({ n: count() }).from(emailOutbox).where(where),
      });
      return paginated(c, page.rows.map(serializeOutbox), page.pagination);
    },
  )
  .get(
    '/stats',
    describe({
      operationId: 'getOutboxStats', summary: 'Outbox counts by status',
      tags: TAGS,
      response: z.object({
        by_status: z.object(Object.fromEntries(EMAIL_OUTBOX_STATUSES.map((s) => [s, z.number().int()])) as Record<(typeof EMAIL_OUTBOX_STATUSES)[number], z.ZodNumber>),
        oldest_pending_at: isoDate.nullable(),
      }),
    }),
    requirePermission('view_email_outbox'),
    async (c) => {
      const { db } = c.var;
      const rows = await db
        .select({ status: emailOutbox.status, n: count(), oldest: min(emailOutbox.createdAt) })
        .from(emailOutbox)
        .groupBy(emailOutbox.status);
      const byStatus = Object.fromEntries(EMAIL_OUTBOX_STATUSES.map((s) => [s, 0])) as Record<(typeof EMAIL_OUTBOX_STATUSES)[number], number>;
      let oldest: Date | null = null;
      for (const row of rows) {
        byStatus[row.status] = Number(row.n);
        if (row.status === 'pending' && row.oldest) oldest = new Date(row.oldest);
      }
      return ok(c, { by_status: byStatus, oldest_pending_at: toIso(oldest) });
    },
  )
  .get(
    '/:id',
    describe({
      operationId: 'getOutboxEmail', summary: 'One email, with its rendered subject and body',
      tags: TAGS,
      response: OutboxItemSchema.extend({ rendered: z.object({ subject: z.string(), body: z.string() }) }),
      errors: ['NOT_FOUND'],
    }),
    requirePermission('view_email_outbox'),
    idParam(),
    async (c) => {
      const { id } = c.req.valid('param');
      const { db, config } = c.var;
      const [rows, templates] = await db.batch([
        db.select(selection).from(emailOutbox).where(eq(emailOutbox.id, id)),
        db
          .select()
          .from(emailTemplates)
          .where(eq(emailTemplates.templateKey, sql`(SELECT template_key FROM email_outbox WHERE id = ${id})`)),
      ]);
      const row = rows[0];
      if (!row) throw notFound();
      const entry = registryEntry(row.templateKey);
      const stored = templates[0];
      const source = stored ?? (entry ? { subjectEn: entry.texts.subject_en, subjectAr: entry.texts.subject_ar, bodyEn: entry.texts.body_en, bodyAr: entry.texts.body_ar } : undefined);
      const hidden = entry && entry.secrets.length > 0 ? Object.fromEntries(entry.secrets.map((s) => [s, '[hidden]'])) : undefined;
      const rendered = source
        ? renderMail(source, row.language as 'en' | 'ar', row.variables, hidden, config.email)
        : { subject: '', html: '' };
      return ok(c, { ...serializeOutbox(row), rendered: { subject: rendered.subject, body: rendered.html } });
    },
  )
  .post(
    '/retry-failed',
    describe({
      operationId: 'retryFailedEmails', summary: 'Retry every failed email (optionally of one template, since a time)',
      tags: TAGS,
      response: z.object({ count: z.number().int() }),
    }),
    requirePermission('manage_email_outbox'),
    body(RetryFailedBody),
    async (c) => {
      const input = c.req.valid('json');
      const { db } = c.var;
      const [updated] = await db.batch([
        db
          .update(emailOutbox)
          .set({ status: 'pending', attempts: 0, nextAttemptAt: sql`now()`, lockedUntil: null, updatedAt: sql`now()` })
          .where(
            and(
              eq(emailOutbox.status, 'failed'),
              sql`${emailOutbox.templateKey} NOT IN (${sql.join(SECRET_TEMPLATES.map((k) => sql`${k}`), sql`, `)})`,
              input.template_key ? eq(emailOutbox.templateKey, input.template_key) : undefined,
              input.since ? gte(emailOutbox.createdAt, new Date(input.since)) : undefined,
            ),
          )
          .returning({ id: emailOutbox.id }),
        audit(db, c, { action: 'email_outbox.retry_failed', entityType: 'email_outbox', after: { ...input } }),
      ]);
      return ok(c, { count: updated.length });
    },
  )
  .post(
    '/:id/retry',
    describe({
      operationId: 'retryOutboxEmail', summary: 'Retry a failed or cancelled email',
      tags: TAGS,
      response: OutboxItemSchema,
      errors: ['NOT_FOUND', 'INVALID_STATE'],
    }),
    requirePermission('manage_email_outbox'),
    idParam(),
    emptyBody(),
    async (c) => {
      const { id } = c.req.valid('param');
      const retryable = and(
        eq(emailOutbox.id, id),
        inArray(emailOutbox.status, ['failed', 'cancelled']),
        sql`${emailOutbox.templateKey} NOT IN (${sql.join(SECRET_TEMPLATES.map((k) => sql`${k}`), sql`, `)})`,
      )!;
      const moved = await transitionOutboxRow(c, id, 'email_outbox.retry', retryable, {
        status: 'pending', attempts: 0, nextAttemptAt: sql`now()`, lockedUntil: null, updatedAt: sql`now()`,
      });
      if ('item' in moved) return ok(c, moved.item);
      if (moved.status !== 'failed' && moved.status !== 'cancelled') throw invalidState('email.outbox_not_retryable', 'not_failed');
      throw invalidState('email.secret_discarded', 'secret_discarded');
    },
  )
  .post(
    '/:id/cancel',
    describe({
      operationId: 'cancelOutboxEmail', summary: 'Cancel a pending email',
      tags: TAGS,
      response: OutboxItemSchema,
      errors: ['NOT_FOUND', 'INVALID_STATE'],
    }),
    requirePermission('manage_email_outbox'),
    idParam(),
    emptyBody(),
    async (c) => {
      const { id } = c.req.valid('param');
      const cancellable = and(eq(emailOutbox.id, id), eq(emailOutbox.status, 'pending'))!;
      const moved = await transitionOutboxRow(c, id, 'email_outbox.cancel', cancellable, {
        status: 'cancelled', lastError: 'cancelled_by_admin', secretCiphertext: null, lockedUntil: null, updatedAt: sql`now()`,
      });
      if ('item' in moved) return ok(c, moved.item);
      throw invalidState('email.outbox_not_pending', 'not_pending');
    },
  );

// ─── Per-user account actions (admin) ────────────────────────────────────────

export const userEmailRoutes = new Hono<AppEnv>()
  .post(
    '/:id/send-password-reset',
    describe({
      operationId: 'sendUserPasswordReset', summary: "Mail a password reset code to a user",
      tags: ['users'],
      response: z.object({ sent: z.literal(true) }),
      errors: ['NOT_FOUND'],
    }),
    requirePermission('manage_users'),
    idParam(),
    emptyBody(),
    async (c) => {
      const { id } = c.req.valid('param');
      const { db } = c.var;
      const [target] = await db.batch([
        db.select({ id: users.id }).from(users).where(eq(users.id, id)),
        audit(db, c, { action: 'user.send_password_reset', entityType: 'user', entityId: id }),
      ]);
      if (!target[0]) throw notFound('credits.unknown_user');
      await sendPasswordResetFor(c, id);
      return ok(c, { sent: true as const }, 'ok.email_sent');
    },
  )
  .post(
    '/:id/verify-email',
    describe({
      operationId: 'verifyUserEmail', summary: "Mark a user's email as verified",
      tags: ['users'],
      response: AdminUserSchema,
      errors: ['NOT_FOUND', 'INVALID_STATE'],
    }),
    requirePermission('manage_users'),
    idParam(),
    emptyBody(),
    async (c) => {
      const { id } = c.req.valid('param');
      const { db, config } = c.var;
      const unverified = sql`EXISTS (SELECT 1 FROM users x WHERE x.id = ${id} AND x.email_verified_at IS NULL)`;
      const { statements, markVerified } = verificationStatements(db, config, id, unverified);
      const [before, auditRows, ...rest] = await db.batch([
        db.select({ verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, id)).for('update'),
        auditIf(db, c, { action: 'user.verify_email', entityType: 'user', entityId: id }, unverified),
        ...statements,
        db.execute(sql`UPDATE email_codes SET superseded_at = now()
          WHERE user_id = ${id} AND purpose = 'verify_email' AND consumed_at IS NULL AND superseded_at IS NULL AND ${unverified}`),
        markVerified,
        selectAdminUsers(db, { withProfileImage: true }).where(eq(users.id, id)).limit(1),
      ]);
      void auditRows;
      if (!before[0]) throw notFound('credits.unknown_user');
      if (before[0].verifiedAt) throw new AppError('INVALID_STATE', { message: 'email.already_verified', details: { reason: 'already_verified' } });
      noteQueued(c, idsOf(...rest.slice(0, statements.length)));
      const userRows = rest[rest.length - 1] as Awaited<ReturnType<ReturnType<typeof selectAdminUsers>['execute']>>;
      return ok(c, serializeAdminUser(toAuthUser(userRows[0]!)), 'ok.email_verified');
    },
  );

// ─── Template test-send ──────────────────────────────────────────────────────

const TEST_SENDS_PER_HOUR = 10;
const TestSendBody = z.strictObject({
  language,
  variables: z.record(z.string().max(64), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()])).optional(),
});

export const emailTemplateSendRoutes = new Hono<AppEnv>().post(
  '/:id/test-send',
  describe({
    operationId: 'testSendEmailTemplate', summary: "Send a template to your own address",
    tags: ['email-templates'],
    response: z.object({ outbox_id: z.uuid() }),
    errors: ['NOT_FOUND', 'RATE_LIMITED'],
  }),
  requirePermission('manage_email_templates'),
  idParam(),
  body(TestSendBody),
  async (c) => {
    const { id } = c.req.valid('param');
    const input = c.req.valid('json');
    const { db, config, user } = c.var;
    if (!user.emailVerifiedAt) throw fieldError('to', 'unverified_address', 'email.no_verified_address');
    const [template] = await db.select().from(emailTemplates).where(eq(emailTemplates.id, id));
    if (!template) throw notFound();
    const variables = input.variables ?? {};
    const entry = registryEntry(template.templateKey);
    const declared = entry ? entry.variables : placeholderNames(template);
    const missing = declared.filter((v) => v !== 'name' && !Object.hasOwn(variables, v));
    if (missing.length > 0) {
      throw new AppError('VALIDATION_ERROR', {
        message: 'email.missing_variables',
        details: { missing, issues: [{ path: 'variables', code: 'missing_variables', message: `missing: ${missing.join(', ')}` }] },
      });
    }
    const outboxId = crypto.randomUUID();
    const [hit, queued] = await db.batch([
      hitRateLimit(db, { key: `email:test-send:${user.id}`, windowSeconds: 3600 }),
      db.execute<{ id: string }>(sql`
        INSERT INTO email_outbox (id, event_key, template_key, user_id, to_address, to_name, language, variables, priority, max_attempts, next_attempt_at)
        SELECT ${outboxId}::uuid, ${`test_send:${outboxId}`}, ${template.templateKey}, u.id, u.email, COALESCE(u.full_name, u.display_name),
               ${input.language}, ${JSON.stringify({ name: user.fullName ?? '', ...variables })}::jsonb, 1, ${config.email.maxAttempts}, now()
        FROM users u
        WHERE u.id = ${user.id} AND u.email_verified_at IS NOT NULL
          AND ${sql`(SELECT count FROM rate_limits WHERE key = ${`email:test-send:${user.id}`})`} <= ${TEST_SENDS_PER_HOUR}
        RETURNING id`),
    ]);
    if (hit[0]!.count > TEST_SENDS_PER_HOUR) throw rateLimited(hit[0]!.resetAt, 'email.too_many_test_sends');
    noteQueued(c, idsOf(queued));
    return ok(c, { outbox_id: outboxId });
  },
);

function placeholderNames(t: { subjectEn: string; subjectAr: string; bodyEn: string; bodyAr: string }): string[] {
  const names = new Set<string>();
  for (const text of [t.subjectEn, t.subjectAr, t.bodyEn, t.bodyAr]) for (const m of text.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_.]{0,63})\s*\}\}/g)) names.add(m[1]!);
  return [...names].filter((n) => !['app_name', 'app_url', 'support_email'].includes(n));
}

