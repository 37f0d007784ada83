/**
 * Upgrading a free analysis to premium (SPEC §5, §10): the charge is booked at upgrade, once, in ONE
 * batch (a write costs ≤ 2 round trips with auth): lock the analysis; guards that it is the caller's
 * live analysis (else 404) and still free (else 409 — a concurrent upgrade that won the lock makes this
 * one fail whole); book `premium_report_cost` as the setting stands in that transaction; flip the tier
 * (a completed free report goes back to `pending` until its premium sections complete); add the four
 * premium section rows; record the activity; read the analysis back. The partial unique index on open
 * charges backs this up: two charges cannot coexist.
 */
import { creditsLowStatements } from '../email/events.js';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { AppError, notFound } from '../errors.js';
import { recordActivity } from './activity.js';
import { addPremiumSections, groupAnalysisRows, selectAnalysis, type LoadedAnalysis } from './analyses.js';
import { failedGuard, guard, lockAnalysis } from './batch-guards.js';
import { bookEntriesFrom } from './ledger.js';
import { chargeError } from './report-runs.js';
import { integerSettingSql } from './settings-sql.js';

const alreadyPremium = () => new AppError('INVALID_STATE', { message: 'ai.already_premium' });

export async function upgradeToPremium(db: Database, analysisId: string, userId: string): Promise<LoadedAnalysis> {
  const cost = integerSettingSql('premium_report_cost');
  const live = sql`id = ${analysisId} AND user_id = ${userId} AND deleted_at IS NULL`;
  let upgraded: LoadedAnalysis | undefined;
  try {
    const results = await db.batch([
      lockAnalysis(db, analysisId),
      guard(db, sql`EXISTS (SELECT 1 FROM analyses WHERE ${live})`, 'not_found'),
      guard(db, sql`EXISTS (SELECT 1 FROM analyses WHERE ${live} AND report_type = 'free')`, 'not_free'),
      bookEntriesFrom(db, {
        type: 'analysis_charge',
        referenceType: 'analysis',
        description: 'Premium report',
        source: sql`SELECT ${userId}::uuid AS user_id, -(${cost}) AS credits, ${analysisId}::uuid AS reference_id`,
      }),
      db.execute(sql`
        UPDATE analyses SET report_type = 'premium', updated_at = now(),
               status = CASE WHEN status = 'completed' THEN 'pending' ELSE status END
        WHERE id = ${analysisId}`),
      addPremiumSections(db, analysisId),
      recordActivity(db, {
        userId,
        action: 'analysis_upgraded',
        entityType: 'analysis',
        entityId: analysisId,
        data: sql`jsonb_build_object('credits', ${cost})`,
      }),
      selectAnalysis(db, analysisId, { id: userId, permissions: [] }),
      // SPEC-WAVE2 §11.8: warned when this charge crossed the low-credit threshold.
      ...creditsLowStatements(db, undefined, userId, sql`t.type = 'analysis_charge' AND t.reference_id = ${analysisId} AND t.created_at = now()`),
    ]);
    upgraded = groupAnalysisRows(results[7]);
  } catch (error) {
    const guardFailed = failedGuard(error);
    if (guardFailed === 'not_found') throw notFound();
    if (guardFailed === 'not_free') throw alreadyPremium();
    throw chargeError(error);
  }
  if (!upgraded) throw notFound();
  return upgraded;
}
