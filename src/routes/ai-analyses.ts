/**
 * The AI group's routes under /api/analyses (mounted next to the content router on the same prefix):
 * upgrade-premium (SPEC §5, §10) and validate-idea (SPEC §5, §10).
 */
import { Hono } from 'hono';
import * as z from 'zod';
import { aiContextFor } from '../ai/client.js';
import { checkIdeaLocally } from '../ai/idea-checks.js';
import { askIdeaOpinion } from '../ai/idea-opinion.js';
import { requireUser, requireVerifiedUser } from '../auth/guards.js';
import { ok } from '../http/envelope.js';
import { describe } from '../http/route-meta.js';
import { body, emptyBody, idParam, query } from '../http/validate.js';
import { and, eq, sql } from 'drizzle-orm';
import { analyses, analysisRegenerations } from '../db/schema.js';
import { notFound } from '../errors.js';
import { paginatedJson } from '../http/envelope.js';
import { isoText, jsonItem, listItem, orderBy, readJsonPage } from '../db/pagination.js';
import { listQuery, pageWindow } from '../http/pagination.js';
import { isoDate, toIso } from '../schemas/common.js';
import { visibleLiveAnalysis } from '../services/analyses.js';
import { AnalysisSchema } from '../schemas/analysis.js';
import { language, text } from '../schemas/common.js';
import { insertUsage } from '../services/ai-usage.js';
import { serializeAnalysis } from '../services/analyses.js';
import { hitRateLimit, rateLimited } from '../services/rate-limit.js';
import { upgradeToPremium } from '../services/report-upgrade.js';
import type { AppEnv } from '../types.js';
import { requireAi } from './ai-support.js';
import { named } from '../schemas/registry.js';

const ValidateIdeaBody = z.strictObject({
  business_idea: z.string().trim().min(10).max(10000),
  industry: text(100).optional(),
  report_language: language,
});

const IdeaVerdictSchema = named(
  'IdeaVerdict',
  z.object({
    valid: z.boolean(),
    reason: z.enum(['too_short', 'repetitive', 'gibberish', 'no_letters', 'ok', 'ai_rejected', 'industry_mismatch']),
    confidence: z.number().min(0).max(1),
    industry_match: z.boolean().nullable(),
    ai_checked: z.boolean(),
    ai_error: z.string().optional().describe('Why the AI opinion is missing (AI_UNAVAILABLE, AI_TIMEOUT, …) when ai_checked is false.'),
  }),
);

const VALIDATE_LIMIT = { max: 30, windowSeconds: 3600 };

const RegenerationSchema = z.object({
  id: z.uuid(),
  user_id: z.uuid().nullable().describe('Who asked for the regeneration'),
  sections: z.array(z.string()),
  feedback: z.string().nullable(),
  created_at: isoDate,
});

const REGEN_SORTS = { created_at: analysisRegenerations.createdAt, updated_at: analysisRegenerations.createdAt };

/** A regeneration as readJsonPage builds it. */
const regenerationItem = listItem(() =>
  jsonItem<z.infer<typeof RegenerationSchema>>({
    id: analysisRegenerations.id,
    user_id: analysisRegenerations.userId,
    sections: analysisRegenerations.sections,
    feedback: analysisRegenerations.feedback,
    created_at: isoText(analysisRegenerations.createdAt),
  }),
);

export const aiAnalysesRoutes = new Hono<AppEnv>()
  .get(
    '/:id/regenerations',
    describe({
      operationId: 'listRegenerations', summary: 'The forced regenerations of an analysis',
      tags: ['ai', 'analyses'],
      response: RegenerationSchema,
      responseKind: 'paginated',
      errors: ['NOT_FOUND'],
    }),
    requireUser,
    idParam(),
    query(listQuery()),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      const { db, user } = c.var;
      const window = pageWindow(c, q);
      // [page, the analysis is visible]: an empty page cannot tell "no regenerations" from "not yours".
      const where = eq(analysisRegenerations.analysisId, id);
      const page = await readJsonPage(db, window, {
        item: regenerationItem(),
        from: sql`${analysisRegenerations}`,
        where: and(where, sql`EXISTS (SELECT 1 FROM ${analyses} WHERE ${visibleLiveAnalysis(id, user)})`),
        orderBy: orderBy(REGEN_SORTS, q.sort, q.order, analysisRegenerations.id),
        extras: { visible: sql<boolean>`EXISTS (SELECT 1 FROM ${analyses} WHERE ${visibleLiveAnalysis(id, user)})` },
      });
      if (!page.extras.visible) throw notFound();
      return paginatedJson(c, page);
    },
  )
  .post(
    '/:id/upgrade-premium',
    describe({
      operationId: 'upgradeAnalysis',
      summary: 'Upgrade an analysis to premium',
      tags: ['ai', 'analyses'],
      response: AnalysisSchema,
      errors: ['NOT_FOUND', 'INVALID_STATE', 'INSUFFICIENT_CREDITS', 'AI_UNAVAILABLE'],
    }),
    requireVerifiedUser,
    idParam(),
    emptyBody(),
    async (c) => {
      requireAi(c); // no premium is sold that cannot be generated
      const { db, user, config } = c.var;
      const analysis = await upgradeToPremium(db, c.req.valid('param').id, user.id);
      return ok(c, serializeAnalysis(analysis, user, { staleAfterSeconds: config.aiSectionTimeoutS }), 'ok.analysis_upgraded');
    },
  )
  .post(
    '/validate-idea',
    describe({
      operationId: 'validateIdea',
      summary: 'Check a business idea before creating an analysis',
      tags: ['ai', 'analyses'],
      response: IdeaVerdictSchema,
      errors: ['RATE_LIMITED'],
    }),
    requireVerifiedUser,
    body(ValidateIdeaBody),
    async (c) => {
      const input = c.req.valid('json');
      const { db, user, config } = c.var;
      const local = checkIdeaLocally(input.business_idea);
      const industry = input.industry ?? null;
      const base = { valid: local.valid, reason: local.reason, confidence: local.confidence, industry_match: null };
      if (!local.valid) return ok(c, { ...base, ai_checked: false }, 'ok.idea_checked');
      const ai = aiContextFor(config);
      if (!ai) return ok(c, { ...base, ai_checked: false, ai_error: 'AI_UNAVAILABLE' }, 'ok.idea_checked');

      const [hit] = await hitRateLimit(db, { key: `ai:validate:${user.id}`, windowSeconds: VALIDATE_LIMIT.windowSeconds });
      if (hit!.count > VALIDATE_LIMIT.max) throw rateLimited(hit!.resetAt, 'ai.validate_limit');

      const result = await askIdeaOpinion(ai, { businessIdea: input.business_idea, industry }, input.report_language);
      const usage = insertUsage(db, { userId: user.id, kind: 'validate', model: ai.model }, result.records);
      if (usage) await usage;
      if (!result.ok) return ok(c, { ...base, ai_checked: false, ai_error: result.errorCode }, 'ok.idea_checked');

      const { opinion } = result;
      const industryMatch = industry === null ? null : opinion.industry_match ?? true;
      const reason = !opinion.is_business_idea ? 'ai_rejected' : industryMatch === false ? 'industry_mismatch' : 'ok';
      return ok(
        c,
        { valid: reason === 'ok', reason, confidence: opinion.confidence, industry_match: industryMatch, ai_checked: true },
        'ok.idea_checked',
      );
    },
  );
