/** Request and response schemas of report shares (SPEC §7, §10). */
import * as z from 'zod';
import { REPORT_TYPES, SECTION_NAMES } from '../db/schema.js';
import { SourceSchema } from './analysis.js';
import { isoDate, language } from './common.js';
import { nonEmpty } from './non-empty.js';
import { named } from './registry.js';

/** An ISO-8601 instant (with Z or an offset) that is still in the future when the request arrives. */
const futureInstant = z.iso
  .datetime({ offset: true })
  .refine((v) => Date.parse(v) > Date.now(), 'must be in the future')
  .transform((v) => new Date(v).toISOString());

export const CreateShareBody = z.strictObject({
  analysis_id: z.uuid(),
  expires_at: futureInstant.nullable().optional().describe('Omit or null: the link never expires.'),
});

export const UpdateShareBody = nonEmpty(
  z.strictObject({
    is_active: z.boolean().optional(),
    expires_at: futureInstant.nullable().optional().describe('null: never expires.'),
  }),
);

/** The public link's path parameter; anything not shaped like a token is simply not found. */
export const TokenParam = z.object({ token: z.string().max(256) });

export const ShareSchema = named(
  'ReportShare',
  z.object({
    id: z.uuid(),
    analysis_id: z.uuid(),
    is_active: z.boolean(),
    expires_at: isoDate.nullable(),
    view_count: z.number().int(),
    last_viewed_at: isoDate.nullable(),
    created_at: isoDate,
    updated_at: isoDate,
  }),
);
export type ShareDto = z.infer<typeof ShareSchema>;

export const CreatedShareSchema = named(
  'CreatedReportShare',
  ShareSchema.extend({
    token: z.string().describe('Shown only in this response; only its SHA-256 is stored.'),
    url: z.string().describe('Path of the public view: `/api/report-shares/public/<token>`.'),
  }),
);

/** What anyone holding the link sees: no ids, no owner, no rating, feedback or errors. */
export const PublicReportSchema = named(
  'PublicReport',
  z.object({
    business_idea: z.string(),
    industry: z.string().nullable(),
    location: z.string().nullable(),
    report_language: language,
    report_type: z.enum(REPORT_TYPES),
    report: z
      .object(
        Object.fromEntries(SECTION_NAMES.map((s) => [s, z.record(z.string(), z.unknown()).nullable().optional()])) as Record<
          (typeof SECTION_NAMES)[number],
          z.ZodOptional<z.ZodNullable<z.ZodRecord<z.ZodString, z.ZodUnknown>>>
        >,
      )
      .describe("Only the tier's sections; a section not completed is null."),
    sources: z
      .record(z.string(), z.array(SourceSchema))
      .describe('Per shown section: the research results and catalog entries backing its links (every link shown is one of them).'),
    research: z
      .record(z.string(), z.enum(['researched', 'not_researched', 'search_failed']))
      .describe('market and financial: whether the section was written from web research.'),
    created_at: isoDate,
  }),
);
export type PublicReportDto = z.infer<typeof PublicReportSchema>;
