/**
 * Owner edits and deletion of analyses (SPEC §5, §10), each one db.batch: the change, its
 * precondition and its feed/audit entry commit together or not at all.
 */
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { hasPermission } from '../auth/guards.js';
import { analyses } from '../db/schema.js';
import { adminAlertStatements } from '../email/events.js';
import { AppError, notFound } from '../errors.js';
import { IDEA_FIELDS, REVIEW_FIELDS, type UpdateAnalysisInput } from '../schemas/analysis.js';
import type { AppEnv } from '../types.js';
import { groupAnalysisRows, ownedLiveAnalysis, selectAnalysis, type LoadedAnalysis } from './analyses.js';
import { auditIf, recordActivityIf } from './conditional-log.js';

/**
 * Idea fields only while no generation has started (status pending, generation_started_at null);
 * rating and feedback only once completed. The state rule is part of the UPDATE's WHERE, so a
 * generation starting concurrently cannot slip between a check and the write.
 */
export async function updateOwnAnalysis(c: Context<AppEnv>, id: string, input: UpdateAnalysisInput): Promise<LoadedAnalysis> {
  const { db, user } = c.var;
  const editsIdea = IDEA_FIELDS.some((k) => input[k] !== undefined);
  const editsReview = REVIEW_FIELDS.some((k) => input[k] !== undefined);
  const ideaEditable = and(eq(analyses.status, 'pending'), isNull(analyses.generationStartedAt));
  const reviewable = eq(analyses.status, 'completed');

  const [updated, rows] = await db.batch([
    db
      .update(analyses)
      .set({
        businessIdea: input.business_idea,
        industry: input.industry,
        targetMarket: input.target_market,
        location: input.location,
        budget: input.budget,
        userRating: input.user_rating,
        userFeedback: input.user_feedback,
        updatedAt: sql`now()`,
      })
      .where(and(ownedLiveAnalysis(id, user.id), editsIdea ? ideaEditable : undefined, editsReview ? reviewable : undefined))
      .returning({ id: analyses.id }),
    // Read after the update, in the same transaction: the new state, or why nothing changed.
    selectAnalysis(db, id, { id: user.id, permissions: [] }),
    // SPEC-WAVE2 §11.4 "Rating saved": holders of view_analyses hear in-app at most once per analysis per hour,
    // and by mail at most once per 15-minute bucket. The UPDATE above holds the analysis row, so concurrent
    // ratings of one analysis queue here and the later one sees the earlier notification.
    ...(input.user_rating !== undefined
      ? adminAlertStatements(db, c.var.config, {
          template: 'admin_new_rating',
          permission: 'view_analyses',
          variables: { analysis_id: id, rating: input.user_rating },
          when: sql`EXISTS (SELECT 1 FROM analyses WHERE id = ${id} AND user_id = ${user.id} AND updated_at = now() AND user_rating IS NOT NULL)`,
          params: { analysis_id: id, rating: input.user_rating },
          data: { analysis_id: id, rating: input.user_rating },
          notifyWhen: sql`NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = u.id AND n.type = 'admin_new_rating'
                                        AND n.data ->> 'analysis_id' = ${id} AND n.created_at > now() - interval '1 hour')`,
        })
      : []),
  ]);
  const analysis = groupAnalysisRows(rows);
  if (!analysis) throw notFound();
  if (updated.length === 0) {
    const ideaBlocked = editsIdea && !(analysis.status === 'pending' && analysis.generationStartedAt === null);
    throw new AppError('INVALID_STATE', {
      message: ideaBlocked ? 'analysis.idea_locked' : 'analysis.not_completed_for_review',
      details: { status: analysis.status },
    });
  }
  return analysis;
}

/**
 * Soft delete: the owner, or a holder of manage_analyses for anyone's. Public share links stop at
 * once because the public view joins on `deleted_at IS NULL`. The owner's own deletion goes to their
 * activity feed; an admin deleting someone else's analysis is audited instead.
 * A holder of view_analyses (who can see the analysis) without manage_analyses gets 403; others 404.
 */
export async function softDeleteAnalysis(c: Context<AppEnv>, id: string): Promise<void> {
  const { db, user } = c.var;
  const canManage = hasPermission(c, 'manage_analyses');
  const canView = hasPermission(c, 'view_analyses');
  const live = and(eq(analyses.id, id), isNull(analyses.deletedAt));
  const target = canManage ? live : ownedLiveAnalysis(id, user.id);
  const othersLive = sql`EXISTS (SELECT 1 FROM ${analyses} WHERE ${and(live, ne(analyses.userId, user.id))})`;

  const [, , , deletedRows, visible] = await db.batch([
    db.select({ id: analyses.id }).from(analyses).where(target).for('update'),
    recordActivityIf(
      db,
      { userId: user.id, action: 'analysis_deleted', entityType: 'analysis', entityId: id },
      sql`EXISTS (SELECT 1 FROM ${analyses} WHERE ${ownedLiveAnalysis(id, user.id)})`,
    ),
    auditIf(
      db,
      c,
      { action: 'analysis.delete', entityType: 'analysis', entityId: id, before: { deleted_at: null }, after: { deleted: true } },
      canManage ? othersLive : sql`false`,
    ),
    db.update(analyses).set({ deletedAt: sql`now()`, updatedAt: sql`now()` }).where(target).returning({ id: analyses.id }),
    db.select({ userId: analyses.userId }).from(analyses).where(canView ? live : sql`false`),
  ]);
  if (deletedRows.length > 0) return;
  if (visible.length > 0) {
    throw new AppError('AUTHORIZATION_ERROR', { message: 'auth.missing_permission', params: { permission: 'manage_analyses' } });
  }
  throw notFound();
}
