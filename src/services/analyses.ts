/**
 * The analysis model, shared by the analyses routes and the AI engine (SPEC §5, §10 "Reports and AI").
 *
 * A report is one `analysis_sections` row per section of the analysis' tier, so each section is
 * claimed and stored on its own with one atomic statement. The tier decides what exists for the API:
 * a free analysis never exposes premium sections, even if rows for them exist (e.g. written by mistake
 * or left by a refunded upgrade). Nothing here charges credits or calls the model.
 */
import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { analyses, analysisSections, SECTION_NAMES, SECTION_STATUSES, type SectionName } from '../db/schema.js';
import type { AnalysisDto, AnalysisSummaryDto } from '../schemas/analysis.js';
import { toIso } from '../schemas/common.js';
import { nanoToUsd } from '../ai/prices.js';

export type ReportType = 'free' | 'premium';
export type AnalysisStatus = AnalysisDto['status'];
export type SectionStatus = (typeof SECTION_STATUSES)[number];

export const FREE_SECTIONS = ['overview', 'market'] as const satisfies readonly SectionName[];
/** The sections only a premium report has; the refund rule of SPEC §10 looks at these. */
export const PREMIUM_ONLY_SECTIONS = ['business', 'technical', 'financial', 'strategy'] as const satisfies readonly SectionName[];
export const SECTIONS_BY_TIER: Readonly<Record<ReportType, readonly SectionName[]>> = {
  free: FREE_SECTIONS,
  premium: SECTION_NAMES,
};

/** The sections a tier allows; anything but 'premium' is treated as free (fail closed). */
export function sectionsForTier(tier: string): readonly SectionName[] {
  return tier === 'premium' ? SECTIONS_BY_TIER.premium : SECTIONS_BY_TIER.free;
}

/** Error code a section shows when it has been `processing` longer than AI_SECTION_TIMEOUT_S. */
export const STALE_SECTION_ERROR_CODE = 'SECTION_TIMEOUT';

export type AnalysisRow = typeof analyses.$inferSelect;
export type SectionRow = typeof analysisSections.$inferSelect;
/** The NGO programme link of an analysis (SPEC-WAVE2 §13.2), null when none is linked. */
export interface AnalysisVoucher {
  voucher_id: string;
  name: string;
  ngo_name: string;
  sponsored: boolean;
  linked_at: string;
}

export interface LoadedAnalysis extends AnalysisRow {
  sections: SectionRow[];
  voucher?: AnalysisVoucher | null;
}

/** The linked voucher of the analysis row in scope, as JSON (one subquery: the read stays one statement). */
const linkedVoucher = sql<AnalysisVoucher | null>`(
  SELECT json_build_object('voucher_id', r.voucher_id, 'name', v.name, 'ngo_name', nr.organization_name,
                           'sponsored', r.sponsored, 'linked_at', r.created_at)
  FROM ngo_voucher_redemptions r JOIN ngo_vouchers v ON v.id = r.voucher_id JOIN ngo_requests nr ON nr.id = v.ngo_request_id
  WHERE r.analysis_id = ${analyses.id} AND r.status = 'linked')`;

/** Who is looking: the owner sees their own analyses; `view_analyses` sees everyone's. */
export interface AnalysisViewer {
  id: string;
  permissions: readonly string[];
}

const canViewAll = (viewer: AnalysisViewer) => viewer.permissions.includes('view_analyses');

// ─── Statements (each composes into a caller's db.batch) ────────────────────

/** The pending section rows of a new analysis' tier. Idempotent (ON CONFLICT DO NOTHING). */
export function createAnalysisSections(db: Database, analysisId: string, tier: ReportType = 'free') {
  return db
    .insert(analysisSections)
    .values(SECTIONS_BY_TIER[tier].map((section) => ({ analysisId, section })))
    .onConflictDoNothing()
    .returning();
}

/** The four premium-only rows, pending, for an analysis being upgraded. Idempotent. */
export function addPremiumSections(db: Database, analysisId: string) {
  return db
    .insert(analysisSections)
    .values(PREMIUM_ONLY_SECTIONS.map((section) => ({ analysisId, section })))
    .onConflictDoNothing()
    .returning();
}

