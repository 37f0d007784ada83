/**
 * Request and response schemas of analyses (SPEC §5, §10 "Reports and AI"). Request bodies are strict:
 * status, tier, report, scores, owner and usage are server-owned, so naming one is a 400.
 */
import * as z from 'zod';
import { ideaHasLetters } from '../ai/idea-checks.js';
import { ANALYSIS_STATUSES, REPORT_TYPES, SECTION_NAMES, SECTION_STATUSES } from '../db/schema.js';
import { listQuery } from '../http/pagination.js';
import { isoDate, language, text } from './common.js';
import { nonEmpty } from './non-empty.js';
import { MarketSchema, OverviewSchema } from '../ai/sections/free.js';
import { BusinessSchema, FinancialSchema, StrategySchema, TechnicalSchema } from '../ai/sections/premium.js';
import { named } from './registry.js';

/**
 * Stored NFC-normalised, so a search typed on another keyboard (Arabic especially) matches the same
 * letters. Text without words in Latin or Arabic letters (only punctuation, digits, zero-width spaces)
 * is no idea at all: refused here rather than spending model calls on it.
 */
const businessIdea = z
  .string()
  .trim()
  .min(10)
  .max(10000)
  .refine(ideaHasLetters, { message: 'must contain words in Latin or Arabic letters', params: { reason: 'no_letters' } })
  .transform((s) => s.normalize('NFC'));

const ideaFields = {
  business_idea: businessIdea,
  industry: text(100).nullable(),
  target_market: text(500).nullable(),
  location: text(120).nullable(),
  budget: text(120).nullable(),
};

export const CreateAnalysisBody = z.strictObject({
  business_idea: businessIdea,
  industry: ideaFields.industry.optional(),
  target_market: ideaFields.target_market.optional(),
  location: ideaFields.location.optional(),
  budget: ideaFields.budget.optional(),
  report_language: language,
});

/** Fields the owner may change before any generation started. */
export const IDEA_FIELDS = ['business_idea', 'industry', 'target_market', 'location', 'budget'] as const;
/** Fields the owner may change once the report is completed. */
export const REVIEW_FIELDS = ['user_rating', 'user_feedback'] as const;

export const UpdateAnalysisBody = nonEmpty(
  z.strictObject({
    business_idea: ideaFields.business_idea.optional(),
    industry: ideaFields.industry.optional(),
    target_market: ideaFields.target_market.optional(),
    location: ideaFields.location.optional(),
    budget: ideaFields.budget.optional(),
    user_rating: z.number().int().min(1).max(5).optional(),
    user_feedback: z
      .string()
      .trim()
      .max(2000)
      .transform((s) => (s === '' ? null : s))
      .nullable()
      .optional(),
  }),
);
export type UpdateAnalysisInput = z.infer<typeof UpdateAnalysisBody>;

export const AnalysisListQuery = listQuery().extend({
  status: z.enum(ANALYSIS_STATUSES).optional(),
  report_type: z.enum(REPORT_TYPES).optional(),
  industry: z.string().trim().max(100).optional(),
  q: z
    .string()
    .trim()
    .max(200)
    .transform((s) => s.normalize('NFC'))
    .optional(),
});
export type AnalysisListInput = z.infer<typeof AnalysisListQuery>;

export const AdminAnalysisListQuery = AnalysisListQuery.extend({ user_id: z.uuid().optional() });

// ─── Responses ───────────────────────────────────────────────────────────────

export const SourceSchema = named('Source', z.object({ url: z.string(), title: z.string() }));

export const SectionStateSchema = named(
  'SectionState',
  z.object({
    status: z.enum(SECTION_STATUSES),
    error_code: z.string().optional(),
    updated_at: isoDate,
    sources: z
      .array(SourceSchema)
      .optional()
      .describe('Once the section has content: the research results and catalog entries backing it. Every link the section shows is one of these URLs.'),
    research: z
      .enum(['researched', 'not_researched', 'search_failed'])
      .optional()
      .describe('market and financial: whether the section was written from a web research step (AI_WEB_SEARCH), or not (disabled, or the search failed).'),
  }),
);

