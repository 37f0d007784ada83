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

const TAGS = ['analyses'];
const readOptions = (c: Context<AppEnv>) => ({ staleAfterSeconds: c.var.config.aiSectionTimeoutS });
const LIST_DESCRIPTION =
  'Summaries (no report bodies), newest first. `q` searches the idea text (any language; `%` and `_` are literal); ' +
  '`industry` matches exactly, ignoring case.';

export const analysesRoutes = new Hono<AppEnv>()
  .post(
    '/',
    describe({
      summary: 'Create an analysis',
      description: 'Starts `pending` and `free`, with a pending slot for each free section (overview, market).',
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
      summary: 'List own analyses',
      description: LIST_DESCRIPTION,
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
      summary: "List everyone's analyses",
      description: `${LIST_DESCRIPTION} \`user_id\` narrows to one owner.`,
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
      summary: 'Get an analysis with its report',
      description:
        "The owner's, or anyone's with `view_analyses`; otherwise 404. A section still `processing` past AI_SECTION_TIMEOUT_S " +
        'is settled by this read (failed, refund rule applied, owner notified) before the answer.',
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
      summary: 'Edit own analysis',
      description:
        'Idea fields only while no generation has started (`pending`); `user_rating` (1..5) and `user_feedback` (≤ 2000) ' +
        'only once `completed` — otherwise 409 INVALID_STATE. Server-owned fields (status, report_type, report, scores, …) are a 400.',
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
      summary: 'Delete an analysis (soft)',
      description:
        "The owner's own, or anyone's with `manage_analyses`. Its share links stop working at once.",
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
