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

export const SectionStateSchema = z.object({
  status: z.enum(SECTION_STATUSES),
  error_code: z.string().optional(),
  updated_at: isoDate,
});

const sectionMap = <T extends z.ZodType>(value: T) =>
  z.object(Object.fromEntries(SECTION_NAMES.map((s) => [s, value.optional()])) as Record<(typeof SECTION_NAMES)[number], z.ZodOptional<T>>);

export const AiUsageSchema = z.object({
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  calls: z.number().int(),
});

export const AnalysisSchema = z.object({
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
  report: sectionMap(z.record(z.string(), z.unknown()).nullable()).describe(
    "Only the tier's sections (free: overview, market; premium: all six); each null until generated.",
  ),
  sections: sectionMap(SectionStateSchema),
  ai_usage: AiUsageSchema.optional().describe('Shown to the owner and to holders of view_analyses.'),
  voucher: z
    .object({ voucher_id: z.uuid(), name: z.string(), ngo_name: z.string(), sponsored: z.boolean(), linked_at: isoDate })
    .nullable()
    .describe('The NGO programme this report is linked to (SPEC-WAVE2 §13), or null'),
  created_at: isoDate,
  updated_at: isoDate,
});
export type AnalysisDto = z.infer<typeof AnalysisSchema>;

export const AnalysisSummarySchema = z.object({
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
});
export type AnalysisSummaryDto = z.infer<typeof AnalysisSummarySchema>;

export const AdminAnalysisSummarySchema = AnalysisSummarySchema.extend({ user_id: z.uuid() });