const sectionMap = <T extends z.ZodType>(value: T) =>
  z.object(Object.fromEntries(SECTION_NAMES.map((s) => [s, value.optional()])) as Record<(typeof SECTION_NAMES)[number], z.ZodOptional<T>>);

export const AiUsageSchema = named(
  'AiUsage',
  z.object({
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    calls: z.number().int(),
    web_searches: z.number().int().optional().describe('Web searches of the research steps; view_analyses only.'),
    cost_usd: z.number().optional().describe('What the model calls of this report cost at the configured prices (AI_PRICES); view_analyses only.'),
  }),
);

/**
 * The six report sections, named for the OpenAPI document (the model-facing schemas in src/ai/sections
 * stay unnamed: their JSON Schema is sent to the model as is). Stored content was validated by these
 * schemas before it was stored; the TypeScript type stays a plain record so services pass it through.
 */
const REPORT_SECTIONS = {
  overview: named('OverviewSection', OverviewSchema),
  market: named('MarketSection', MarketSchema),
  business: named('BusinessSection', BusinessSchema),
  technical: named('TechnicalSection', TechnicalSchema),
  financial: named('FinancialSection', FinancialSchema),
  strategy: named('StrategySection', StrategySchema),
} satisfies Record<(typeof SECTION_NAMES)[number], z.ZodType>;

const ReportSchema = named(
  'Report',
  z.object(Object.fromEntries(Object.entries(REPORT_SECTIONS).map(([name, schema]) => [name, schema.nullable().optional()]))),
  "Only the tier's sections (free: overview, market; premium: all six); each null until generated.",
) as unknown as z.ZodType<Partial<Record<(typeof SECTION_NAMES)[number], Record<string, unknown> | null>>>;

export const AnalysisSchema = named(
  'Analysis',
  z.object({
    id: z.uuid(),
    user_id: z.uuid(),
    business_idea: z.string(),
    industry: z.string().nullable(),
    target_market: z.string().nullable(),
    location: z.string().nullable(),
    budget: z.string().nullable(),
    report_language: language,
    report_type: z.enum(REPORT_TYPES),
    status: z.enum(ANALYSIS_STATUSES),
    market_fit_score: z.number().int().nullable(),
    user_rating: z.number().int().nullable(),
    user_feedback: z.string().nullable(),
    forced_runs: z.number().int(),
    generation_started_at: isoDate.nullable(),
    report: ReportSchema,
    sections: sectionMap(SectionStateSchema),
    ai_usage: AiUsageSchema.optional().describe('Shown to the owner and to holders of view_analyses.'),
    voucher: z
      .object({ voucher_id: z.uuid(), name: z.string(), ngo_name: z.string(), sponsored: z.boolean(), linked_at: isoDate })
      .nullable()
      .describe('The NGO programme this report is linked to (SPEC-WAVE2 §13), or null'),
    created_at: isoDate,
    updated_at: isoDate,
  }),
);
export type AnalysisDto = z.infer<typeof AnalysisSchema>;

export const AnalysisSummarySchema = named(
  'AnalysisSummary',
  z.object({
    id: z.uuid(),
    business_idea: z.string().describe('The first 280 characters.'),
    industry: z.string().nullable(),
    location: z.string().nullable(),
    status: z.enum(ANALYSIS_STATUSES),
    report_type: z.enum(REPORT_TYPES),
    report_language: language,
    market_fit_score: z.number().int().nullable(),
    created_at: isoDate,
    updated_at: isoDate,
  }),
);
export type AnalysisSummaryDto = z.infer<typeof AnalysisSummarySchema>;

export const AdminAnalysisSummarySchema = named('AdminAnalysisSummary', AnalysisSummarySchema.extend({ user_id: z.uuid() }));