/** WHERE for "this analysis, not deleted, owned by userId": the tenant scope of every owner-only action. */
export function ownedLiveAnalysis(id: string, userId: string): SQL {
  return and(eq(analyses.id, id), eq(analyses.userId, userId), isNull(analyses.deletedAt))!;
}

/** WHERE for "this analysis, not deleted, visible to viewer" (owner, or view_analyses). */
export function visibleLiveAnalysis(id: string, viewer: AnalysisViewer): SQL {
  return canViewAll(viewer) ? and(eq(analyses.id, id), isNull(analyses.deletedAt))! : ownedLiveAnalysis(id, viewer.id);
}

/** The analysis and its section rows in one query (one row per section). Batchable. */
export function selectAnalysis(db: Database, id: string, viewer: AnalysisViewer) {
  return db
    .select({ analysis: analyses, section: analysisSections, voucher: linkedVoucher })
    .from(analyses)
    .leftJoin(analysisSections, eq(analysisSections.analysisId, analyses.id))
    .where(visibleLiveAnalysis(id, viewer));
}

export function groupAnalysisRows(
  rows: { analysis: AnalysisRow; section: SectionRow | null; voucher?: AnalysisVoucher | null }[],
): LoadedAnalysis | undefined {
  const first = rows[0];
  if (!first) return undefined;
  return { ...first.analysis, sections: rows.flatMap((r) => (r.section ? [r.section] : [])), voucher: first.voucher ?? null };
}

/** Owner or view_analyses; soft-deleted or someone else's → undefined (the route answers 404). One round trip. */
export async function loadAnalysis(db: Database, id: string, viewer: AnalysisViewer): Promise<LoadedAnalysis | undefined> {
  return groupAnalysisRows(await selectAnalysis(db, id, viewer));
}

// ─── Serializers ─────────────────────────────────────────────────────────────

export interface SerializeOptions {
  /** AI_SECTION_TIMEOUT_S: a section processing longer than this is shown as failed (SPEC §6 "and on read"). */
  staleAfterSeconds?: number;
  now?: number;
}

type SectionState = AnalysisDto['sections'][SectionName] & {};

/** A section still `processing` past AI_SECTION_TIMEOUT_S: its run died (or hangs) and it reads as failed. */
function isStale(row: SectionRow, options: SerializeOptions): boolean {
  return (
    row.status === 'processing' &&
    options.staleAfterSeconds !== undefined &&
    row.startedAt !== null &&
    (options.now ?? Date.now()) - row.startedAt.getTime() > options.staleAfterSeconds * 1000
  );
}

/** True when a read would show a section failed that is not settled yet (refund and notification still due). */
export function hasUnsettledStaleSection(analysis: LoadedAnalysis, options: SerializeOptions): boolean {
  return analysis.sections.some((row) => isStale(row, options));
}

function sectionState(row: SectionRow | undefined, analysis: AnalysisRow, options: SerializeOptions): SectionState {
  if (!row) return { status: 'pending', updated_at: toIso(analysis.createdAt)! };
  if (isStale(row, options)) return { status: 'failed', error_code: STALE_SECTION_ERROR_CODE, updated_at: toIso(row.updatedAt)! };
  return {
    status: row.status as SectionState['status'],
    ...(row.errorCode ? { error_code: row.errorCode } : {}),
    updated_at: toIso(row.updatedAt)!,
    ...groundingOf(row),
  };
}

/** Issue 15: a stored section's sources, and whether it was researched (market, financial). */
export function groundingOf(row: Pick<SectionRow, 'content' | 'sources' | 'research'>): {
  sources?: { url: string; title: string }[];
  research?: 'researched' | 'not_researched' | 'search_failed';
} {
  if (row.content === null) return {};
  return {
    sources: (row.sources ?? []).map((s) => ({ url: s.url, title: s.title })),
    ...(row.research ? { research: row.research as 'researched' | 'not_researched' | 'search_failed' } : {}),
  };
}

/**
 * A run whose sections all went stale is over: show the status the run would have ended with
 * (SPEC §10: completed only when every section of the tier is completed) until the sweep stores it.
 */
function effectiveStatus(stored: AnalysisStatus, states: SectionState[]): AnalysisStatus {
  if (stored !== 'processing' || states.some((s) => s.status === 'processing')) return stored;
  if (!states.some((s) => s.error_code === STALE_SECTION_ERROR_CODE)) return stored;
  return states.every((s) => s.status === 'completed') ? 'completed' : 'failed';
}

