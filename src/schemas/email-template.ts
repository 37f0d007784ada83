/** Request and response schemas of email templates (SPEC §7). */
import * as z from 'zod';
import { registryEntry } from '../email/registry.js';
import type { emailTemplates } from '../db/schema.js';
import { listQuery } from '../http/pagination.js';
import { placeholdersOf } from '../services/email-render.js';
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
