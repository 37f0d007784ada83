/**
 * POST /api/contact (public, SPEC-WAVE2 §14.3) and the admin inbox /api/contact-messages (§14.4):
 * paginated with filters and `meta.new_count`; states moved only along the allowed transitions
 * (409 INVALID_STATE otherwise), each change stamped with who handled it and audited; delete is an
 * erasure whose audit entry records who and when, never the content.
 */
import { and, eq, getTableColumns, gte, ilike, lt, or, sql, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import type * as z from 'zod';
import { requirePermission } from '../auth/guards.js';
import { contactMessages, type ContactStatus } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { deleted, ok, paginatedJson } from '../http/envelope.js';
import { isoText, jsonItem, listItem, orderBy, readJsonPage } from '../db/pagination.js';
import { pageWindow } from '../http/pagination.js';
import { describe } from '../http/route-meta.js';
import { body, idParam, query } from '../http/validate.js';
import { toIso } from '../schemas/common.js';
import {
  ContactBody,
  ContactListMeta,
  ContactListQuery,
  ContactMessageSchema,
  ContactReceived,
  DeletedId,
  UpdateContactBody,
} from '../schemas/public-site.js';
import { auditIf } from '../services/conditional-log.js';
import { receiveContactMessage } from '../services/contact.js';
import { clientIp } from '../http/context.js';
import type { AppEnv } from '../types.js';

/** The allowed moves (§14.4). Staying in the same status is not a move (e.g. only the note changes). */
export const CONTACT_TRANSITIONS: Record<ContactStatus, readonly ContactStatus[]> = {
  new: ['read', 'replied', 'archived', 'spam'],
  read: ['replied', 'archived', 'spam'],
  replied: ['archived'],
  archived: ['read'],
  spam: ['read'],
};

/** The statuses a message may be in for a move to `to` (itself included). */
function sourcesOf(to: ContactStatus): ContactStatus[] {
  return (Object.keys(CONTACT_TRANSITIONS) as ContactStatus[]).filter((from) => from === to || CONTACT_TRANSITIONS[from].includes(to));
}

type ContactRow = typeof contactMessages.$inferSelect;

function serializeContact(row: ContactRow): z.infer<typeof ContactMessageSchema> {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    subject: row.subject,
    message: row.message,
    language: row.language as 'en' | 'ar',
    user_id: row.userId,
    status: row.status,
    spam_reason: row.spamReason,
    admin_note: row.adminNote,
    handled_by: row.handledBy,
    handled_at: toIso(row.handledAt),
    user_agent: row.userAgent,
    created_at: toIso(row.createdAt)!,
    updated_at: toIso(row.updatedAt)!,
  };
}

/** A message as readJsonPage builds it: serializeContact in SQL. */
const contactItem = listItem(() =>
  jsonItem<ReturnType<typeof serializeContact>>({
    id: contactMessages.id,
    name: contactMessages.name,
    email: contactMessages.email,
    subject: contactMessages.subject,
    message: contactMessages.message,
    language: contactMessages.language,
    user_id: contactMessages.userId,
    status: contactMessages.status,
    spam_reason: contactMessages.spamReason,
    admin_note: contactMessages.adminNote,
    handled_by: contactMessages.handledBy,
    handled_at: isoText(contactMessages.handledAt),
    user_agent: contactMessages.userAgent,
    created_at: isoText(contactMessages.createdAt),
    updated_at: isoText(contactMessages.updatedAt),
  }));

/** Every column but `ip_hash`, which no admin view shows. */
const { ipHash: _ipHash, ...visibleColumns } = getTableColumns(contactMessages);

const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

export const contactRoutes = new Hono<AppEnv>().post(
  '/',
  describe({
    operationId: 'sendContactMessage', summary: 'Send a message through the contact form (public)',
    tags: ['contact'],
    response: ContactReceived,
    errors: ['RATE_LIMITED', 'SERVICE_UNAVAILABLE'],
  }),
  body(ContactBody),
  async (c) => {
    await receiveContactMessage(c, c.req.valid('json'));
    return ok(c, { received: true as const }, 'contact.received');
  },
);

