/**
 * The end of a generation run, and the stale-section sweep that ends runs nobody is finishing
 * (SPEC §6, §10 "Reports and AI", "Refunds").
 *
 * finishRun: the analysis status is recomputed from its sections under the row lock (completed only
 * when every section of the tier is; processing while a live run still holds a section); then the
 * refund rule: when the run that ends ATTEMPTED premium-only sections and the report has none of them
 * completed (nor processing in another live run), the unrefunded charge is given back, exactly, in one guarded batch (the refund row references the charge
 * and the charge is marked refunded_by in the same transaction; a unique index allows one refund per
 * charge). Finally the owner is told, and a completed premium report may pay the referral bonus.
 *
 * Why "attempted": a run that only (re)generates overview/market after an upgrade did not fail to
 * deliver the premium report, so it does not undo the upgrade's charge; the run that tries the premium
 * sections decides.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { PREMIUM_ONLY_SECTIONS, STALE_SECTION_ERROR_CODE } from './analyses.js';
import { failedGuard, guard, lockAnalysis } from './batch-guards.js';
import { bookEntry, isDoubleBooking } from './ledger.js';
import { announceOutcome } from './report-outcome.js';

export interface FinishOutcome {
  status: 'pending' | 'processing' | 'completed' | 'failed';
  reportType: 'free' | 'premium';
  refundedCredits: number;
}

const premiumList = sql.raw(PREMIUM_ONLY_SECTIONS.map((s) => `'${s}'`).join(', '));
const inTier = (alias: string) => sql.raw(`(${alias}.section IN ('overview', 'market') OR a.report_type = 'premium')`);

/** Premium-only content delivered or on its way: such a report is never refunded. */
const premiumDeliveredOrLive = (analysisId: string) =>
  sql`EXISTS (SELECT 1 FROM analysis_sections WHERE analysis_id = ${analysisId}
              AND section IN (${premiumList}) AND status IN ('completed', 'processing'))`;

export async function finishRun(
  db: Database,
  analysisId: string,
  staleAfterSeconds: number,
  run: { premiumAttempted: boolean },
): Promise<FinishOutcome> {
  const live = sql`s.status = 'processing' AND s.started_at >= now() - make_interval(secs => ${staleAfterSeconds})`;
  const [, statusRows, chargeRows] = await db.batch([
    lockAnalysis(db, analysisId),
    db.execute<{ status: FinishOutcome['status']; previous: string; report_type: 'free' | 'premium'; user_id: string; premium_busy: boolean }>(sql`
      UPDATE analyses a SET updated_at = now(), status = CASE
          WHEN EXISTS (SELECT 1 FROM analysis_sections s WHERE s.analysis_id = a.id AND ${inTier('s')} AND ${live}) THEN 'processing'
          WHEN (SELECT count(*) FROM analysis_sections s WHERE s.analysis_id = a.id AND ${inTier('s')} AND s.status = 'completed')
               = CASE WHEN a.report_type = 'premium' THEN 6 ELSE 2 END THEN 'completed'
          WHEN EXISTS (SELECT 1 FROM analysis_sections s WHERE s.analysis_id = a.id AND ${inTier('s')} AND s.status IN ('failed', 'processing')) THEN 'failed'
          ELSE 'pending' END
      FROM (SELECT status AS previous FROM analyses WHERE id = ${analysisId}) p
      WHERE a.id = ${analysisId}
      RETURNING a.status, p.previous, a.report_type, a.user_id, ${premiumDeliveredOrLive(analysisId)} AS premium_busy`),
    db.execute<{ id: string; user_id: string; credits: number }>(sql`
      SELECT id, user_id, credits FROM transactions
      WHERE type = 'analysis_charge' AND reference_id = ${analysisId} AND refunded_by IS NULL`),
  ]);
  const row = statusRows.rows[0];
  if (!row) return { status: 'failed', reportType: 'free', refundedCredits: 0 };
  const charge = chargeRows.rows[0];
  let refundedCredits = 0;
  if (run.premiumAttempted && row.report_type === 'premium' && charge && !row.premium_busy) {
    refundedCredits = (await refundCharge(db, analysisId, charge)) ? -Number(charge.credits) : 0;
  }
  if (row.previous !== row.status && (row.status === 'completed' || row.status === 'failed')) {
    await announceOutcome(db, { analysisId, userId: row.user_id, status: row.status, reportType: row.report_type, refundedCredits });
  }
  return { status: row.status, reportType: row.report_type, refundedCredits };
}

