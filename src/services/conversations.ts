/**
 * Chat conversations (SPEC §7, §10): owned by one user, optionally about one of their analyses.
 * Messages are written only by POST /api/ai/chat, through `appendMessages` — one conditional UPDATE
 * that appends and bumps `message_count` together, so the 200-message cap (also a CHECK in the
 * database) holds under concurrent requests without a read-then-write.
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import * as z from 'zod';
import type { Database } from '../db/client.js';
import { isoText, jsonItem, jsonObject, listItem } from '../db/pagination.js';
import { isCheckViolation } from '../db/errors.js';
import { chatConversations, type ChatMessage } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { isoDate, toIso } from '../schemas/common.js';
import { named } from '../schemas/registry.js';

export const MAX_CONVERSATION_MESSAGES = 200;
export const MAX_MESSAGE_CHARS = 20_000;

export const ChatMessageSchema = named(
  'ChatMessage',
  z.object({
    role: z.enum(['user', 'assistant']),
    content: z.string().min(1).max(MAX_MESSAGE_CHARS),
    timestamp: isoDate,
  }),
);

export const ConversationSchema = named(
  'Conversation',
  z.object({
    id: z.uuid(),
    analysis_id: z.uuid().nullable(),
    title: z.string().nullable(),
    message_count: z.number().int(),
    messages: z.array(ChatMessageSchema).optional().describe('Only when one conversation is fetched.'),
    ai_usage: z.object({ input_tokens: z.number().int(), output_tokens: z.number().int() }),
    created_at: isoDate,
    updated_at: isoDate,
  }),
);
export type ConversationDto = z.infer<typeof ConversationSchema>;

export type ConversationRow = typeof chatConversations.$inferSelect;

/** With `messages` when the row carries them (one conversation), without for list items. */
export function serializeConversation(row: Omit<ConversationRow, 'messages'> & { messages?: ChatMessage[] }): ConversationDto {
  return {
    id: row.id,
    analysis_id: row.analysisId,
    title: row.title,
    message_count: row.messageCount,
    ...(row.messages ? { messages: row.messages } : {}),
    ai_usage: { input_tokens: row.aiInputTokens, output_tokens: row.aiOutputTokens },
    created_at: toIso(row.createdAt)!,
    updated_at: toIso(row.updatedAt)!,
  };
}

/**
 * A conversation without its messages (up to 200 × 20 000 characters) as readJsonPage builds it for lists:
 * serializeConversation in SQL.
 */
export const conversationSummaryItem = listItem(() =>
  jsonItem<Omit<ConversationDto, 'messages'>>({
    id: chatConversations.id,
    analysis_id: chatConversations.analysisId,
    title: chatConversations.title,
    message_count: chatConversations.messageCount,
    ai_usage: jsonObject({ input_tokens: chatConversations.aiInputTokens, output_tokens: chatConversations.aiOutputTokens }),
    created_at: isoText(chatConversations.createdAt),
    updated_at: isoText(chatConversations.updatedAt),
  }));

/** WHERE for "this conversation, owned by userId" — someone else's is simply not found. */
export function ownConversation(id: string, userId: string): SQL {
  return and(eq(chatConversations.id, id), eq(chatConversations.userId, userId))!;
}

export async function loadConversation(db: Database, id: string, userId: string): Promise<ConversationRow | undefined> {
  const [row] = await db.select().from(chatConversations).where(ownConversation(id, userId));
  return row;
}

export interface NewChatMessage {
  role: 'user' | 'assistant';
  content: string;
  /** Default: now. */
  timestamp?: string;
}

export interface AppendUsage {
  inputTokens?: number;
  outputTokens?: number;
}

function stamp(messages: readonly NewChatMessage[]): ChatMessage[] {
  const now = new Date().toISOString();
  return messages.map((m, i) => {
    if (m.content.length === 0 || m.content.length > MAX_MESSAGE_CHARS) {
      throw new AppError('VALIDATION_ERROR', {
        message: 'conversation.message_too_long',
        params: { max: MAX_MESSAGE_CHARS },
        details: { issues: [{ path: `messages.${i}.content`, code: 'too_big', message: '' }] },
      });
    }
    return { role: m.role, content: m.content, timestamp: m.timestamp ?? now };
  });
}

/**
 * The append as ONE statement, for a caller's own db.batch. It returns the updated row, or no row when
 * the conversation is not the user's or the append would pass the cap (tell them apart with
 * `appendMessages`, or by reading the conversation in the same batch). Token usage is added in the
 * same statement.
 */
export function appendMessagesStatement(
  db: Database,
  conversationId: string,
  userId: string,
  messages: readonly NewChatMessage[],
  usage: AppendUsage = {},
) {
  const stamped = stamp(messages);
  return db
    .update(chatConversations)
    .set({
      messages: sql`${chatConversations.messages} || ${JSON.stringify(stamped)}::jsonb`,
      messageCount: sql`${chatConversations.messageCount} + ${stamped.length}::int`,
      aiInputTokens: sql`${chatConversations.aiInputTokens} + ${usage.inputTokens ?? 0}::int`,
      aiOutputTokens: sql`${chatConversations.aiOutputTokens} + ${usage.outputTokens ?? 0}::int`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        ownConversation(conversationId, userId),
        sql`${chatConversations.messageCount} + ${stamped.length}::int <= ${MAX_CONVERSATION_MESSAGES}::int`,
      ),
    )
    .returning();
}

const conversationFull = () =>
  new AppError('INVALID_STATE', { message: 'conversation.full', params: { max: MAX_CONVERSATION_MESSAGES } });

/**
 * Appends messages to the user's conversation in one round trip: the updated conversation, or
 * 404 NOT_FOUND (not theirs / unknown) or 409 INVALID_STATE (the 200-message cap would be passed).
 * A content over 20 000 characters is a 400 before anything is sent.
 */
export async function appendMessages(
  db: Database,
  conversationId: string,
  userId: string,
  messages: readonly NewChatMessage[],
  usage: AppendUsage = {},
): Promise<ConversationRow> {
  try {
    const [updated, existing] = await db.batch([
      appendMessagesStatement(db, conversationId, userId, messages, usage),
      db.select({ id: chatConversations.id }).from(chatConversations).where(ownConversation(conversationId, userId)),
    ]);
    if (updated[0]) return updated[0];
    if (existing.length === 0) throw notFound();
    throw conversationFull();
  } catch (error) {
    // The CHECK is the last line of defence; it should never be reached past the WHERE above.
    if (isCheckViolation(error, 'chat_conversations_message_count')) throw conversationFull();
    throw error;
  }
}
