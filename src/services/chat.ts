/**
 * The assistant's bookkeeping (SPEC §6, §10): who may chat about what, the daily limit, and persisting
 * the exchange. The model call itself is made by the route between `prepareChat` and `saveChat`, so a
 * failed call writes nothing but its usage (and gives back the daily-limit hit).
 */
import type { AttemptRecord } from '../ai/client.js';
import type { ReportForChat } from '../ai/chat-context.js';
import type { Database } from '../db/client.js';
import { chatConversations, type ChatMessage } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { insertUsage, usageTotals } from './ai-usage.js';
import { groupAnalysisRows, selectAnalysis } from './analyses.js';
import { appendMessagesStatement, loadConversation, MAX_CONVERSATION_MESSAGES, type ConversationRow } from './conversations.js';
import { hitRateLimit, rateLimited, undoRateLimitHits } from './rate-limit.js';
import { readSettings } from './settings.js';

export interface ChatRequest {
  userId: string;
  message: string;
  conversationId?: string | undefined;
  analysisId?: string | undefined;
}

export interface PreparedChat {
  conversationId: string;
  conversation: ConversationRow | undefined;
  analysisId: string | null;
  report: ReportForChat | null;
  history: ChatMessage[];
  limitKey: string;
}

const DAY_S = 86_400;

/** One counter per user and UTC day, ending at the next midnight. */
function dailyWindow(userId: string, now = new Date()) {
  const day = now.toISOString().slice(0, 10);
  const secondsLeft = Math.max(1, DAY_S - Math.floor((now.getTime() - Date.parse(`${day}T00:00:00Z`)) / 1000));
  return { key: `ai:chat:${userId}:${day}`, windowSeconds: secondsLeft };
}

async function loadReport(db: Database, analysisId: string, userId: string): Promise<ReportForChat> {
  const analysis = groupAnalysisRows(await selectAnalysis(db, analysisId, { id: userId, permissions: [] }));
  if (!analysis) throw notFound();
  if (analysis.reportType !== 'premium') throw new AppError('INVALID_STATE', { message: 'ai.chat_needs_premium' });
  return {
    ...analysis,
    sections: analysis.sections.filter((s) => s.content !== null).map((s) => ({ section: s.section, content: s.content })),
  };
}

/** Checks ownership, tier and room, then counts today's message atomically (429 past chat_daily_limit). */
export async function prepareChat(db: Database, req: ChatRequest): Promise<PreparedChat> {
  const conversation = req.conversationId ? await loadConversation(db, req.conversationId, req.userId) : undefined;
  if (req.conversationId && !conversation) throw notFound();
  if (conversation && req.analysisId && conversation.analysisId !== req.analysisId) {
    throw new AppError('CONFLICT', { message: 'ai.conversation_other_analysis' });
  }
  const analysisId = conversation ? conversation.analysisId : (req.analysisId ?? null);
  const report = analysisId ? await loadReport(db, analysisId, req.userId) : null;
  if (conversation && conversation.messageCount + 2 > MAX_CONVERSATION_MESSAGES) {
    throw new AppError('INVALID_STATE', { message: 'conversation.full', params: { max: MAX_CONVERSATION_MESSAGES } });
  }

  const { chat_daily_limit: limit } = await readSettings(db, ['chat_daily_limit']);
  const window = dailyWindow(req.userId);
  const [hit] = await hitRateLimit(db, window);
  if (hit!.count > limit) throw rateLimited(hit!.resetAt, 'ai.chat_limit');
  return {
    conversationId: conversation?.id ?? crypto.randomUUID(),
    conversation,
    analysisId,
    report,
    history: conversation?.messages ?? [],
    limitKey: window.key,
  };
}

/** A failed model call: record its usage, and give the daily-limit hit back (no answer, no message used). */
export async function chatFailed(db: Database, prep: PreparedChat, userId: string, model: string, records: AttemptRecord[]) {
  const usage = insertUsage(db, { userId, kind: 'chat', model, analysisId: prep.analysisId }, records);
  await db.batch([...undoRateLimitHits(db, [prep.limitKey]), ...(usage ? [usage] : [])]);
}

/** Persists the user message and the reply (a new conversation is created with them), with usage. */
export async function saveChat(
  db: Database,
  prep: PreparedChat,
  input: { userId: string; model: string; message: string; reply: string; records: AttemptRecord[] },
): Promise<void> {
  const usage = usageTotals(input.records);
  const now = new Date().toISOString();
  const exchange: ChatMessage[] = [
    { role: 'user', content: input.message, timestamp: now },
    { role: 'assistant', content: input.reply, timestamp: now },
  ];
  const tokens = { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
  const write = prep.conversation
    ? appendMessagesStatement(db, prep.conversationId, input.userId, exchange, tokens)
    : db
        .insert(chatConversations)
        .values({
          id: prep.conversationId,
          userId: input.userId,
          analysisId: prep.analysisId,
          title: Array.from(input.message.replace(/\s+/g, ' ').trim()).slice(0, 80).join(''),
          messages: exchange,
          messageCount: exchange.length,
          aiInputTokens: usage.inputTokens,
          aiOutputTokens: usage.outputTokens,
        })
        .returning();
  const usageRows = insertUsage(
    db,
    { userId: input.userId, kind: 'chat', model: input.model, analysisId: prep.analysisId, conversationId: prep.conversationId },
    input.records,
  );
  const [written] = await db.batch([write, ...(usageRows ? [usageRows] : [])]);
  if ((written as unknown[]).length === 0) {
    // The conversation filled up (or was deleted) while the model was answering.
    throw new AppError('INVALID_STATE', { message: 'conversation.full', params: { max: MAX_CONVERSATION_MESSAGES } });
  }
}