/**
 * The full analysis of SPEC §10. `report` has exactly the tier's section keys, each holding the last
 * validated content of that section or null until one was generated; `ai_usage` only for the owner
 * and holders of view_analyses.
 */
export function serializeAnalysis(analysis: LoadedAnalysis, viewer: AnalysisViewer, options: SerializeOptions = {}): AnalysisDto {
  const byName = new Map(analysis.sections.map((s) => [s.section, s]));
  const tierSections = sectionsForTier(analysis.reportType);
  const report: AnalysisDto['report'] = {};
  const sections: AnalysisDto['sections'] = {};
  for (const name of tierSections) {
    const row = byName.get(name);
    report[name] = (row?.content as Record<string, unknown> | null | undefined) ?? null;
    sections[name] = sectionState(row, analysis, options);
  }
  const maySeeUsage = viewer.id === analysis.userId || canViewAll(viewer);
  return {
    id: analysis.id,
    user_id: analysis.userId,
    business_idea: analysis.businessIdea,
    industry: analysis.industry,
    target_market: analysis.targetMarket,
    location: analysis.location,
    budget: analysis.budget,
    report_language: analysis.reportLanguage as AnalysisDto['report_language'],
    report_type: analysis.reportType as ReportType,
    status: effectiveStatus(analysis.status as AnalysisStatus, Object.values(sections)),
    market_fit_score: analysis.marketFitScore,
    user_rating: analysis.userRating,
    user_feedback: analysis.userFeedback,
    forced_runs: analysis.forcedRuns,
    generation_started_at: toIso(analysis.generationStartedAt),
    report,
    sections,
    ...(maySeeUsage
      ? {
          ai_usage: {
            input_tokens: analysis.aiInputTokens,
            output_tokens: analysis.aiOutputTokens,
            calls: analysis.aiCalls,
            // What the report cost us is for admins (view_analyses), not for the customer.
            ...(canViewAll(viewer) ? { web_searches: analysis.aiWebSearches, cost_usd: nanoToUsd(analysis.aiCostNanoUsd) } : {}),
          },
        }
      : {}),
    voucher: analysis.voucher ? { ...analysis.voucher, linked_at: toIso(analysis.voucher.linked_at)! } : null,
    created_at: toIso(analysis.createdAt)!,
    updated_at: toIso(analysis.updatedAt)!,
  };
}

export const SUMMARY_IDEA_CHARS = 280;

/** Columns of a list item: the idea is cut in SQL, so a page never carries 100 × 10 000 characters. */
export const analysisSummaryColumns = {
  id: analyses.id,
  userId: analyses.userId,
  businessIdea: sql<string>`left(${analyses.businessIdea}, ${sql.raw(String(SUMMARY_IDEA_CHARS))})`,
  industry: analyses.industry,
  location: analyses.location,
  status: analyses.status,
  reportType: analyses.reportType,
  reportLanguage: analyses.reportLanguage,
  marketFitScore: analyses.marketFitScore,
  createdAt: analyses.createdAt,
  updatedAt: analyses.updatedAt,
};

export type AnalysisSummaryRow = Pick<
  AnalysisRow,
  'id' | 'businessIdea' | 'industry' | 'location' | 'status' | 'reportType' | 'reportLanguage' | 'marketFitScore' | 'createdAt' | 'updatedAt'
>;

/** At most `max` code points (never half a surrogate pair); strings short enough in UTF-16 are returned as is. */
function truncateCodePoints(text: string, max: number): string {
  return text.length <= max ? text : Array.from(text).slice(0, max).join('');
}

/** A list item of SPEC §10: no report body. */
export function serializeAnalysisSummary(row: AnalysisSummaryRow): AnalysisSummaryDto {
  return {
    id: row.id,
    business_idea: truncateCodePoints(row.businessIdea, SUMMARY_IDEA_CHARS),
    industry: row.industry,
    location: row.location,
    status: row.status as AnalysisStatus,
    report_type: row.reportType as ReportType,
    report_language: row.reportLanguage as AnalysisSummaryDto['report_language'],
    market_fit_score: row.marketFitScore,
    created_at: toIso(row.createdAt)!,
    updated_at: toIso(row.updatedAt)!,
  };
}
