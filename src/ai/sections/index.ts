/**
 * One zod schema per report section, and what each model call needs to produce it. The schemas are
 * the single source of truth: the model-facing tool schema is derived from them (json-schema.ts) and
 * every reply is validated with them, bounds included, before anything is stored.
 */
import type * as z from 'zod';
import type { SectionName } from '../../db/schema.js';
import { PREMIUM_ONLY_SECTIONS } from '../../services/analyses.js';
import { modelSchema } from '../json-schema.js';
import { MarketSchema, OverviewSchema } from './free.js';
import { BusinessSchema, FinancialSchema, StrategySchema, TechnicalSchema } from './premium.js';

export { FREE_SECTIONS, PREMIUM_ONLY_SECTIONS } from '../../services/analyses.js';

export const isPremiumOnly = (s: SectionName) => (PREMIUM_ONLY_SECTIONS as readonly string[]).includes(s);

export interface SectionSpec {
  schema: z.ZodType;
  /** Output budget of the first attempt; a truncated reply is retried once with `maxTokensRetry`. */
  maxTokens: number;
  maxTokensRetry: number;
  /** What the section is about, for the tool description. */
  purpose: string;
}

export const SECTION_SPECS: Record<SectionName, SectionSpec> = {
  overview: { schema: OverviewSchema, maxTokens: 1024, maxTokensRetry: 2048, purpose: 'the headline numbers and value proposition' },
  market: { schema: MarketSchema, maxTokens: 8192, maxTokensRetry: 16000, purpose: 'audiences, problems, solution, local market, competitors, uniqueness and SWOT' },
  business: { schema: BusinessSchema, maxTokens: 6144, maxTokensRetry: 12000, purpose: 'go-to-market, distribution, marketing, partnerships and KPIs' },
  technical: { schema: TechnicalSchema, maxTokens: 6144, maxTokensRetry: 12000, purpose: 'technical stack, team, development plan, MVP and AI tools' },
  financial: { schema: FinancialSchema, maxTokens: 4096, maxTokensRetry: 8192, purpose: 'revenue streams, pricing and funding' },
  strategy: { schema: StrategySchema, maxTokens: 4096, maxTokensRetry: 8192, purpose: 'risks with mitigations and a step-by-step action plan' },
};

export const toolNameOf = (section: SectionName) => `report_${section}`;

const toolCache = new Map<SectionName, Record<string, unknown>>();

/** The strict tool the model is forced to call for `section` (schema derived once per isolate). */
export function sectionTool(section: SectionName) {
  let inputSchema = toolCache.get(section);
  if (!inputSchema) {
    inputSchema = modelSchema(SECTION_SPECS[section].schema);
    toolCache.set(section, inputSchema);
  }
  return {
    name: toolNameOf(section),
    description: `Record the "${section}" section of the feasibility report: ${SECTION_SPECS[section].purpose}.`,
    strict: true,
    input_schema: inputSchema as { type: 'object'; [k: string]: unknown },
  };
}
