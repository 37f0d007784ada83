/** /api/credit-packages — the public catalog of credit packages and its administration (SPEC §4). */
import { asc, eq, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import * as z from 'zod';
import { requirePermission } from '../auth/guards.js';
import type { Database } from '../db/client.js';
import { creditPackages } from '../db/schema.js';
import { notFound } from '../errors.js';
import { invalidateCatalog } from '../http/catalog-cache.js';
import { created, ok } from '../http/envelope.js';
import { describe } from '../http/route-meta.js';
import { body, idParam, query } from '../http/validate.js';
import {
  CatalogItemQuery,
  CatalogListQuery,
  CreatePackageBody,
  DeleteResult,
  PackageSchema,
  packageValues,
  serializePackage,
  UpdatePackageBody,
} from '../schemas/catalog.js';
import { toNumeric } from '../schemas/money.js';
import { audit } from '../services/audit.js';
import { deleteOrDeactivate } from '../services/catalog-admin.js';
import { auditRowChange } from '../services/conditional-log.js';
import { currencyCode, PriceInCurrencySchema } from '../schemas/currency.js';
import { activeCurrency, pricedIn } from '../services/currency-prices.js';
import type { AppEnv } from '../types.js';

const PackageListQuery = CatalogListQuery.extend({
  currency: currencyCode.optional().describe('Also price each package in this active currency (SPEC-WAVE2 §12.3)'),
});
import { getCatalogItem, listCatalog, type CatalogSource } from './catalog-reads.js';

const ENTITY = 'credit_package';
const AUDITED_FIELDS = Object.keys(UpdatePackageBody.shape);

const selectAll = (db: Database) =>
  db.select().from(creditPackages).orderBy(asc(creditPackages.sortOrder), asc(creditPackages.name), asc(creditPackages.id));

const packagesSource: CatalogSource<z.infer<typeof PackageSchema>> = {
  name: 'credit-packages',
  managePermission: 'manage_settings',
  loadAll: async (c) => (await selectAll(c.var.db)).map(serializePackage),
  unavailable: 'catalog.package_unavailable',
};

export const creditPackageRoutes = new Hono<AppEnv>()
  .get(
    '/',
    describe({
      operationId: 'listCreditPackages',
      etag: true,
      summary: 'List credit packages (public)',
      tags: ['credit-packages'],
      response: PackageSchema.extend({ price_in_currency: PriceInCurrencySchema.optional() }),
      responseKind: 'paginated',
      errors: ['AUTHENTICATION_ERROR', 'AUTHORIZATION_ERROR'],
    }),
    query(PackageListQuery),
    async (c) => {
      const q = c.req.valid('query');
      // SPEC-WAVE2 §12.3: `?currency=XXX` adds `price_in_currency` to each package (cached per currency).
      const view = q.currency ? pricedIn<z.infer<typeof PackageSchema>>(await activeCurrency(c, q.currency)) : undefined;
      return listCatalog(c, packagesSource, q, view);
    },
  )
  .get(
    '/:id',
    describe({
      operationId: 'getCreditPackage',
      etag: true,
      summary: 'One credit package (public)',
      tags: ['credit-packages'],
      response: PackageSchema,
      errors: ['NOT_FOUND', 'AUTHENTICATION_ERROR', 'AUTHORIZATION_ERROR'],
    }),
    idParam(),
    query(CatalogItemQuery),
    (c) => getCatalogItem(c, packagesSource, c.req.valid('param').id, c.req.valid('query')),
  )
  .post(
    '/',
    describe({ operationId: 'createCreditPackage', summary: 'Create a credit package', tags: ['credit-packages'], status: 201, response: PackageSchema }),
    requirePermission('manage_settings'),
    body(CreatePackageBody),
    async (c) => {
      const input = c.req.valid('json');
      const { db } = c.var;
      const id = crypto.randomUUID();
      const [inserted] = await db.batch([
        db
          .insert(creditPackages)
          .values({ ...packageValues(input), id, name: input.name, credits: input.credits, priceUsd: toNumeric(input.price_usd) })
          .returning(),
        audit(db, c, { action: `${ENTITY}.create`, entityType: ENTITY, entityId: id, after: input }),
      ]);
      invalidateCatalog(c, 'credit-packages');
      return created(c, serializePackage(inserted[0]!));
    },
  )
  .put(
    '/:id',
    describe({ operationId: 'updateCreditPackage', summary: 'Update a credit package', tags: ['credit-packages'], response: PackageSchema, errors: ['NOT_FOUND'] }),
    requirePermission('manage_settings'),
    idParam(),
    body(UpdatePackageBody),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const { db } = c.var;
      const where = eq(creditPackages.id, id);
      const [, updated] = await db.batch([
        auditRowChange(db, c, { table: creditPackages, where, action: `${ENTITY}.update`, entityType: ENTITY, entityId: id, after: input }),
        db.update(creditPackages).set({ ...packageValues(input), updatedAt: sql`now()` }).where(where).returning(),
      ]);
      if (!updated[0]) throw notFound('catalog.package_unavailable');
      invalidateCatalog(c, 'credit-packages');
      return ok(c, serializePackage(updated[0]), 'ok.updated');
    },
  )
  .delete(
    '/:id',
    describe({
      operationId: 'deleteCreditPackage',
      summary: 'Delete a credit package',
      tags: ['credit-packages'],
      response: DeleteResult,
      errors: ['NOT_FOUND'],
    }),
    requirePermission('manage_settings'),
    idParam(),
    async (c) => {
      const { id } = c.req.valid('param');
      const result = await deleteOrDeactivate(c, {
        table: creditPackages,
        id,
        idColumn: creditPackages.id,
        isActiveColumn: creditPackages.isActive,
        updatedAtColumn: creditPackages.updatedAt,
        inUse: sql`EXISTS (SELECT 1 FROM payments WHERE payments.package_id = ${id})`,
        entityType: ENTITY,
        auditedFields: AUDITED_FIELDS,
      });
      if (!result) throw notFound('catalog.package_unavailable');
      invalidateCatalog(c, 'credit-packages');
      return ok(c, result, result.deactivated ? 'ok.deactivated_in_use' : 'ok.deleted');
    },
  );

