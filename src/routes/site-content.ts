/**
 * /api/partners and /api/social-media (SPEC-WAVE2 §14.2, §14.4): public reads served from the catalog
 * cache (ETag, 304, `public, max-age=60`, invalidated by admin writes in this isolate), and their
 * administration with `manage_site_content` — strict bodies mapped field by field, audited, 201 on create,
 * hard delete answering `{id}`.
 */
import { asc, eq, sql } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import type * as z from 'zod';
import { requirePermission } from '../auth/guards.js';
import { partners, socialLinks } from '../db/schema.js';
import { notFound } from '../errors.js';
import { invalidateCatalog } from '../http/catalog-cache.js';
import { created, deleted, ok } from '../http/envelope.js';
import { describe } from '../http/route-meta.js';
import { body, idParam, query } from '../http/validate.js';
import { toIso } from '../schemas/common.js';
import {
  CreatePartnerBody,
  CreateSocialLinkBody,
  DeletedId,
  PartnerSchema,
  SiteListQuery,
  SocialLinkSchema,
  UpdatePartnerBody,
  UpdateSocialLinkBody,
} from '../schemas/public-site.js';
import { audit } from '../services/audit.js';
import { auditRowChange } from '../services/conditional-log.js';
import type { AppEnv } from '../types.js';
import { listCatalog, type CatalogSource } from './catalog-reads.js';

type Partner = z.infer<typeof PartnerSchema>;
type SocialLink = z.infer<typeof SocialLinkSchema>;

function serializePartner(row: typeof partners.$inferSelect): Partner {
  return {
    id: row.id,
    name: row.name,
    name_ar: row.nameAr,
    logo_url: row.logoUrl,
    website_url: row.websiteUrl,
    color: row.color,
    display_order: row.displayOrder,
    is_active: row.isActive,
    created_at: toIso(row.createdAt)!,
    updated_at: toIso(row.updatedAt)!,
  };
}

function serializeSocialLink(row: typeof socialLinks.$inferSelect): SocialLink {
  return {
    id: row.id,
    platform: row.platform,
    url: row.url,
    icon: row.icon,
    hover_color: row.hoverColor,
    display_order: row.displayOrder,
    is_active: row.isActive,
    created_at: toIso(row.createdAt)!,
    updated_at: toIso(row.updatedAt)!,
  };
}

/** Body → columns, one named field at a time (upstream copied any body key onto the row). */
function partnerValues(input: z.infer<typeof UpdatePartnerBody>) {
  return {
    ...(input.name !== undefined && { name: input.name }),
    ...(input.name_ar !== undefined && { nameAr: input.name_ar }),
    ...(input.logo_url !== undefined && { logoUrl: input.logo_url }),
    ...(input.website_url !== undefined && { websiteUrl: input.website_url }),
    ...(input.color !== undefined && { color: input.color }),
    ...(input.display_order !== undefined && { displayOrder: input.display_order }),
    ...(input.is_active !== undefined && { isActive: input.is_active }),
  };
}

function socialLinkValues(input: z.infer<typeof UpdateSocialLinkBody>) {
  return {
    ...(input.platform !== undefined && { platform: input.platform }),
    ...(input.url !== undefined && { url: input.url }),
    ...(input.icon !== undefined && { icon: input.icon }),
    ...(input.hover_color !== undefined && { hoverColor: input.hover_color }),
    ...(input.display_order !== undefined && { displayOrder: input.display_order }),
    ...(input.is_active !== undefined && { isActive: input.is_active }),
  };
}

/** Audit entries name what changed, never a logo's data URL (up to 32 KiB each). */
const auditedPartner = (input: Record<string, unknown>) =>
  'logo_url' in input && typeof input.logo_url === 'string' && input.logo_url.startsWith('data:') ? { ...input, logo_url: '[data URL]' } : input;

const partnersSource: CatalogSource<Partner> = {
  name: 'partners',
  managePermission: 'manage_site_content',
  loadAll: async (c) =>
    (await c.var.db.select().from(partners).orderBy(asc(partners.displayOrder), asc(partners.name), asc(partners.id))).map(serializePartner),
  unavailable: 'site.partner_not_found',
};

const socialSource: CatalogSource<SocialLink> = {
  name: 'social-media',
  managePermission: 'manage_site_content',
  loadAll: async (c) =>
    (await c.var.db.select().from(socialLinks).orderBy(asc(socialLinks.displayOrder), asc(socialLinks.platform), asc(socialLinks.id))).map(
      serializeSocialLink,
    ),
  unavailable: 'site.social_link_not_found',
};

async function deleteRow(c: Context<AppEnv>, table: typeof partners | typeof socialLinks, entityType: string, id: string) {
  const { db } = c.var;
  const where = eq(table.id, id);
  const fields = table === partners ? ['name', 'name_ar', 'website_url', 'display_order', 'is_active'] : ['platform', 'url', 'icon', 'display_order', 'is_active'];
  const [, removed] = await db.batch([
    auditRowChange(db, c, { table, where, action: `${entityType}.delete`, entityType, entityId: id, fields }),
    db.delete(table).where(where).returning({ id: table.id }),
  ]);
  return removed.length > 0;
}