/** Refunds `charge` exactly, unless premium content appeared meanwhile. True when the refund was booked. */
async function refundCharge(db: Database, analysisId: string, charge: { id: string; user_id: string; credits: number }) {
  const refundId = crypto.randomUUID();
  try {
    await db.batch([
      lockAnalysis(db, analysisId),
      guard(
        db,
        sql`NOT ${premiumDeliveredOrLive(analysisId)} AND EXISTS (SELECT 1 FROM transactions WHERE id = ${charge.id} AND refunded_by IS NULL)`,
        'refund_not_due',
      ),
      bookEntry(db, {
        id: refundId,
        userId: charge.user_id,
        type: 'refund',
        credits: -Number(charge.credits),
        referenceType: 'transaction',
        referenceId: charge.id,
        description: 'Refund: the premium report run delivered no premium section',
      }),
      db.execute(sql`UPDATE transactions SET refunded_by = ${refundId} WHERE id = ${charge.id} AND refunded_by IS NULL`),
    ]);
    return true;
  } catch (error) {
    // Someone else refunded it, or premium content landed: either way there is nothing to refund.
    if (failedGuard(error) === 'refund_not_due' || isDoubleBooking(error, 'refund')) return false;
    throw error;
  }
}

export const DEFAULT_STALE_AFTER_SECONDS = 600;
/** Analyses handled per sweep call; the next sweep takes the rest. */
const SWEEP_BATCH = 50;

/**
 * Marks sections stuck in `processing` longer than `staleAfterSeconds` as failed (keeping the previous
 * valid content of a forced regeneration, shown as completed) and ends their runs with finishRun, which
 * applies the refund rule. Also ends runs that stored every section but could not record their end (the
 * database failed at finishRun): the analysis is still `processing` after `staleAfterSeconds` with no
 * section processing — finishRun then sets its status, notifies, and pays a referral reward now due.
 * Run by the Worker cron / Node interval for all analyses, and by the AI routes for the analysis they
 * are about to use. Returns the number of analyses swept.
 */
export async function sweepStaleSections(
  db: Database,
  staleAfterSeconds: number = DEFAULT_STALE_AFTER_SECONDS,
  analysisId?: string,
): Promise<number> {
  const stale = sql`status = 'processing' AND started_at < now() - make_interval(secs => ${staleAfterSeconds})`;
  const only = analysisId ? sql` AND analysis_id = ${analysisId}` : sql``;
  const onlyRun = analysisId ? sql` AND a.id = ${analysisId}` : sql``;
  const found = await db.execute<{ analysis_id: string }>(sql`
    SELECT analysis_id FROM analysis_sections WHERE ${stale}${only}
    UNION
    SELECT a.id FROM analyses a
    WHERE a.status = 'processing' AND a.generation_started_at < now() - make_interval(secs => ${staleAfterSeconds})${onlyRun}
      AND NOT EXISTS (SELECT 1 FROM analysis_sections s WHERE s.analysis_id = a.id AND s.status = 'processing')
    LIMIT ${SWEEP_BATCH}`);
  for (const { analysis_id: id } of found.rows) {
    const [, swept] = await db.batch([
      lockAnalysis(db, id),
      db.execute<{ section: string }>(sql`
        UPDATE analysis_sections SET status = CASE WHEN content IS NULL THEN 'failed' ELSE 'completed' END,
               error_code = ${STALE_SECTION_ERROR_CODE}, updated_at = now()
        WHERE analysis_id = ${id} AND ${stale}
        RETURNING section`),
    ]);
    const premiumAttempted = swept.rows.some((r) => (PREMIUM_ONLY_SECTIONS as readonly string[]).includes(r.section));
    await finishRun(db, id, staleAfterSeconds, { premiumAttempted });
  }
  return found.rows.length;
}
