/**
 * Deciding what a generate-analysis request will do, and starting it (SPEC §6, §10):
 * - the sections: the requested ones (default: the tier's), which must belong to the tier (a free report
 *   never gets premium sections), minus the completed ones unless `force`;
 * - the charge: a premium report with no unrefunded charge (refunded after a run that delivered nothing)
 *   is charged again when premium-only sections are requested; a paid report's retries and forced runs
 *   are free;
 * - then the start batch of report-runs.ts claims the sections atomically.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { transactions, type SectionName } from '../db/schema.js';
import { ideaHasLetters } from '../ai/idea-checks.js';
import { AppError, fieldError, notFound } from '../errors.js';
import { groupAnalysisRows, PREMIUM_ONLY_SECTIONS, selectAnalysis, sectionsForTier, type LoadedAnalysis, type ReportType } from './analyses.js';
import { startRun } from './report-runs.js';
import { selectCatalogCandidates } from './research.js';
import type { CatalogEntry } from '../ai/research.js';
import { sweepStaleSections } from './report-finish.js';
import { selectSettings, settingsFromRows } from './settings.js';

export interface PlanInput {
  analysisId: string;
  userId: string;
  sections?: SectionName[] | undefined;
  force: boolean;
  staleAfterSeconds: number;
  /** Issue 15: the founder's feedback for a forced rewrite of the named sections. */
  feedback?: string | undefined;
}

export type Plan =
  | { kind: 'nothing'; analysis: LoadedAnalysis }
  | { kind: 'run'; analysis: LoadedAnalysis; sections: SectionName[]; claimedAt: string; charged: number | null; catalog: CatalogEntry[] };

const isLive = (startedAt: Date | null, staleAfterSeconds: number) =>
  startedAt !== null && Date.now() - startedAt.getTime() <= staleAfterSeconds * 1000;

async function read(db: Database, input: PlanInput) {
  const owner = { id: input.userId, permissions: [] }; // generation is the owner's action only
  const [rows, charges, settings, catalog] = await db.batch([
    selectAnalysis(db, input.analysisId, owner),
    db
      .select({ id: transactions.id })
      .from(transactions)
      .where(and(eq(transactions.type, 'analysis_charge'), eq(transactions.referenceId, input.analysisId), isNull(transactions.refundedBy))),
    selectSettings(db, ['premium_report_cost']),
    // Issue 15: the catalog entries of the idea's industry ride along (no extra round trip); the runner keeps its country's.
    selectCatalogCandidates(db, input.analysisId),
  ]);
  const analysis = groupAnalysisRows(rows);
  if (!analysis) throw notFound();
  return {
    analysis,
    // A premium report paid for in the Flask system (imported with legacy_paid, SPEC-WAVE2 §16.1) is never charged again.
    paid: charges.length > 0 || analysis.legacyPaid,
    cost: settingsFromRows(['premium_report_cost'], settings).premium_report_cost,
    catalog: catalog as CatalogEntry[],
  };
}

export async function planAndStart(db: Database, input: PlanInput): Promise<Plan> {
  for (let attempt = 1; ; attempt++) {
    let state = await read(db, input);
    const stale = state.analysis.sections.some((s) => s.status === 'processing' && !isLive(s.startedAt, input.staleAfterSeconds));
    if (stale) {
      // "and on read": settle a dead run first, so its refund rule applies before we decide on a charge.
      await sweepStaleSections(db, input.staleAfterSeconds, input.analysisId);
      state = await read(db, input);
    }
    const { analysis } = state;
    // Stored before the rule existed (or imported): still never worth a model call.
    if (!ideaHasLetters(analysis.businessIdea)) throw fieldError('business_idea', 'no_letters', 'ai.idea_without_letters');
    const tier = analysis.reportType as ReportType;
    const allowed = sectionsForTier(tier);
    const requested = input.sections ?? allowed;
    if (requested.some((s) => !allowed.includes(s))) throw new AppError('INVALID_STATE', { message: 'ai.section_not_in_tier' });

    const rows = new Map(analysis.sections.map((s) => [s.section, s]));
    const toRun = allowed.filter((s) => requested.includes(s) && (input.force || rows.get(s)?.status !== 'completed'));
    if (toRun.length === 0) return { kind: 'nothing', analysis };
    if (toRun.some((s) => rows.get(s)?.status === 'processing' && isLive(rows.get(s)!.startedAt, input.staleAfterSeconds))) {
      throw new AppError('INVALID_STATE', { message: 'ai.sections_processing' });
    }

    const premiumRequested = tier === 'premium' && toRun.some((s) => (PREMIUM_ONLY_SECTIONS as readonly string[]).includes(s));
    const chargeCredits = premiumRequested && !state.paid ? state.cost : null;
    const started = await startRun(db, {
      analysisId: analysis.id,
      userId: input.userId,
      tier,
      sections: toRun,
      force: input.force,
      chargeCredits,
      requirePaid: premiumRequested,
      staleAfterSeconds: input.staleAfterSeconds,
      feedback: input.feedback ?? null,
    });
    if (started.ok) return { kind: 'run', analysis, sections: toRun, claimedAt: started.claimedAt, charged: chargeCredits, catalog: state.catalog };
    // A refund landed between our read and the start batch: read again, and charge this time.
    if (attempt >= 2) throw new AppError('INVALID_STATE', { message: 'ai.analysis_changed' });
  }
}

/** The lock-free read used after a run, for the response. */
export function reloadAnalysis(db: Database, analysisId: string, userId: string) {
  return selectAnalysis(db, analysisId, { id: userId, permissions: [] }).then(groupAnalysisRows);
}
