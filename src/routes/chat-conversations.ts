/**
 * /api/chat-conversations — the owner's conversations with the assistant (SPEC §7, §10). Messages are
 * written only by POST /api/ai/chat (services/conversations.ts `appendMessages`); here: create, read,
 * rename, delete. Someone else's conversation, or analysis, is a 404.
 */
import { and, eq, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import * as z from 'zod';
import { requireUser } from '../auth/guards.js';
import { analyses, chatConversations } from '../db/schema.js';
import { notFound } from '../errors.js';
import { created, deleted, ok, paginatedJson } from '../http/envelope.js';
import { listQuery, pageWindow } from '../http/pagination.js';
import { orderBy, readJsonPage } from '../db/pagination.js';
import { describe } from '../http/route-meta.js';
import { body, idParam, query } from '../http/validate.js';
import { text } from '../schemas/common.js';
import { ownedLiveAnalysis } from '../services/analyses.js';
import {
  ConversationSchema,
  conversationSummaryItem,
  loadConversation,
  ownConversation,
  serializeConversation,
} from '../services/conversations.js';
import { named } from '../schemas/registry.js';
import type { AppEnv } from '../types.js';

const TAGS = ['chat-conversations'] as const;
const SORTS = { created_at: chatConversations.createdAt, updated_at: chatConversations.updatedAt };

const CreateConversationBody = z.strictObject({
  title: text(200).nullable().optional(),
  analysis_id: z.uuid().optional().describe('One of your own analyses.'),
});
const UpdateConversationBody = z.strictObject({ title: text(200).nullable() });

export const chatConversationsRoutes = new Hono<AppEnv>()
  .get(
    '/',
    describe({
      operationId: 'listConversations',
      summary: 'List own conversations',
      tags: TAGS,
      response: named('ConversationSummary', ConversationSchema.omit({ messages: true })),
      responseKind: 'paginated',
    }),
    requireUser,
    query(listQuery().extend({ analysis_id: z.uuid().optional() })),
    async (c) => {
      const input = c.req.valid('query');
      const { db, user } = c.var;
      const window = pageWindow(c, input);
      const where = and(
        eq(chatConversations.userId, user.id),
        input.analysis_id ? eq(chatConversations.analysisId, input.analysis_id) : undefined,
      );
      const page = await readJsonPage(db, window, {
        item: conversationSummaryItem(),
        from: sql`${chatConversations}`,
        where,
        orderBy: orderBy(SORTS, input.sort, input.order, chatConversations.id),
      });
      return paginatedJson(c, page);
    },
  )
  .post(
    '/',
    describe({
      operationId: 'createConversation',
      summary: 'Start a conversation',
      tags: TAGS,
      status: 201,
      response: ConversationSchema,
      errors: ['NOT_FOUND'],
    }),
    requireUser,
    body(CreateConversationBody),
    async (c) => {
      const { title, analysis_id } = c.req.valid('json');
      const { db, user } = c.var;
      if (!analysis_id) {
        const [row] = await db.insert(chatConversations).values({ userId: user.id, title: title ?? null }).returning();
        return created(c, serializeConversation(row!));
      }
      const id = crypto.randomUUID();
      // The ownership rule is the INSERT's own WHERE; the row is read back in the same batch.
      const [, rows] = await db.batch([
        db.execute(sql`
          INSERT INTO ${chatConversations} (id, user_id, analysis_id, title)
          SELECT ${id}::uuid, ${analyses.userId}, ${analyses.id}, ${title ?? null}::text
          FROM ${analyses} WHERE ${ownedLiveAnalysis(analysis_id, user.id)}`),
        db.select().from(chatConversations).where(eq(chatConversations.id, id)),
      ]);
      if (!rows[0]) throw notFound();
      return created(c, serializeConversation(rows[0]));
    },
  )
  .get(
    '/:id',
    describe({ operationId: 'getConversation', summary: 'Get a conversation with its messages', tags: TAGS, response: ConversationSchema, errors: ['NOT_FOUND'] }),
    requireUser,
    idParam(),
    async (c) => {
      const row = await loadConversation(c.var.db, c.req.valid('param').id, c.var.user.id);
      if (!row) throw notFound();
      return ok(c, serializeConversation(row));
    },
  )
  .put(
    '/:id',
    describe({
      operationId: 'updateConversation',
      summary: 'Rename a conversation',
      tags: TAGS,
      response: ConversationSchema,
      errors: ['NOT_FOUND'],
    }),
    requireUser,
    idParam(),
    body(UpdateConversationBody),
    async (c) => {
      const [row] = await c.var.db
        .update(chatConversations)
        .set({ title: c.req.valid('json').title, updatedAt: sql`now()` })
        .where(ownConversation(c.req.valid('param').id, c.var.user.id))
        .returning();
      if (!row) throw notFound();
      return ok(c, serializeConversation(row));
    },
  )
  .delete(
    '/:id',
    describe({ operationId: 'deleteConversation', summary: 'Delete a conversation', tags: TAGS, response: z.object({ id: z.uuid() }), errors: ['NOT_FOUND'] }),
    requireUser,
    idParam(),
    async (c) => {
      const { id } = c.req.valid('param');
      const rows = await c.var.db
        .delete(chatConversations)
        .where(ownConversation(id, c.var.user.id))
        .returning({ id: chatConversations.id });
      if (rows.length === 0) throw notFound();
      return deleted(c, id);
    },
  );
