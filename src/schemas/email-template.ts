/** Request and response schemas of email templates (SPEC §7). */
import * as z from 'zod';
import { sql } from 'drizzle-orm';
import { isoText, jsonItem, listItem } from '../db/pagination.js';
import { emailTemplates } from '../db/schema.js';
import { EMAIL_REGISTRY, registryEntry } from '../email/registry.js';
import { listQuery } from '../http/pagination.js';
import { PLACEHOLDER, placeholdersOf } from '../services/email-render.js';
import { isoDate, language, text, toIso } from './common.js';
import { nonEmpty } from './non-empty.js';
import { queryBoolean } from './query-boolean.js';
import { named } from './registry.js';

const subject = text(300);
const htmlBody = z.string().trim().min(1).max(100_000);

const editableFields = {
  name: text(120),
  subject_en: subject,
  subject_ar: subject,
  body_en: htmlBody,
  body_ar: htmlBody,
  description: text(500).nullable(),
  is_active: z.boolean(),
};

export const CreateTemplateBody = z.strictObject({
  template_key: z.string().regex(/^[a-z0-9_]{2,64}$/, 'lower-case letters, digits and _ (2..64)'),
  ...editableFields,
  description: editableFields.description.optional(),
  is_active: editableFields.is_active.optional(),
});
export type CreateTemplateInput = z.infer<typeof CreateTemplateBody>;

/** `template_key` is not editable: the product looks templates up by it. */
export const UpdateTemplateBody = nonEmpty(
  z.strictObject(
    Object.fromEntries(Object.entries(editableFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof editableFields]: z.ZodOptional<(typeof editableFields)[K]>;
    },
  ),
);
export type UpdateTemplateInput = z.infer<typeof UpdateTemplateBody>;

export const TemplateListQuery = listQuery(['template_key', 'name']).extend({ is_active: queryBoolean.optional() });

const variableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]{0,63}$/, 'a placeholder name: letters, digits, _ and .');
export const PreviewBody = z.strictObject({
  variables: z
    .record(variableName, z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]))
    .refine((v) => Object.keys(v).length <= 100, 'at most 100 variables')
    .default({}),
  language,
});

export const TemplateSchema = named(
  'EmailTemplate',
  z.object({
    id: z.uuid(),
    template_key: z.string(),
    name: z.string(),
    subject_en: z.string(),
    subject_ar: z.string(),
    body_en: z.string(),
    body_ar: z.string(),
    description: z.string().nullable(),
    is_active: z.boolean(),
    is_product: z.boolean().describe('A template the product sends (cannot be deleted; its placeholders are checked on edit)'),
    variables: z
      .array(z.string())
      .describe('Product templates: the variables the product provides. Other templates: the `{{placeholders}}` they use.'),
    created_at: isoDate,
    updated_at: isoDate,
  }),
);
export type TemplateDto = z.infer<typeof TemplateSchema>;

/** The product templates' variables by key, as compact JSON (a `json` value keeps its text: `->` answers it as is). */
const REGISTRY_VARIABLES = JSON.stringify(Object.fromEntries(Object.entries(EMAIL_REGISTRY).map(([key, entry]) => [key, entry.variables])));
/** PLACEHOLDER for PostgreSQL's regular expressions, with JavaScript's `\s` spelled out (PostgreSQL's depends on the locale). */
const PLACEHOLDER_SQL = PLACEHOLDER.source.replaceAll(
  '\\s',
  '[\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]',
);

/**
 * A template as readJsonPage builds it: serializeTemplate in SQL. A product template's variables come from the
 * registry; another's are placeholdersOf its texts — every match in subject_en, subject_ar, body_en, body_ar in
 * that order, each name once, where it first appears.
 */
export const templateItem = listItem(() => {
  const t = emailTemplates;
  const registered = sql`(${REGISTRY_VARIABLES}::json -> ${t.templateKey})`;
  const placeholders = sql`(SELECT ('[' || coalesce(string_agg(to_json(f.name)::text, ',' ORDER BY f.ti, f.mi), '') || ']')::json
    FROM (SELECT DISTINCT ON (m.g[1]) m.g[1] AS name, x.ti, m.mi
          FROM unnest(ARRAY[${t.subjectEn}, ${t.subjectAr}, ${t.bodyEn}, ${t.bodyAr}]) WITH ORDINALITY AS x(txt, ti)
          CROSS JOIN LATERAL regexp_matches(x.txt, ${PLACEHOLDER_SQL}, 'g') WITH ORDINALITY AS m(g, mi)
          ORDER BY m.g[1], x.ti, m.mi) f)`;
  return jsonItem<TemplateDto>({
    id: t.id,
    template_key: t.templateKey,
    name: t.name,
    subject_en: t.subjectEn,
    subject_ar: t.subjectAr,
    body_en: t.bodyEn,
    body_ar: t.bodyAr,
    description: t.description,
    is_active: t.isActive,
    is_product: sql`${registered} IS NOT NULL`,
    variables: sql`coalesce(${registered}, ${placeholders})`,
    created_at: isoText(t.createdAt),
    updated_at: isoText(t.updatedAt),
  });
});

export function serializeTemplate(row: typeof emailTemplates.$inferSelect): TemplateDto {
  return {
    id: row.id,
    template_key: row.templateKey,
    name: row.name,
    subject_en: row.subjectEn,
    subject_ar: row.subjectAr,
    body_en: row.bodyEn,
    body_ar: row.bodyAr,
    description: row.description,
    is_active: row.isActive,
    is_product: registryEntry(row.templateKey) !== undefined,
    variables: [...(registryEntry(row.templateKey)?.variables ?? placeholdersOf(row.subjectEn, row.subjectAr, row.bodyEn, row.bodyAr))],
    created_at: toIso(row.createdAt)!,
    updated_at: toIso(row.updatedAt)!,
  };
}

export const PreviewSchema = named(
  'EmailPreview',
  z.object({
    template_key: z.string(),
    language,
    subject: z.string(),
    body: z.string(),
    errors: z
      .array(z.object({ variable: z.string(), code: z.literal('missing_variable'), message: z.string() }))
      .describe('Placeholders without a value; they are left visible in subject/body.'),
    unused_variables: z.array(z.string()).describe('Given variables the template does not use.'),
  }),
);
