/** /api/payment-methods — how buyers pay (public list) and its administration (SPEC §4). */
import { asc, eq, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import * as z from 'zod';
import { requirePermission } from '../auth/guards.js';
import type { Database } from '../db/client.js';
import { paymentMethods } from '../db/schema.js';
import { notFound } from '../errors.js';
import { invalidateCatalog } from '../http/catalog-cache.js';
import { created, ok } from '../http/envelope.js';
import { describe } from '../http/route-meta.js';
import { body, idParam, query } from '../http/validate.js';
import {
  CatalogItemQuery,
  CatalogListQuery,
  CreateMethodBody,
  DeleteResult,
  MethodSchema,
  methodValues,
  serializeMethod,
  UpdateMethodBody,
} from '../schemas/catalog.js';
import { audit } from '../services/audit.js';
import { deleteOrDeactivate } from '../services/catalog-admin.js';
import { auditRowChange } from '../services/conditional-log.js';
import type { AppEnv } from '../types.js';
import { getCatalogItem, listCatalog, type CatalogSource } from './catalog-reads.js';

const ENTITY = 'payment_method';
const AUDITED_FIELDS = Object.keys(UpdateMethodBody.shape);

const selectAll = (db: Database) =>
  db.select().from(paymentMethods).orderBy(asc(paymentMethods.sortOrder), asc(paymentMethods.name), asc(paymentMethods.id));

const methodsSource: CatalogSource<z.infer<typeof MethodSchema>> = {
  name: 'payment-methods',
  managePermission: 'manage_payments',
  loadAll: async (c) => (await selectAll(c.var.db)).map(serializeMethod),
  unavailable: 'catalog.method_unavailable',
};

export const paymentMethodRoutes = new Hono<AppEnv>()
  .get(
    '/',
    describe({
      operationId: 'listPaymentMethods',
      etag: true,
      summary: 'List payment methods (public)',
      tags: ['payment-methods'],
      response: MethodSchema,
      responseKind: 'paginated',
      errors: ['AUTHENTICATION_ERROR', 'AUTHORIZATION_ERROR'],
    }),
    query(CatalogListQuery),
    (c) => listCatalog(c, methodsSource, c.req.valid('query')),
  )
  .get(
    '/:id',
    describe({
      operationId: 'getPaymentMethod',
      etag: true,
      summary: 'One payment method (public)',
      tags: ['payment-methods'],
      response: MethodSchema,
      errors: ['NOT_FOUND', 'AUTHENTICATION_ERROR', 'AUTHORIZATION_ERROR'],
    }),
    idParam(),
    query(CatalogItemQuery),
    (c) => getCatalogItem(c, methodsSource, c.req.valid('param').id, c.req.valid('query')),
  )
  .post(
    '/',
    describe({ operationId: 'createPaymentMethod', summary: 'Create a payment method', tags: ['payment-methods'], status: 201, response: MethodSchema }),
    requirePermission('manage_payments'),
    body(CreateMethodBody),
    async (c) => {
      const input = c.req.valid('json');
      const { db } = c.var;
      const id = crypto.randomUUID();
      const [inserted] = await db.batch([
        db
          .insert(paymentMethods)
          .values({ ...methodValues(input), id, name: input.name, type: input.type })
          .returning(),
        audit(db, c, { action: `${ENTITY}.create`, entityType: ENTITY, entityId: id, after: input }),
      ]);
      invalidateCatalog(c, 'payment-methods');
      return created(c, serializeMethod(inserted[0]!));
    },
  )
  .put(
    '/:id',
    describe({ operationId: 'updatePaymentMethod', summary: 'Update a payment method', tags: ['payment-methods'], response: MethodSchema, errors: ['NOT_FOUND'] }),
    requirePermission('manage_payments'),
    idParam(),
    body(UpdateMethodBody),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const { db } = c.var;
      const where = eq(paymentMethods.id, id);
      const [, updated] = await db.batch([
        auditRowChange(db, c, { table: paymentMethods, where, action: `${ENTITY}.update`, entityType: ENTITY, entityId: id, after: input }),
        db.update(paymentMethods).set({ ...methodValues(input), updatedAt: sql`now()` }).where(where).returning(),
      ]);
      if (!updated[0]) throw notFound('catalog.method_unavailable');
      invalidateCatalog(c, 'payment-methods');
      return ok(c, serializeMethod(updated[0]), 'ok.updated');
    },
  )
  .delete(
    '/:id',
    describe({
      operationId: 'deletePaymentMethod',
      summary: 'Delete a payment method',
      tags: ['payment-methods'],
      response: DeleteResult,
      errors: ['NOT_FOUND'],
    }),
    requirePermission('manage_payments'),
    idParam(),
    async (c) => {
      const { id } = c.req.valid('param');
      const result = await deleteOrDeactivate(c, {
        table: paymentMethods,
        id,
        idColumn: paymentMethods.id,
        isActiveColumn: paymentMethods.isActive,
        updatedAtColumn: paymentMethods.updatedAt,
        inUse: sql`EXISTS (SELECT 1 FROM payments WHERE payments.payment_method_id = ${id})`,
        entityType: ENTITY,
        auditedFields: AUDITED_FIELDS,
      });
      if (!result) throw notFound('catalog.method_unavailable');
      invalidateCatalog(c, 'payment-methods');
      return ok(c, result, result.deactivated ? 'ok.deactivated_in_use' : 'ok.deleted');
    },
  );
