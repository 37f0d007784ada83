/**
 * Starting a generation run and storing its sections (SPEC §6, §10 "Reports and AI").
 *
 * A run starts with ONE batch (one transaction) that locks the analysis row, marks it processing, counts
 * the per-user AI limit, makes sure the section rows exist, CLAIMS the requested sections with one
 * conditional UPDATE (free, failed, completed-when-forced or stale — never one that a live run holds),
 * and books the premium charge when one is due. Any failed precondition rolls the whole batch back, so
 * a refused request changes nothing: no claim, no charge, no counted run.
 *
 * Each finished section is then stored by its own batch that updates exactly one section row, and only
 * while this run still owns it (`started_at` = the claim's timestamp, to the microsecond): two sections
 * finishing together never touch each other's rows, and a run that lost its claim to the stale sweep
 * cannot overwrite anything.
 */
import { creditsLowStatements } from '../email/events.js';
import { sql } from 'drizzle-orm';
import type { AttemptRecord } from '../ai/client.js';
import type { Database } from '../db/client.js';
import { isCheckViolation } from '../db/errors.js';
import type { SectionName } from '../db/schema.js';
import { AppError } from '../errors.js';
import { createAnalysisSections, type ReportType } from './analyses.js';
import { failedGuard, guard, lockAnalysis } from './batch-guards.js';
import { bookEntriesFrom, isDoubleBooking, isInsufficientBalance } from './ledger.js';
import { analysisPayerSql } from './ngo-access.js';
import { insertUsage, usageTotals } from './ai-usage.js';
import { hitRateLimit, rateLimited } from './rate-limit.js';

export const GENERATE_LIMIT = { max: 10, windowSeconds: 3600 } as const;
export const generateLimitKey = (userId: string) => `ai:generate:${userId}`;

export interface StartRunInput {
  analysisId: string;
  userId: string;
  tier: ReportType;
  sections: readonly SectionName[];
  force: boolean;
  /** Credits to charge now (the report is premium and unpaid), or null. */
  chargeCredits: number | null;
  /** Premium-only sections are requested: an unrefunded charge must exist once the batch has run. */
  requirePaid: boolean;
  staleAfterSeconds: number;
  /** Issue 15: the founder's feedback of a forced run; every forced run is recorded in analysis_regenerations. */
  feedback?: string | null;
}

export type StartOutcome = { ok: true; claimedAt: string } | { ok: false; reason: 'charge_missing' };

const sectionList = (sections: readonly SectionName[]) => sql.join(sections.map((s) => sql`${s}`), sql`, `);

export const openChargeExists = (analysisId: string) =>
  sql`(EXISTS (SELECT 1 FROM transactions WHERE type = 'analysis_charge' AND reference_id = ${analysisId} AND refunded_by IS NULL)
       OR EXISTS (SELECT 1 FROM analyses WHERE id = ${analysisId} AND legacy_paid))`;

export async function startRun(db: Database, input: StartRunInput): Promise<StartOutcome> {
  const { analysisId: id, sections } = input;
  const limitKey = generateLimitKey(input.userId);
  const claimable = input.force ? sql`TRUE` : sql`status <> 'completed'`;
  try {
    const results = await db.batch([
    lockAnalysis(db, id),
    db.execute(sql`
      UPDATE analyses SET status = 'processing', generation_started_at = now(), updated_at = now(),
             forced_runs = forced_runs + ${input.force ? 1 : 0}
      WHERE id = ${id}`),
    // The tier read before the batch must still hold (an upgrade may have landed in between).
    guard(db, sql`EXISTS (SELECT 1 FROM analyses WHERE id = ${id} AND deleted_at IS NULL AND report_type = ${input.tier})`, 'analysis_changed'),
    hitRateLimit(db, { key: limitKey, windowSeconds: GENERATE_LIMIT.windowSeconds }),
    guard(db, sql`(SELECT count FROM rate_limits WHERE key = ${limitKey}) <= ${GENERATE_LIMIT.max}`, 'rate_limited'),
    createAnalysisSections(db, id, input.tier),
    db.execute<{ passed: number; claimed_at: string }>(sql`
      WITH claimed AS (
        UPDATE analysis_sections
        SET status = 'processing', started_at = now(), error_code = NULL, updated_at = now()
        WHERE analysis_id = ${id} AND section IN (${sectionList(sections)}) AND ${claimable}
          AND (status <> 'processing' OR started_at < now() - make_interval(secs => ${input.staleAfterSeconds}))
        RETURNING started_at)
      SELECT CAST(CASE WHEN (SELECT count(*) FROM claimed) = ${sections.length} THEN '0' ELSE 'guard:sections_busy' END AS integer) AS passed,
             (SELECT max(started_at) FROM claimed)::text AS claimed_at`),
    ...(input.chargeCredits !== null
      ? [
          // The payer: the owner, or the NGO while a sponsored voucher link exists (SPEC-WAVE2 §13.2).
          bookEntriesFrom(db, {
            type: 'analysis_charge',
            referenceType: 'analysis',
            description: 'Premium report',
            source: sql`SELECT ${analysisPayerSql(id, input.userId)} AS user_id, ${-input.chargeCredits}::int AS credits, ${id}::uuid AS reference_id`,
          }),
          // SPEC-WAVE2 §11.8: warned when this charge crossed the low-credit threshold.
          ...creditsLowStatements(db, undefined, input.userId, sql`t.type = 'analysis_charge' AND t.reference_id = ${id} AND t.created_at = now()`),
        ]
      : []),
    ...(input.requirePaid ? [guard(db, openChargeExists(id), 'charge_missing')] : []),
    ...(input.force
      ? [db.execute(sql`INSERT INTO analysis_regenerations (analysis_id, user_id, sections, feedback)
                        VALUES (${id}, ${input.userId}, ${`{${sections.join(',')}}`}::text[], ${input.feedback ?? null})`)]
      : []),
    ]);
    const claim = results[6] as { rows: { claimed_at: string }[] };
    return { ok: true, claimedAt: claim.rows[0]!.claimed_at };
  } catch (error) {
    const reason = failedGuard(error);
    if (reason === 'charge_missing') return { ok: false, reason };
    if (reason === 'rate_limited') throw await generateRateLimited(db, limitKey);
    if (reason === 'sections_busy') throw new AppError('INVALID_STATE', { message: 'ai.sections_processing' });
    if (reason === 'analysis_changed') throw new AppError('INVALID_STATE', { message: 'ai.analysis_changed' });
    if (isCheckViolation(error, 'analyses_forced_runs_range')) throw new AppError('INVALID_STATE', { message: 'ai.force_limit_reached' });
    throw chargeError(error);
  }
}

