/**
 * POST /api/ai/generate-analysis (SPEC §6, §10). Every refusal (401, 400, 503 not configured, 404,
 * 409 busy / tier / force limit, 402, 429) is decided and answered as an ordinary error envelope BEFORE
 * the first byte; the run starts only after its sections are claimed (and the charge, if due, booked).
 * Then: `Accept: text/event-stream` → progress events as they happen; otherwise the analysis when done.
 */
import { Hono, type Context } from 'hono';
import * as z from 'zod';
import { runGeneration, type RewriteInput, type RunEvent, type RunResult } from '../ai/runner.js';
import { requireUser, requireVerifiedUser } from '../auth/guards.js';
import { SECTION_NAMES, type SectionName } from '../db/schema.js';
import { AppError } from '../errors.js';
import { ok } from '../http/envelope.js';
import { describe } from '../http/route-meta.js';
import { body } from '../http/validate.js';
import { SectionProgressEvent, StreamErrorEvent } from '../schemas/ai-events.js';
import { AnalysisSchema } from '../schemas/analysis.js';
import { serializeAnalysis, type LoadedAnalysis } from '../services/analyses.js';
import { planAndStart, reloadAnalysis } from '../services/report-plan.js';
import type { AppEnv } from '../types.js';
import { requireAi, sseResponse, wantsEventStream } from './ai-support.js';

const GenerateBody = z.strictObject({
  analysis_id: z.uuid(),
  sections: z
    .array(z.enum(SECTION_NAMES))
    .min(1)
    .max(SECTION_NAMES.length)
    .refine((list) => new Set(list).size === list.length, 'sections must not repeat')
    .optional(),
  force: z.boolean().optional(),
  feedback: z
    .string()
    .trim()
    .min(1)
    .max(2000)
    .optional()
    .describe('The founder\'s feedback for a rewrite (≤ 2,000 characters): only with `force: true` and named `sections`. The rewrite sees the current section and the feedback.'),
}).superRefine((b, ctx) => {
  if (b.feedback === undefined) return;
  if (b.force !== true) ctx.addIssue({ code: 'custom', path: ['feedback'], message: 'feedback needs force: true' });
  if (!b.sections) ctx.addIssue({ code: 'custom', path: ['sections'], message: 'feedback needs the sections to rewrite' });
});

const SSE_DESCRIPTION =
  'With `Accept: text/event-stream`: `section_started`, `section_completed`, `section_failed` events carrying ' +
  '`{section, status, error_code?}` as each section progresses; when market or financial is generated with AI_WEB_SEARCH on, one ' +
  '`research_completed` `{status: researched|search_failed, queries, sources, error_code?}` before they are written; then `done` carrying the analysis. When the run stored ' +
  'nothing because the AI failed, the last event is `error` `{error_code: "AI_UPSTREAM_ERROR", message}` instead ' +
  '(as the JSON variant answers 502); any other error after the stream started is an `error` event that ends it.';

export const generateRoutes = new Hono<AppEnv>().post(
  '/generate-analysis',
  describe({
    operationId: 'generateAnalysis',
    summary: 'Generate the missing sections of an analysis',
    tags: ['ai'],
    response: AnalysisSchema,
    errors: ['NOT_FOUND', 'INVALID_STATE', 'INSUFFICIENT_CREDITS', 'RATE_LIMITED', 'AI_UNAVAILABLE', 'AI_UPSTREAM_ERROR'],
    sse: {
      description: SSE_DESCRIPTION,
      events: {
        section_started: SectionProgressEvent,
        section_completed: SectionProgressEvent,
        section_failed: SectionProgressEvent,
        done: AnalysisSchema,
        error: StreamErrorEvent,
      },
    },
  }),
  requireVerifiedUser,
  body(GenerateBody),
  async (c) => {
    const ai = requireAi(c);
    const input = c.req.valid('json');
    const { db, user, config } = c.var;
    const staleAfterSeconds = config.aiSectionTimeoutS;
    const plan = await planAndStart(db, {
      analysisId: input.analysis_id,
      userId: user.id,
      sections: input.sections,
      force: input.force ?? false,
      staleAfterSeconds,
      feedback: input.feedback,
    });
    const view = (a: LoadedAnalysis) => serializeAnalysis(a, user, { staleAfterSeconds });

    if (plan.kind === 'nothing') {
      if (!wantsEventStream(c)) return ok(c, view(plan.analysis), 'ok.report_up_to_date');
      return sseResponse(c, async (send) => send('done', view(plan.analysis)));
    }

    const run = (onEvent?: (e: RunEvent) => void) =>
      runGeneration({
        db,
        ai,
        analysisId: plan.analysis.id,
        userId: user.id,
        idea: plan.analysis,
        lang: plan.analysis.reportLanguage === 'ar' ? 'ar' : 'en',
        sections: plan.sections,
        claimedAt: plan.claimedAt,
        staleAfterSeconds,
        grounding: config.aiResearch,
        catalog: plan.catalog,
        ...(input.feedback ? { rewrite: rewriteOf(plan.analysis, plan.sections, input.feedback) } : {}),
        ...(onEvent ? { onEvent } : {}),
      });
    const final = async () => {
      const analysis = await reloadAnalysis(db, plan.analysis.id, user.id);
      return analysis ? view(analysis) : null;
    };

    if (!wantsEventStream(c)) {
      const result = await keepRunning(c, run());
      if (result.completed.length === 0) throw upstreamFailure(result);
      const analysis = await final();
      return ok(c, analysis, result.failed.length === 0 ? 'ok.report_generated' : 'ok.report_partly_generated');
    }
    return sseResponse(c, async (send, fail) => {
      const result = await keepRunning(c, run((e) => send(e.event, e.data)));
      if (result.completed.length === 0) return fail(upstreamFailure(result));
      send('done', await final());
    });
  },
);

/** The current content of the sections to rewrite, for the rewrite prompt. */
function rewriteOf(analysis: LoadedAnalysis, sections: readonly SectionName[], feedback: string): RewriteInput {
  const previous: RewriteInput['previous'] = {};
  for (const row of analysis.sections) {
    if (sections.includes(row.section) && row.content) previous[row.section] = row.content as Record<string, unknown>;
  }
  return { feedback, previous };
}

function upstreamFailure(result: RunResult) {
  return new AppError('AI_UPSTREAM_ERROR', {
    message: 'ai.generation_failed',
    details: {
      sections: Object.fromEntries(result.failed.map((f) => [f.section, f.errorCode])),
      refunded_credits: result.finish.refundedCredits,
    },
  });
}

/** On Workers, keeps the isolate alive until the run is stored even if the client disconnects. */
function keepRunning<T>(c: Context<AppEnv>, work: Promise<T>): Promise<T> {
  try {
    c.executionCtx.waitUntil(work.catch(() => undefined));
  } catch {
    // No ExecutionContext (Node, tests): the request itself awaits the run.
  }
  return work;
}
