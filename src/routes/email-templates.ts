/**
 * /api/email-templates — admin CRUD and preview (SPEC §7, §10: `view_email_templates` to read,
 * `manage_email_templates` to write and preview). Every write is audited in its own batch.
 */
import { and, eq, notInArray, sql } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import * as z from 'zod';
import { requirePermission } from '../auth/guards.js';
import { isUniqueViolation } from '../db/errors.js';
import { emailTemplates } from '../db/schema.js';
import { SEED_EMAIL_TEMPLATES } from '../db/seed-email-templates.js';
import { AppError, notFound } from '../errors.js';
import { translate } from '../i18n/messages.js';
import { created, deleted, ok, paginatedJson } from '../http/envelope.js';
import { pageWindow } from '../http/pagination.js';
import { orderBy, readJsonPage } from '../db/pagination.js';
import { describe } from '../http/route-meta.js';
import { body, idParam, query } from '../http/validate.js';
import {
  CreateTemplateBody,
  PreviewBody,
  PreviewSchema,
  serializeTemplate,
  templateItem,
  TemplateListQuery,
  TemplateSchema,
  UpdateTemplateBody,
  type UpdateTemplateInput,
} from '../schemas/email-template.js';
import { audit } from '../services/audit.js';
import { auditRowChange } from '../services/conditional-log.js';
import { renderEmail } from '../services/email-render.js';
import { contentIssues, keysRefusing, registryIssues, type TemplateIssue } from '../email/template-rules.js';
import type { AppEnv } from '../types.js';

const TAGS = ['email-templates'] as const;
const SORTS = {
  created_at: emailTemplates.createdAt,
  updated_at: emailTemplates.updatedAt,
  template_key: emailTemplates.templateKey,
  name: emailTemplates.name,
};
/** Templates the product itself sends: editable and deactivatable, never deletable. */
const BUILTIN_KEYS = SEED_EMAIL_TEMPLATES.map((t) => t.template_key);

function columnsOf(input: UpdateTemplateInput) {
  return {
    name: input.name,
    subjectEn: input.subject_en,
    subjectAr: input.subject_ar,
    bodyEn: input.body_en,
    bodyAr: input.body_ar,
    description: input.description,
    isActive: input.is_active,
  };
}

/** 400 naming each refused field (SPEC-WAVE2 §11.3, §0.1). */
function refuseTemplateIssues(issues: TemplateIssue[]): void {
  if (issues.length === 0) return;
  const unknown = [...new Set(issues.flatMap((i) => i.names ?? []))];
  throw new AppError('VALIDATION_ERROR', {
    message: issues.some((i) => i.code === 'unknown_placeholders') ? 'email.unknown_placeholders' : 'VALIDATION_ERROR',
    details: { ...(unknown.length > 0 ? { unknown } : {}), issues: issues.map(({ path, code, message }) => ({ path, code, message })) },
  });
}

async function loadTemplate(c: Context<AppEnv>, id: string) {
  const [row] = await c.var.db.select().from(emailTemplates).where(eq(emailTemplates.id, id));
  if (!row) throw notFound();
  return row;
}

