/** Token usage: one ai_usage row per model call (SPEC §6), summed onto the analysis or conversation. */
import type { AttemptRecord } from '../ai/client.js';
import type { Database } from '../db/client.js';
import { aiUsage, type SectionName } from '../db/schema.js';

export interface UsageOwner {
  userId: string;
  kind: 'section' | 'chat' | 'invoke' | 'validate';
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
    })),
  );
}
