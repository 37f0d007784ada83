/**
 * /api/analyses — the idea and its report (SPEC §5, §10). Generation, upgrade-premium and validate-idea
 * live in the AI router mounted on the same prefix; nothing here matches their paths.
 */
import { eq } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { requirePermission, requireUser } from '../auth/guards.js';
import { analyses } from '../db/schema.js';
import { notFound } from '../errors.js';
import { created, deleted, ok, paginatedJson } from '../http/envelope.js';
import { describe } from '../http/route-meta.js';
import { pageWindow } from '../http/pagination.js';
import { body, idParam, query } from '../http/validate.js';
import {
  AdminAnalysisListQuery,
  AdminAnalysisSummarySchema,
  AnalysisListQuery,
  AnalysisSchema,
  AnalysisSummarySchema,
  CreateAnalysisBody,
  UpdateAnalysisBody,
} from '../schemas/analysis.js';
import { recordActivity } from '../services/activity.js';
import { createAnalysisSections, hasUnsettledStaleSection, loadAnalysis, serializeAnalysis } from '../services/analyses.js';
import { softDeleteAnalysis, updateOwnAnalysis } from '../services/analysis-changes.js';
import { listAnalyses } from '../services/analysis-list.js';
import { sweepStaleSections } from '../services/report-finish.js';
import type { AppEnv } from '../types.js';

const TAGS = ['analyses'] as const;
const readOptions = (c: Context<AppEnv>) => ({ staleAfterSeconds: c.var.config.aiSectionTimeoutS });

export const analysesRoutes = new Hono<AppEnv>()
  .post(
    '/',
    describe({
      operationId: 'createAnalysis',
      summary: 'Create an analysis',
      tags: TAGS,
      status: 201,
      response: AnalysisSchema,
    }),
    requireUser,
    body(CreateAnalysisBody),
    async (c) => {
      const input = c.req.valid('json');
      const { db, user } = c.var;
      const id = crypto.randomUUID();
      const [inserted, sections] = await db.batch([
        db
          .insert(analyses)
          .values({
            id,
            userId: user.id,
            businessIdea: input.business_idea,
            industry: input.industry ?? null,
            targetMarket: input.target_market ?? null,
            location: input.location ?? null,
            budget: input.budget ?? null,
            reportLanguage: input.report_language,
          })
          .returning(),
        createAnalysisSections(db, id, 'free'),
        recordActivity(db, {
          userId: user.id,
          action: 'analysis_created',
          entityType: 'analysis',
          entityId: id,
          data: { report_language: input.report_language },
        }),
      ]);
      return created(c, serializeAnalysis({ ...inserted[0]!, sections }, user, readOptions(c)), 'ok.analysis_created');
    },
  )
  .get(
    '/',
    describe({
      operationId: 'listAnalyses',
      summary: 'List own analyses',
      tags: TAGS,
      response: AnalysisSummarySchema,
      responseKind: 'paginated',
    }),
    requireUser,
    query(AnalysisListQuery),
    async (c) => {
      const input = c.req.valid('query');
      return paginatedJson(c, await listAnalyses(c.var.db, pageWindow(c, input), input, eq(analyses.userId, c.var.user.id)));
    },
  )
  .get(
    '/all',
    describe({
      operationId: 'listAllAnalyses',
      summary: "List everyone's analyses",
      tags: TAGS,
      response: AdminAnalysisSummarySchema,
      responseKind: 'paginated',
    }),
    requirePermission('view_analyses'),
    query(AdminAnalysisListQuery),
    async (c) => {
      const input = c.req.valid('query');
      const scope = input.user_id ? eq(analyses.userId, input.user_id) : undefined;
      return paginatedJson(c, await listAnalyses(c.var.db, pageWindow(c, input), input, scope, true));
    },
  )
  .get(
    '/:id',
    describe({
      operationId: 'getAnalysis',
      summary: 'Get an analysis with its report',
      tags: TAGS,
      response: AnalysisSchema,
      errors: ['NOT_FOUND'],
    }),
    requireUser,
    idParam(),
    async (c) => {
      const { db, user } = c.var;
      const id = c.req.valid('param').id;
      let analysis = await loadAnalysis(db, id, user);
      if (!analysis) throw notFound();
      // The read that would show a dead run's sections failed settles them first (refund, notification),
      // instead of leaving that to the next sweep (SPEC §6 "and on read"). Rare: only runs that died.
      if (hasUnsettledStaleSection(analysis, readOptions(c))) {
        await sweepStaleSections(db, c.var.config.aiSectionTimeoutS, id);
        analysis = (await loadAnalysis(db, id, user)) ?? analysis;
      }
      return ok(c, serializeAnalysis(analysis, user, readOptions(c)));
    },
  )
  .put(
    '/:id',
    describe({
      operationId: 'updateAnalysis',
      summary: 'Edit own analysis',
      tags: TAGS,
      response: AnalysisSchema,
      errors: ['NOT_FOUND', 'INVALID_STATE'],
    }),
    requireUser,
    idParam(),
    body(UpdateAnalysisBody),
    async (c) => {
      const analysis = await updateOwnAnalysis(c, c.req.valid('param').id, c.req.valid('json'));
      return ok(c, serializeAnalysis(analysis, c.var.user, readOptions(c)), 'ok.analysis_updated');
    },
  )
  .delete(
    '/:id',
    describe({
      operationId: 'deleteAnalysis',
      summary: 'Delete an analysis (soft)',
      tags: TAGS,
      response: AnalysisSchema.pick({ id: true }),
      errors: ['NOT_FOUND', 'AUTHORIZATION_ERROR'],
    }),
    requireUser,
    idParam(),
    async (c) => {
      const { id } = c.req.valid('param');
      await softDeleteAnalysis(c, id);
      return deleted(c, id);
    },
  );
