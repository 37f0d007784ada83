/**
 * POST /api/ai/invoke-llm (SPEC §6, §10): a raw model call for holders of `invoke_llm` only, with
 * `max_tokens` ≤ 4096, 20 calls per user per hour, usage recorded. The prompt is the caller's own
 * (they hold the permission): no data-block wrapping, but the same retry budget and error hygiene.
 */
import { Hono } from 'hono';
import * as z from 'zod';
import { aiTuning, createMessage, type FailedCall } from '../ai/client.js';
import { requirePermission, requireVerifiedEmail } from '../auth/guards.js';
import { AppError } from '../errors.js';
import { ok } from '../http/envelope.js';
import { describe } from '../http/route-meta.js';
import { body } from '../http/validate.js';
import { insertUsage, usageTotals } from '../services/ai-usage.js';
import { hitRateLimit, rateLimited } from '../services/rate-limit.js';
import type { AppEnv } from '../types.js';
import { requireAi } from './ai-support.js';
import { named } from '../schemas/registry.js';

const InvokeBody = z.strictObject({
  prompt: z.string().min(1).max(100_000),
  system: z.string().min(1).max(20_000).optional(),
  max_tokens: z.number().int().min(1).max(4096).optional(),
});

const InvokeReply = named(
  'LlmReply',
  z.object({
    text: z.string(),
    usage: z.object({ input_tokens: z.number().int(), output_tokens: z.number().int() }),
    stop_reason: z.string().nullable(),
  }),
);

const INVOKE_LIMIT = { max: 20, windowSeconds: 3600 };
const DEFAULT_MAX_TOKENS = 1024;

export const invokeRoutes = new Hono<AppEnv>().post(
  '/invoke-llm',
  describe({
    operationId: 'invokeLlm',
    summary: 'Call the model directly',
    tags: ['ai'],
    response: InvokeReply,
    errors: ['RATE_LIMITED', 'AI_UNAVAILABLE', 'AI_UPSTREAM_ERROR', 'EMAIL_NOT_VERIFIED'],
  }),
  requirePermission('invoke_llm'),
  requireVerifiedEmail,
  body(InvokeBody),
  async (c) => {
    const ai = requireAi(c);
    const input = c.req.valid('json');
    const { db, user } = c.var;
    const [hit] = await hitRateLimit(db, { key: `ai:invoke:${user.id}`, windowSeconds: INVOKE_LIMIT.windowSeconds });
    if (hit!.count > INVOKE_LIMIT.max) throw rateLimited(hit!.resetAt, 'ai.invoke_limit');

    const owner = { userId: user.id, kind: 'invoke' as const, model: ai.model };
    try {
      const { message, records } = await createMessage(
        ai,
        {
          max_tokens: input.max_tokens ?? DEFAULT_MAX_TOKENS,
          messages: [{ role: 'user', content: input.prompt }],
          ...(input.system ? { system: input.system } : {}),
        },
        Date.now() + aiTuning.interactiveBudgetMs,
      );
      await insertUsage(db, owner, records);
      const totals = usageTotals(records.filter((r) => r.ok));
      return ok(
        c,
        {
          text: message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(''),
          usage: { input_tokens: totals.inputTokens, output_tokens: totals.outputTokens },
          stop_reason: message.stop_reason,
        },
        'ok.llm_reply',
      );
    } catch (error) {
      const failed = error as FailedCall;
      const usage = insertUsage(db, owner, failed.records ?? []);
      if (usage) await usage;
      throw new AppError('AI_UPSTREAM_ERROR', { details: { ai_error: failed.code ?? 'AI_SERVER_ERROR' } });
    }
  },
);
