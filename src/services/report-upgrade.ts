/**
 * Upgrading a free analysis to premium (SPEC §5, §10): the charge is booked at upgrade, once. One
 * batch locks the analysis, re-checks that it is still free and live (a guard: a concurrent upgrade
 * that won the lock makes this one fail whole), books `premium_report_cost`, flips the tier (a completed
 * free report goes back to `pending` until its premium sections complete) and adds the four premium
 * section rows. The partial unique index on open charges backs this up: two charges cannot coexist.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { AppError, notFound } from '../errors.js';
import { recordActivity } from './activity.js';
import { addPremiumSections, groupAnalysisRows, selectAnalysis, type LoadedAnalysis } from './analyses.js';
import { failedGuard, guard, lockAnalysis } from './batch-guards.js';
import { bookEntry } from './ledger.js';
import { chargeError } from './report-runs.js';
import { selectSettings, settingsFromRows } from './settings.js';

const alreadyPremium = () => new AppError('INVALID_STATE', { message: 'ai.already_premium' });

export async function upgradeToPremium(db: Database, analysisId: string, userId: string): Promise<LoadedAnalysis> {
  const owner = { id: userId, permissions: [] };
  const [rows, settingRows] = await db.batch([selectAnalysis(db, analysisId, owner), selectSettings(db, ['premium_report_cost'])]);
  const analysis = groupAnalysisRows(rows);
  if (!analysis) throw notFound();
  if (analysis.reportType === 'premium') throw alreadyPremium();
  const cost = settingsFromRows(['premium_report_cost'], settingRows).premium_report_cost;

  try {
    await db.batch([
      lockAnalysis(db, analysisId),
      guard(db, sql`EXISTS (SELECT 1 FROM analyses WHERE id = ${analysisId} AND report_type = 'free' AND deleted_at IS NULL)`, 'not_free'),
      bookEntry(db, {
        userId,
        type: 'analysis_charge',
        credits: -cost,
        referenceType: 'analysis',
        referenceId: analysisId,
        description: 'Premium report',
      }),
      db.execute(sql`
        UPDATE analyses SET report_type = 'premium', updated_at = now(),
               status = CASE WHEN status = 'completed' THEN 'pending' ELSE status END
        WHERE id = ${analysisId}`),
      addPremiumSections(db, analysisId),
      recordActivity(db, { userId, action: 'analysis_upgraded', entityType: 'analysis', entityId: analysisId, data: { credits: cost } }),
    ]);
  } catch (error) {
    if (failedGuard(error) === 'not_free') throw alreadyPremium();
    throw chargeError(error);
  }
  const upgraded = groupAnalysisRows(await selectAnalysis(db, analysisId, owner));
  if (!upgraded) throw notFound();
  return upgraded;
}
