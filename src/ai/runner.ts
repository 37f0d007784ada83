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
import { catalogFor, placeOf, storeResearch, userLocationOf } from '../services/research.js';
import { aiTuning, type AiContext } from './client.js';
import { AllowedLinks, groundSection } from './grounding.js';
import { mapWithConcurrency } from './pool.js';
import type { IdeaInput, PromptLang, SectionExtras } from './prompts/index.js';
import { catalogBlock, researchBlock, runResearch, type CatalogEntry, type ResearchFindings } from './research.js';
import { generateSection } from './section-call.js';

/** Sections that need outside facts: they wait for the research step (issue 15 §1). */
export const RESEARCH_SECTIONS: readonly SectionName[] = ['market', 'financial'];

export type ResearchLabel = 'researched' | 'not_researched' | 'search_failed';

export interface GroundingSettings {
  /** AI_WEB_SEARCH: false → no research call; research sections are labelled not_researched. */
  webSearch: boolean;
  maxUses: number;
}

/** A forced rewrite with the founder's feedback: the feedback and the current content of each section. */
export interface RewriteInput {
  feedback: string;
  previous: Partial<Record<SectionName, Record<string, unknown>>>;
}

export type RunEvent =
  | { event: 'section_started'; data: { section: SectionName; status: 'processing' } }
  | { event: 'section_completed'; data: { section: SectionName; status: 'completed' } }
  | { event: 'section_failed'; data: { section: SectionName; status: 'failed'; error_code: string } }
  | { event: 'research_completed'; data: { status: ResearchLabel; queries: number; sources: number; error_code?: string } };

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
  /** Issue 15: research settings (absent: no research, as before). */
  grounding?: GroundingSettings;
  /** Active catalog entries of the idea's industry (read with the plan); the runner keeps its market's. */
  catalog?: CatalogEntry[];
  rewrite?: RewriteInput;
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

  // The research step runs once, started by the first section that needs it; the others do not wait.
  let research: Promise<Research> | undefined;
  const researchOnce = () => (research ??= prepareResearch(input, hardDeadline, emit));

  const outcomes = await mapWithConcurrency(input.sections, aiTuning.sectionConcurrency, async (section) => {
    await emit({ event: 'section_started', data: { section, status: 'processing' } });
    const researched = RESEARCH_SECTIONS.includes(section) ? await researchOnce() : null;
    const deadline = Math.min(Date.now() + aiTuning.sectionBudgetMs, hardDeadline);
    const extras: SectionExtras = {};
    if (researched) {
      if (researched.findings?.status === 'researched') extras.research = researchBlock(researched.findings);
      if (section === 'market' && researched.catalog.length > 0) extras.catalog = catalogBlock(researched.catalog);
      extras.grounding = researched.label === 'researched' ? 'researched' : 'unresearched';
    }
    const previous = input.rewrite?.previous[section];
    if (input.rewrite) {
      extras.feedback = input.rewrite.feedback;
      if (previous) extras.previous = previous;
    }
    const outcome = await generateSection(input.ai, input.idea, section, input.lang, deadline, extras);
    // Every link a stored section shows must be backed by a research result or a catalog entry.
    const grounded = outcome.ok
      ? groundSection(outcome.content, new AllowedLinks(researched?.findings ?? null, researched?.catalog ?? []), researched?.label === 'researched')
      : null;
    if (grounded && grounded.dropped.length > 0) {
      log('info', 'unbacked links dropped', { analysis_id: input.analysisId, section, dropped: grounded.dropped.length });
    }
    let stored: boolean;
    try {
      stored = await storeSection(input.db, {
        analysisId: input.analysisId,
        userId: input.userId,
        model: input.ai.model,
        section,
        claimedAt: input.claimedAt,
        records: outcome.records,
        ...(grounded
          ? { content: grounded.content, sources: grounded.sources, research: researched?.label ?? null }
          : { errorCode: (outcome as { errorCode: string }).errorCode }),
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

  if (research) await research; // settled already; never left running past the run
  const premiumAttempted = input.sections.some((section) => (PREMIUM_ONLY_SECTIONS as readonly string[]).includes(section));
  const finish = await finishRun(input.db, input.analysisId, input.staleAfterSeconds, { premiumAttempted });
  return {
    completed: outcomes.filter((o) => o.errorCode === null).map((o) => o.section),
    failed: outcomes.flatMap((o) => (o.errorCode === null ? [] : [{ section: o.section, errorCode: o.errorCode }])),
    finish,
  };
}

interface Research {
  label: ResearchLabel;
  findings: ResearchFindings | null;
  catalog: CatalogEntry[];
}

/**
 * The catalog entries matching the idea, then (when web search is on) the research call, stored with its
 * usage. Never throws: a failure of any part leaves the sections unresearched and labelled.
 */
async function prepareResearch(input: RunInput, hardDeadline: number, emit: (e: RunEvent) => Promise<void>): Promise<Research> {
  const place = placeOf(input.idea.location);
  const catalog = catalogFor(input.catalog ?? [], place);
  const settings = input.grounding;
  if (!settings?.webSearch) {
    // No research step, no event: the stream is what it was before research existed.
    return { label: 'not_researched', findings: null, catalog };
  }
  const deadline = Math.min(Date.now() + aiTuning.sectionBudgetMs, hardDeadline);
  const findings = await runResearch(
    input.ai,
    input.idea,
    input.lang,
    { maxUses: settings.maxUses, userLocation: userLocationOf(place), catalog },
    deadline,
  );
  try {
    await storeResearch(input.db, { analysisId: input.analysisId, userId: input.userId, model: input.ai.model, findings });
  } catch (error) {
    log('error', 'storing research failed', { analysis_id: input.analysisId, error: String(error) });
  }
  const label: ResearchLabel = findings.status === 'researched' ? 'researched' : 'search_failed';
  await emit({
    event: 'research_completed',
    data: {
      status: label,
      queries: findings.queries.length,
      sources: findings.results.length,
      ...(findings.errorCode ? { error_code: findings.errorCode } : {}),
    },
  });
  return { label, findings, catalog };
}
