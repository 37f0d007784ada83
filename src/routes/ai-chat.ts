/**
 * POST /api/ai/chat (SPEC §6, §10): the assistant, about the caller's own premium report or in general.
 * Refusals (404, 409 free report / full conversation, 429 daily limit, 503) come before the first byte.
 * `Accept: text/event-stream` streams `delta {text}` events then `done {conversation_id, message, usage}`
 * (or `error`); otherwise the reply is returned whole. Only a successful exchange is persisted.
 */
import { Hono } from 'hono';
import * as z from 'zod';
import { chatMessages, chatSystemPrompt } from '../ai/chat-context.js';
import { aiTuning, createMessage, type FailedCall } from '../ai/client.js';
import { streamMessage } from '../ai/stream.js';
import { DEFAULT_PROPOSAL_TEXT, proposalOf, proposeGuide, proposeTool } from '../ai/regeneration-proposal.js';
import { requireUser, requireVerifiedUser } from '../auth/guards.js';
import { AppError } from '../errors.js';
import { ok } from '../http/envelope.js';
import { describe } from '../http/route-meta.js';
import { body } from '../http/validate.js';
import { usageTotals } from '../services/ai-usage.js';
import { chatFailed, prepareChat, saveChat } from '../services/chat.js';
import { MAX_MESSAGE_CHARS } from '../services/conversations.js';
import { ChatDeltaEvent, StreamErrorEvent } from '../schemas/ai-events.js';
import { named } from '../schemas/registry.js';
import type { AppEnv } from '../types.js';
import { requireAi, sseResponse, wantsEventStream } from './ai-support.js';

const ChatBody = z.strictObject({
  message: z.string().trim().min(1).max(MAX_MESSAGE_CHARS),
  conversation_id: z.uuid().optional(),
  analysis_id: z.uuid().optional(),
});

const ChatReply = named(
  'ChatReply',
  z.object({
    conversation_id: z.uuid(),
    message: z.object({ role: z.literal('assistant'), content: z.string() }),
    usage: z.object({ input_tokens: z.number().int(), output_tokens: z.number().int() }),
    proposal: z
      .object({ analysis_id: z.uuid(), sections: z.array(z.string()), feedback: z.string(), force: z.literal(true) })
      .optional()
      .describe('A rewrite the assistant offers (issue 15): the body to send to POST /api/ai/generate-analysis if the founder accepts.'),
  }),
);

const REPLY_MAX_TOKENS = 2048;

export const chatRoutes = new Hono<AppEnv>().post(
  '/chat',
  describe({
    operationId: 'chat',
    summary: 'Ask the assistant',
    tags: ['ai'],
    response: ChatReply,
    errors: ['NOT_FOUND', 'INVALID_STATE', 'CONFLICT', 'RATE_LIMITED', 'AI_UNAVAILABLE', 'AI_UPSTREAM_ERROR'],
    sse: {
      description: 'With `Accept: text/event-stream`: `delta` events `{text}`, then `done` `{conversation_id, message, usage, proposal?}`, or `error` `{error_code, message}`.',
      events: { delta: ChatDeltaEvent, done: ChatReply, error: StreamErrorEvent },
    },
  }),
  requireVerifiedUser,
  body(ChatBody),
  async (c) => {
    const ai = requireAi(c);
    const input = c.req.valid('json');
    const { db, user } = c.var;
    const prep = await prepareChat(db, {
      userId: user.id,
      message: input.message,
      conversationId: input.conversation_id,
      analysisId: input.analysis_id,
    });
    const lang = c.var.lang;
    // About a report, the assistant may propose a rewrite with feedback (a tool it may call, never forced).
    const params = {
      system: prep.report ? `${chatSystemPrompt(lang, prep.report)}\n\n${proposeGuide(lang)}` : chatSystemPrompt(lang, prep.report),
      messages: chatMessages(prep.history, input.message),
      max_tokens: REPLY_MAX_TOKENS,
      ...(prep.report ? { tools: [proposeTool()] } : {}),
    };
    const deadline = Date.now() + aiTuning.interactiveBudgetMs;

    const finish = async (result: Awaited<ReturnType<typeof createMessage>>) => {
      // Chat is about premium reports only, so every section may be proposed.
      const proposal = prep.report && prep.analysisId ? proposalOf(result.message, prep.analysisId, 'premium') : undefined;
      const text = result.message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('').trim();
      const reply = text || (proposal ? DEFAULT_PROPOSAL_TEXT[lang] : '');
      if (!reply) {
        await chatFailed(db, prep, user.id, ai.model, result.records);
        throw new AppError('AI_UPSTREAM_ERROR');
      }
      await saveChat(db, prep, { userId: user.id, model: ai.model, message: input.message, reply, records: result.records });
      const totals = usageTotals(result.records);
      return {
        conversation_id: prep.conversationId,
        message: { role: 'assistant' as const, content: reply },
        usage: { input_tokens: totals.inputTokens, output_tokens: totals.outputTokens },
        ...(proposal ? { proposal } : {}),
      };
    };
    const failed = async (error: unknown) => {
      await chatFailed(db, prep, user.id, ai.model, (error as FailedCall).records ?? []);
      return new AppError('AI_UPSTREAM_ERROR', { details: { ai_error: (error as FailedCall).code ?? 'AI_SERVER_ERROR' } });
    };

    if (!wantsEventStream(c)) {
      const result = await createMessage(ai, params, deadline).catch(async (error: unknown) => {
        throw await failed(error);
      });
      return ok(c, await finish(result), 'ok.chat_reply');
    }
    return sseResponse(c, async (send) => {
      const result = await streamMessage(ai, params, deadline, (text) => send('delta', { text })).catch(async (error: unknown) => {
        throw await failed(error);
      });
      send('done', await finish(result));
    });
  },
);
