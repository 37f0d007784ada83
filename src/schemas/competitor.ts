/** The competitor catalog (issue 15 §2): request bodies, the CSV import, the response shape. */
import * as z from 'zod';
import { isoText, jsonItem, listItem } from '../db/pagination.js';
import { competitors } from '../db/schema.js';
import { listQuery } from '../http/pagination.js';
import { isoDate, text, toIso } from './common.js';
import { queryBoolean } from './query-boolean.js';

const link = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(500);
const country = z
  .string()
  .trim()
  .transform((v) => v.toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code (e.g. SY)'));

const fields = {
  name: text(200),
  country: country.nullable(),
  industries: z.array(text(100)).max(20),
  description: text(2000).nullable(),
  website_url: link.nullable(),
  android_url: link.nullable(),
  ios_url: link.nullable(),
  is_active: z.boolean(),
};

export const CreateCompetitorBody = z.strictObject({
  name: fields.name,
  country: fields.country.optional(),
  industries: fields.industries.optional(),
  description: fields.description.optional(),
  website_url: fields.website_url.optional(),
  android_url: fields.android_url.optional(),
  ios_url: fields.ios_url.optional(),
  is_active: fields.is_active.optional(),
});
export type CompetitorInput = z.infer<typeof CreateCompetitorBody>;

export const UpdateCompetitorBody = CreateCompetitorBody.partial().refine((b) => Object.keys(b).length > 0, 'at least one field');

export const ImportCompetitorsBody = z.strictObject({
  csv: z
    .string()
    .min(1)
    .max(512 * 1024)
    .describe(
      'A CSV file (RFC 4180, UTF-8, header row first): `name` required; optional columns `country`, `industries` ' +
        '(separated by `;`), `description`, `website_url`, `android_url`, `ios_url`, `is_active` (true/false). At most 1,000 rows.',
    ),
});

export const CompetitorListQuery = listQuery(['name'] as const).extend({
  country: z.string().trim().max(2).optional().describe('ISO 3166-1 alpha-2 code, e.g. SY'),
  industry: z.string().trim().max(100).optional(),
  is_active: queryBoolean.optional(),
  q: z.string().trim().max(200).optional(),
});

export const CompetitorSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  country: z.string().nullable(),
  industries: z.array(z.string()),
  description: z.string().nullable(),
  website_url: z.string().nullable(),
  android_url: z.string().nullable(),
  ios_url: z.string().nullable(),
  is_active: z.boolean(),
  created_at: isoDate,
  updated_at: isoDate,
});

export const ImportResultSchema = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  total: z.number().int(),
});

export type CompetitorRow = typeof competitors.$inferSelect;

/** A competitor as readJsonPage builds it: serializeCompetitor in SQL. */
export const competitorItem = listItem(() =>
  jsonItem<z.infer<typeof CompetitorSchema>>({
    id: competitors.id,
    name: competitors.name,
    country: competitors.country,
    industries: competitors.industries,
    description: competitors.description,
    website_url: competitors.websiteUrl,
    android_url: competitors.androidUrl,
    ios_url: competitors.iosUrl,
    is_active: competitors.isActive,
    created_at: isoText(competitors.createdAt),
    updated_at: isoText(competitors.updatedAt),
  }));

export function serializeCompetitor(row: CompetitorRow): z.infer<typeof CompetitorSchema> {
  return {
    id: row.id,
    name: row.name,
    country: row.country,
    industries: row.industries,
    description: row.description,
    website_url: row.websiteUrl,
    android_url: row.androidUrl,
    ios_url: row.iosUrl,
    is_active: row.isActive,
    created_at: toIso(row.createdAt)!,
    updated_at: toIso(row.updatedAt)!,
  };
}

/** Column values of a (partial) input; keys absent from the input stay absent. */
export function competitorValues(input: Partial<CompetitorInput>) {
  const v: Partial<Omit<CompetitorRow, 'id' | 'createdAt' | 'updatedAt'>> = {};
  if (input.name !== undefined) v.name = input.name;
  if (input.country !== undefined) v.country = input.country;
  if (input.industries !== undefined) v.industries = [...new Set(input.industries)];
  if (input.description !== undefined) v.description = input.description;
  if (input.website_url !== undefined) v.websiteUrl = input.website_url;
  if (input.android_url !== undefined) v.androidUrl = input.android_url;
  if (input.ios_url !== undefined) v.iosUrl = input.ios_url;
  if (input.is_active !== undefined) v.isActive = input.is_active;
  return v;
}