export const contactMessageRoutes = new Hono<AppEnv>()
  .get(
    '/',
    describe({
      operationId: 'listContactMessages', summary: 'List contact messages (admin inbox)',
      tags: ['contact'],
      response: ContactMessageSchema,
      responseKind: 'paginated',
      meta: ContactListMeta,
    }),
    requirePermission('view_contact_messages'),
    query(ContactListQuery),
    async (c) => {
      const q = c.req.valid('query');
      const window = pageWindow(c, q);
      const { db } = c.var;
      const filters: (SQL | undefined)[] = [
        q.status ? eq(contactMessages.status, q.status) : undefined,
        q.from ? gte(contactMessages.createdAt, new Date(q.from)) : undefined,
        q.to ? lt(contactMessages.createdAt, new Date(q.to)) : undefined,
        q.q
          ? or(
              ilike(contactMessages.name, likePattern(q.q)),
              ilike(contactMessages.email, likePattern(q.q)),
              ilike(contactMessages.subject, likePattern(q.q)),
              ilike(contactMessages.message, likePattern(q.q)),
            )
          : undefined,
      ];
      const where = and(...filters);
      const page = await readJsonPage(db, window, {
        item: contactItem(),
        from: sql`${contactMessages}`,
        where,
        orderBy: orderBy({ created_at: contactMessages.createdAt, updated_at: contactMessages.updatedAt }, q.sort, q.order, contactMessages.id),
        extras: { new_count: sql<number>`SELECT count(*)::int FROM ${contactMessages} WHERE ${eq(contactMessages.status, 'new')}` },
      });
      return paginatedJson(c, page, { new_count: page.extras.new_count });
    },
  )
  .get(
    '/:id',
    describe({ operationId: 'getContactMessage', summary: 'One contact message', tags: ['contact'], response: ContactMessageSchema, errors: ['NOT_FOUND'] }),
    requirePermission('view_contact_messages'),
    idParam(),
    async (c) => {
      const [row] = await c.var.db.select(visibleColumns).from(contactMessages).where(eq(contactMessages.id, c.req.valid('param').id)).limit(1);
      if (!row) throw notFound('contact.message_not_found');
      return ok(c, serializeContact(row as ContactRow));
    },
  )
  .put(
    '/:id',
    describe({
      operationId: 'updateContactMessage', summary: 'Handle a contact message (status, note)',
      tags: ['contact'],
      response: ContactMessageSchema,
      errors: ['NOT_FOUND', 'INVALID_STATE'],
    }),
    requirePermission('manage_contact_messages'),
    idParam(),
    body(UpdateContactBody),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const { db, user } = c.var;
      const allowedFrom = input.status ? sourcesOf(input.status) : undefined;
      const applies = and(
        eq(contactMessages.id, id),
        allowedFrom ? sql`${contactMessages.status} IN (${sql.join(allowedFrom.map((s) => sql`${s}`), sql`, `)})` : undefined,
      )!;
      const after = { ...(input.status !== undefined && { status: input.status }), ...(input.admin_note !== undefined && { admin_note: input.admin_note }) };
      const [current, , updated] = await db.batch([
        db.select({ status: contactMessages.status }).from(contactMessages).where(eq(contactMessages.id, id)).for('update'),
        db.execute(sql`
          INSERT INTO audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip_address)
          SELECT ${user.id}::uuid, 'contact_message.update', 'contact_message', ${id},
                 jsonb_build_object('before', jsonb_build_object('status', status, 'admin_note', admin_note), 'after', ${JSON.stringify(after)}::jsonb),
                 ${c.var.requestId}, ${clientIp(c)}
          FROM contact_messages WHERE ${applies}`),
        db
          .update(contactMessages)
          .set({
            ...(input.status !== undefined && { status: input.status }),
            ...(input.admin_note !== undefined && { adminNote: input.admin_note }),
            handledBy: user.id,
            handledAt: sql`now()`,
            updatedAt: sql`now()`,
          })
          .where(applies)
          .returning(),
      ]);
      if (!current[0]) throw notFound('contact.message_not_found');
      if (!updated[0]) {
        throw new AppError('INVALID_STATE', {
          message: 'contact.invalid_transition',
          params: { from: current[0].status, to: input.status ?? current[0].status },
          details: { status: current[0].status, allowed: CONTACT_TRANSITIONS[current[0].status] },
        });
      }
      return ok(c, serializeContact(updated[0]), 'ok.updated');
    },
  )
  .delete(
    '/:id',
    describe({
      operationId: 'deleteContactMessage', summary: 'Erase a contact message',
      tags: ['contact'],
      response: DeletedId,
      errors: ['NOT_FOUND'],
    }),
    requirePermission('manage_contact_messages'),
    idParam(),
    async (c) => {
      const { id } = c.req.valid('param');
      const { db } = c.var;
      const where = eq(contactMessages.id, id);
      const [, removed] = await db.batch([
        auditIf(db, c, { action: 'contact_message.delete', entityType: 'contact_message', entityId: id }, sql`EXISTS (SELECT 1 FROM contact_messages WHERE ${where})`),
        db.delete(contactMessages).where(where).returning({ id: contactMessages.id }),
      ]);
      if (removed.length === 0) throw notFound('contact.message_not_found');
      return deleted(c, id);
    },
  );