export const emailTemplatesRoutes = new Hono<AppEnv>()
  .get(
    '/',
    describe({
      operationId: 'listEmailTemplates',
      summary: 'List email templates',
      tags: TAGS,
      response: TemplateSchema,
      responseKind: 'paginated',
      sort: ['template_key', 'name'],
    }),
    requirePermission('view_email_templates'),
    query(TemplateListQuery),
    async (c) => {
      const input = c.req.valid('query');
      const { db } = c.var;
      const window = pageWindow(c, input);
      const where = input.is_active === undefined ? undefined : eq(emailTemplates.isActive, input.is_active);
      const page = await readJsonPage(db, window, {
        item: templateItem(),
        from: sql`${emailTemplates}`,
        where,
        orderBy: orderBy(SORTS, input.sort, input.order, emailTemplates.id),
      });
      return paginatedJson(c, page);
    },
  )
  .get(
    '/:id',
    describe({ operationId: 'getEmailTemplate', summary: 'Get an email template', tags: TAGS, response: TemplateSchema, errors: ['NOT_FOUND'] }),
    requirePermission('view_email_templates'),
    idParam(),
    async (c) => ok(c, serializeTemplate(await loadTemplate(c, c.req.valid('param').id))),
  )
  .post(
    '/',
    describe({ operationId: 'createEmailTemplate', summary: 'Create an email template', tags: TAGS, status: 201, response: TemplateSchema, errors: ['CONFLICT'] }),
    requirePermission('manage_email_templates'),
    body(CreateTemplateBody),
    async (c) => {
      const { template_key, ...rest } = c.req.valid('json');
      const { db } = c.var;
      refuseTemplateIssues(contentIssues(rest, c.var.config.email.appUrl));
      const id = crypto.randomUUID();
      try {
        const [rows] = await db.batch([
          db
            .insert(emailTemplates)
            .values({
              id,
              templateKey: template_key,
              name: rest.name,
              subjectEn: rest.subject_en,
              subjectAr: rest.subject_ar,
              bodyEn: rest.body_en,
              bodyAr: rest.body_ar,
              description: rest.description ?? null,
              isActive: rest.is_active,
            })
            .returning(),
          audit(db, c, {
            action: 'email_template.create',
            entityType: 'email_template',
            entityId: id,
            after: { template_key, name: rest.name },
          }),
        ]);
        return created(c, serializeTemplate(rows[0]!));
      } catch (error) {
        if (isUniqueViolation(error, 'email_templates_key_unique')) {
          throw new AppError('CONFLICT', {
            message: 'email_template.key_taken',
            details: { issues: [{ path: 'template_key', code: 'taken', message: translate('email_template.key_taken', c.var.lang) }] },
          });
        }
        throw error;
      }
    },
  )
  .put(
    '/:id',
    describe({
      operationId: 'updateEmailTemplate',
      summary: 'Edit an email template',
      tags: TAGS,
      response: TemplateSchema,
      errors: ['NOT_FOUND'],
    }),
    requirePermission('manage_email_templates'),
    idParam(),
    body(UpdateTemplateBody),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const { db } = c.var;
      refuseTemplateIssues(contentIssues(input, c.var.config.email.appUrl));
      // A product template may use only its declared placeholders: the keys this text would break are
      // excluded in SQL (no extra read), and the lock tells which key refused it.
      const refusing = keysRefusing(input);
      const editable = refusing.length > 0 ? and(eq(emailTemplates.id, id), notInArray(emailTemplates.templateKey, refusing))! : eq(emailTemplates.id, id);
      const [locked, , rows] = await db.batch([
        db.select({ id: emailTemplates.id, templateKey: emailTemplates.templateKey }).from(emailTemplates).where(eq(emailTemplates.id, id)).for('update'),
        auditRowChange(db, c, {
          table: emailTemplates,
          where: editable,
          action: 'email_template.update',
          entityType: 'email_template',
          entityId: id,
          after: input,
        }),
        db
          .update(emailTemplates)
          .set({ ...columnsOf(input), updatedAt: sql`now()` })
          .where(editable)
          .returning(),
      ]);
      if (!rows[0]) {
        if (!locked[0]) throw notFound();
        refuseTemplateIssues(registryIssues(locked[0].templateKey, input));
        throw notFound();
      }
      return ok(c, serializeTemplate(rows[0]));
    },
  )
  .delete(
    '/:id',
    describe({
      operationId: 'deleteEmailTemplate',
      summary: 'Delete an email template',
      tags: TAGS,
      response: z.object({ id: z.uuid() }),
      errors: ['NOT_FOUND', 'CONFLICT'],
    }),
    requirePermission('manage_email_templates'),
    idParam(),
    async (c) => {
      const { id } = c.req.valid('param');
      const { db } = c.var;
      const deletable = and(eq(emailTemplates.id, id), notInArray(emailTemplates.templateKey, BUILTIN_KEYS))!;
      const [, , removed, remaining] = await db.batch([
        db.select({ id: emailTemplates.id }).from(emailTemplates).where(eq(emailTemplates.id, id)).for('update'),
        auditRowChange(db, c, {
          table: emailTemplates,
          where: deletable,
          action: 'email_template.delete',
          entityType: 'email_template',
          entityId: id,
          fields: ['template_key', 'name'],
        }),
        db.delete(emailTemplates).where(deletable).returning({ id: emailTemplates.id }),
        db.select({ key: emailTemplates.templateKey }).from(emailTemplates).where(eq(emailTemplates.id, id)),
      ]);
      if (removed.length > 0) return deleted(c, id);
      if (remaining.length > 0) throw new AppError('CONFLICT', { message: 'email_template.builtin' });
      throw notFound();
    },
  )
  .post(
    '/:id/preview',
    describe({
      operationId: 'previewEmailTemplate',
      summary: 'Render a template with sample values',
      tags: TAGS,
      response: PreviewSchema,
      errors: ['NOT_FOUND'],
    }),
    requirePermission('manage_email_templates'),
    idParam(),
    body(PreviewBody),
    async (c) => {
      const { variables, language } = c.req.valid('json');
      const template = await loadTemplate(c, c.req.valid('param').id);
      const rendered = renderEmail(template, language, variables);
      return ok(c, {
        template_key: template.templateKey,
        language,
        subject: rendered.subject,
        body: rendered.body,
        errors: rendered.missing.map((variable) => ({
          variable,
          code: 'missing_variable' as const,
          message: translate('email_template.missing_variable', c.var.lang, { variable }),
        })),
        unused_variables: rendered.unused,
      });
    },
  );