/** Ledger failures of a premium charge, as API errors; anything else is rethrown unchanged. */
export function chargeError(error: unknown): unknown {
  if (isInsufficientBalance(error)) return new AppError('INSUFFICIENT_CREDITS');
  if (isDoubleBooking(error, 'analysis_charge')) {
    return new AppError('INVALID_STATE', { message: 'ai.already_charged' });
  }
  return error;
}

async function generateRateLimited(db: Database, key: string) {
  const rows = await db.execute<{ reset_at: string }>(sql`SELECT reset_at FROM rate_limits WHERE key = ${key}`);
  const resetAt = rows.rows[0]?.reset_at ?? new Date(Date.now() + GENERATE_LIMIT.windowSeconds * 1000);
  return rateLimited(resetAt, 'ai.generate_limit');
}

export interface SectionResult {
  analysisId: string;
  userId: string;
  model: string;
  section: SectionName;
  claimedAt: string;
  records: AttemptRecord[];
  /** Validated content, or the failure code. */
  content?: Record<string, unknown>;
  errorCode?: string;
  /** Issue 15: the sources backing the content's links, and whether the section was researched. */
  sources?: { url: string; title: string }[];
  research?: string | null;
}

/**
 * Stores one section's outcome and its token usage. Returns false when the run no longer owns the
 * section (the sweep declared it stale): then nothing but the usage is written.
 * Lock order is analysis row, then section row — the same as the start batch, so the two cannot deadlock.
 */
export async function storeSection(db: Database, r: SectionResult): Promise<boolean> {
  const usage = usageTotals(r.records);
  const owned = sql`analysis_id = ${r.analysisId} AND section = ${r.section} AND status = 'processing' AND started_at = ${r.claimedAt}::timestamptz`;
  const write = r.content
    ? sql`UPDATE analysis_sections SET status = 'completed', content = ${JSON.stringify(r.content)}::jsonb, error_code = NULL, updated_at = now(),
                 sources = ${JSON.stringify(r.sources ?? [])}::jsonb, research = ${r.research ?? null}
          WHERE ${owned} RETURNING section`
    : // A failed forced regeneration keeps the last valid content (and says why the new one failed).
      sql`UPDATE analysis_sections SET status = CASE WHEN content IS NULL THEN 'failed' ELSE 'completed' END,
                 error_code = ${r.errorCode ?? 'AI_SERVER_ERROR'}, updated_at = now()
          WHERE ${owned} RETURNING section`;
  const score = r.section === 'overview' && r.content ? (r.content.market_fit_score as number) : null;
  const usageRows = insertUsage(db, { userId: r.userId, kind: 'section', model: r.model, analysisId: r.analysisId, section: r.section }, r.records);
  const [, , written] = await db.batch([
    lockAnalysis(db, r.analysisId),
    db.execute(sql`
      UPDATE analyses SET ai_input_tokens = ai_input_tokens + ${usage.inputTokens},
             ai_output_tokens = ai_output_tokens + ${usage.outputTokens}, ai_calls = ai_calls + ${usage.calls},
             ai_web_searches = ai_web_searches + ${usage.webSearches},
             ai_cost_nano_usd = ai_cost_nano_usd + ${usage.costNanoUsd.toString()}::bigint
      WHERE id = ${r.analysisId}`),
    db.execute<{ section: string }>(write),
    ...(score !== null
      ? [db.execute(sql`UPDATE analyses SET market_fit_score = ${score} WHERE id = ${r.analysisId} AND EXISTS (
            SELECT 1 FROM analysis_sections WHERE analysis_id = ${r.analysisId} AND section = 'overview'
              AND status = 'completed' AND started_at = ${r.claimedAt}::timestamptz)`)]
      : []),
    ...(usageRows ? [usageRows] : []),
  ]);
  return (written as { rows: unknown[] }).rows.length > 0;
}
