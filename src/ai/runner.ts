/**
 * The generation runner: the claimed sections of one run are generated concurrently (bounded by
 * `aiTuning.sectionConcurrency`), each stored the moment it is valid, then the run is finished
 * (status, refund rule, notification). Progress is reported through `onEvent`, which the route turns
 * into SSE events or ignores (JSON variant). A section that fails never stops the others.
 */
import type { Database } from '../db/client.js';
import type { SectionName } from '../db/schema.js';
import { log } from '../http/logger.js';
import { PREMIUM_ONLY_SECTIONS, STALE_SECTION_ERROR_CODE } from '../services/analyses.js';
import { finishRun, type FinishOutcome } from '../services/report-finish.js';
import { storeSection } from '../services/report-runs.js';
import { aiTuning, type AiContext } from './client.js';
import { mapWithConcurrency } from './pool.js';
import type { IdeaInput, PromptLang } from './prompts/index.js';
import { generateSection } from './section-call.js';

export type RunEvent =
  | { event: 'section_started'; data: { section: SectionName; status: 'processing' } }
  | { event: 'section_completed'; data: { section: SectionName; status: 'completed' } }
  | { event: 'section_failed'; data: { section: SectionName; status: 'failed'; error_code: string } };

export interface RunInput {
  db: Database;
  ai: AiContext;
  analysisId: string;
  userId: string;
  idea: IdeaInput;
  lang: PromptLang;
  sections: readonly SectionName[];
  claimedAt: string;
  staleAfterSeconds: number;
  onEvent?: (event: RunEvent) => void | Promise<void>;
}

export interface RunResult {
  completed: SectionName[];
  failed: { section: SectionName; errorCode: string }[];
  finish: FinishOutcome;
}

export async function runGeneration(input: RunInput): Promise<RunResult> {
  const started = Date.now();
  // A section must be done well before the sweep may call it stale, whenever the pool starts it.
  const hardDeadline = started + input.staleAfterSeconds * 1000 * 0.9;
  const emit = async (event: RunEvent) => {
    try {
      await input.onEvent?.(event);
    } catch {
      // The client went away: the run goes on, its results are stored.
    }
  };

  const outcomes = await mapWithConcurrency(input.sections, aiTuning.sectionConcurrency, async (section) => {
    await emit({ event: 'section_started', data: { section, status: 'processing' } });
    const deadline = Math.min(Date.now() + aiTuning.sectionBudgetMs, hardDeadline);
    const outcome = await generateSection(input.ai, input.idea, section, input.lang, deadline);
    let stored: boolean;
    try {
      stored = await storeSection(input.db, {
        analysisId: input.analysisId,
        userId: input.userId,
        model: input.ai.model,
        section,
        claimedAt: input.claimedAt,
        records: outcome.records,
        ...(outcome.ok ? { content: outcome.content } : { errorCode: outcome.errorCode }),
      });
    } catch (error) {
      // Left in `processing`: the stale sweep will settle it. Report it as failed now.
      log('error', 'storing a section failed', { analysis_id: input.analysisId, section, error: String(error) });
      await emit({ event: 'section_failed', data: { section, status: 'failed', error_code: 'INTERNAL_ERROR' } });
      return { section, errorCode: 'INTERNAL_ERROR' };
    }
    if (!stored) {
      await emit({ event: 'section_failed', data: { section, status: 'failed', error_code: STALE_SECTION_ERROR_CODE } });
      return { section, errorCode: STALE_SECTION_ERROR_CODE };
    }
    if (outcome.ok) {
      await emit({ event: 'section_completed', data: { section, status: 'completed' } });
      return { section, errorCode: null };
    }
    await emit({ event: 'section_failed', data: { section, status: 'failed', error_code: outcome.errorCode } });
    return { section, errorCode: outcome.errorCode };
  });

  const premiumAttempted = input.sections.some((section) => (PREMIUM_ONLY_SECTIONS as readonly string[]).includes(section));
  const finish = await finishRun(input.db, input.analysisId, input.staleAfterSeconds, { premiumAttempted });
  return {
    completed: outcomes.filter((o) => o.errorCode === null).map((o) => o.section),
    failed: outcomes.flatMap((o) => (o.errorCode === null ? [] : [{ section: o.section, errorCode: o.errorCode }])),
    finish,
  };
}