export const partnerRoutes = new Hono<AppEnv>()
  .get(
    '/',
    describe({
      operationId: 'listPartners', summary: 'List partners (public)',
      tags: ['site-content'],
      response: PartnerSchema,
      responseKind: 'paginated',
      errors: ['AUTHENTICATION_ERROR', 'AUTHORIZATION_ERROR'],
    }),
    query(SiteListQuery),
    (c) => listCatalog(c, partnersSource, c.req.valid('query')),
  )
  .post(
    '/',
    describe({ operationId: 'createPartner', summary: 'Create a partner', tags: ['site-content'], status: 201, response: PartnerSchema }),
    requirePermission('manage_site_content'),
    body(CreatePartnerBody),
    async (c) => {
      const input = c.req.valid('json');
      const { db } = c.var;
      const id = crypto.randomUUID();
      const [inserted] = await db.batch([
        db
          .insert(partners)
          .values({ ...partnerValues(input), id, name: input.name, nameAr: input.name_ar, logoUrl: input.logo_url })
          .returning(),
        audit(db, c, { action: 'partner.create', entityType: 'partner', entityId: id, after: auditedPartner(input) }),
      ]);
      invalidateCatalog(c, 'partners');
      return created(c, serializePartner(inserted[0]!));
    },
  )
  .put(
    '/:id',
    describe({ operationId: 'updatePartner', summary: 'Update a partner', tags: ['site-content'], response: PartnerSchema, errors: ['NOT_FOUND'] }),
    requirePermission('manage_site_content'),
    idParam(),
    body(UpdatePartnerBody),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const { db } = c.var;
      const where = eq(partners.id, id);
      const [, updated] = await db.batch([
        auditRowChange(db, c, { table: partners, where, action: 'partner.update', entityType: 'partner', entityId: id, after: auditedPartner(input) }),
        db.update(partners).set({ ...partnerValues(input), updatedAt: sql`now()` }).where(where).returning(),
      ]);
      if (!updated[0]) throw notFound('site.partner_not_found');
      invalidateCatalog(c, 'partners');
      return ok(c, serializePartner(updated[0]), 'ok.updated');
    },
  )
  .delete(
    '/:id',
    describe({ operationId: 'deletePartner', summary: 'Delete a partner', tags: ['site-content'], response: DeletedId, errors: ['NOT_FOUND'] }),
    requirePermission('manage_site_content'),
    idParam(),
    async (c) => {
      const { id } = c.req.valid('param');
      if (!(await deleteRow(c, partners, 'partner', id))) throw notFound('site.partner_not_found');
      invalidateCatalog(c, 'partners');
      return deleted(c, id);
    },
  );

export const socialMediaRoutes = new Hono<AppEnv>()
  .get(
    '/',
    describe({
      operationId: 'listSocialLinks', summary: 'List social links (public)',
      tags: ['site-content'],
      response: SocialLinkSchema,
      responseKind: 'paginated',
      errors: ['AUTHENTICATION_ERROR', 'AUTHORIZATION_ERROR'],
    }),
    query(SiteListQuery),
    (c) => listCatalog(c, socialSource, c.req.valid('query')),
  )
  .post(
    '/',
    describe({ operationId: 'createSocialLink', summary: 'Create a social link', tags: ['site-content'], status: 201, response: SocialLinkSchema }),
    requirePermission('manage_site_content'),
    body(CreateSocialLinkBody),
    async (c) => {
      const input = c.req.valid('json');
      const { db } = c.var;
      const id = crypto.randomUUID();
      const [inserted] = await db.batch([
        db
          .insert(socialLinks)
          .values({ ...socialLinkValues(input), id, platform: input.platform, url: input.url, icon: input.icon })
          .returning(),
        audit(db, c, { action: 'social_link.create', entityType: 'social_link', entityId: id, after: input }),
      ]);
      invalidateCatalog(c, 'social-media');
      return created(c, serializeSocialLink(inserted[0]!));
    },
  )
  .put(
    '/:id',
    describe({ operationId: 'updateSocialLink', summary: 'Update a social link', tags: ['site-content'], response: SocialLinkSchema, errors: ['NOT_FOUND'] }),
    requirePermission('manage_site_content'),
    idParam(),
    body(UpdateSocialLinkBody),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const { db } = c.var;
      const where = eq(socialLinks.id, id);
      const [, updated] = await db.batch([
        auditRowChange(db, c, { table: socialLinks, where, action: 'social_link.update', entityType: 'social_link', entityId: id, after: input }),
        db.update(socialLinks).set({ ...socialLinkValues(input), updatedAt: sql`now()` }).where(where).returning(),
      ]);
      if (!updated[0]) throw notFound('site.social_link_not_found');
      invalidateCatalog(c, 'social-media');
      return ok(c, serializeSocialLink(updated[0]), 'ok.updated');
    },
  )
  .delete(
    '/:id',
    describe({ operationId: 'deleteSocialLink', summary: 'Delete a social link', tags: ['site-content'], response: DeletedId, errors: ['NOT_FOUND'] }),
    requirePermission('manage_site_content'),
    idParam(),
    async (c) => {
      const { id } = c.req.valid('param');
      if (!(await deleteRow(c, socialLinks, 'social_link', id))) throw notFound('site.social_link_not_found');
      invalidateCatalog(c, 'social-media');
      return deleted(c, id);
    },
  );
