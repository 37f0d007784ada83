/** Token usage: one ai_usage row per model call (SPEC §6), summed onto the analysis or conversation. */
import type { AttemptRecord } from '../ai/client.js';
import type { Database } from '../db/client.js';
import { aiUsage, type SectionName } from '../db/schema.js';

export interface UsageOwner {
  userId: string;
  kind: 'section' | 'chat' | 'invoke' | 'validate' | 'research';
  model: string;
  analysisId?: string | null;
  conversationId?: string | null;
  section?: SectionName | null;
}

export function usageTotals(records: AttemptRecord[]) {
  return {
    inputTokens: records.reduce((n, r) => n + r.inputTokens, 0),
    outputTokens: records.reduce((n, r) => n + r.outputTokens, 0),
    calls: records.length,
    webSearches: records.reduce((n, r) => n + (r.webSearches ?? 0), 0),
    /** Unpriced calls add nothing here; ai_usage keeps their cost null so totals can say so. */
    costNanoUsd: records.reduce((n, r) => n + (r.costNanoUsd ?? 0n), 0n),
  };
}

/** One statement inserting a row per call; undefined when there is nothing to record. */
export function insertUsage(db: Database, owner: UsageOwner, records: AttemptRecord[]) {
  if (records.length === 0) return undefined;
  return db.insert(aiUsage).values(
    records.map((r) => ({
      userId: owner.userId,
      analysisId: owner.analysisId ?? null,
      conversationId: owner.conversationId ?? null,
      kind: owner.kind,
      section: owner.section ?? null,
      model: owner.model,
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
      durationMs: Math.round(r.durationMs),
      ok: r.ok,
      errorCode: r.errorCode,
      cacheCreationInputTokens: r.cacheWriteTokens ?? 0,
      cacheReadInputTokens: r.cacheReadTokens ?? 0,
      webSearchRequests: r.webSearches ?? 0,
      // A failed attempt is not billed: cost 0. A success of an unpriced model: null.
      costNanoUsd: r.ok || r.costNanoUsd !== undefined ? (r.costNanoUsd ?? null) : 0n,
    })),
  );
}
