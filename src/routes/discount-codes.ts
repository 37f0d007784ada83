/** /api/discount-codes — administration, the buyer's validate call and usage listing (SPEC §4, §10). */
import { and, eq, ilike, sql, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import { requirePermission, requireUser } from '../auth/guards.js';
import { isCheckViolation, isUniqueViolation, pgErrorOf } from '../db/errors.js';
import { discountCodes } from '../db/schema.js';
import { AppError, fieldError, notFound } from '../errors.js';
import { created, ok, paginatedJson } from '../http/envelope.js';
import { listQuery, pageWindow } from '../http/pagination.js';
import { orderBy, readJsonPage } from '../db/pagination.js';
import { describe } from '../http/route-meta.js';
import { body, idParam, query } from '../http/validate.js';
import { DeleteResult } from '../schemas/catalog.js';
import {
  CreateDiscountBody,
  DiscountListQuery,
  DiscountQuoteSchema,
  DiscountSchema,
  discountValues,
  RedemptionSchema,
  discountItem,
  serializeDiscount,
  UpdateDiscountBody,
  ValidateDiscountBody,
} from '../schemas/discount.js';
import { audit } from '../services/audit.js';
import { deleteOrDeactivate } from '../services/catalog-admin.js';
import { auditRowChange } from '../services/conditional-log.js';
import { discountUsage, quoteDiscount } from '../services/discounts.js';
import type { AppEnv } from '../types.js';

const ENTITY = 'discount_code';
const AUDITED_FIELDS = Object.keys(UpdateDiscountBody.shape);
const SORTS = {
  created_at: discountCodes.createdAt,
  updated_at: discountCodes.updatedAt,
  code: discountCodes.code,
  uses_count: discountCodes.usesCount,
  valid_until: discountCodes.validUntil,
};

/** CHECK constraints that judge the code as a whole (after a partial update) → 400 naming the field. */
const CHECK_FIELDS: Record<string, string> = {
  discount_codes_one_kind: 'discount_percent',
  discount_codes_uses_within_max: 'max_uses',
  discount_codes_valid_window: 'valid_until',
  discount_codes_code_upper: 'code',
};

function mapWriteError(error: unknown): never {
  if (isUniqueViolation(error, 'discount_codes_code_lower_unique')) {
    throw new AppError('CONFLICT', { message: 'discount.code_taken', details: { field: 'code' } });
  }
  const field = isCheckViolation(error) ? CHECK_FIELDS[pgErrorOf(error)?.constraint ?? ''] : undefined;
  if (field) throw fieldError(field, 'invalid', 'discount.invalid_change');
  throw error;
}

export const discountCodeRoutes = new Hono<AppEnv>()
  .post(
    '/validate',
    describe({
      operationId: 'validateDiscountCode',
      summary: 'Check a discount code against a package (buyers)',
      tags: ['discount-codes'],
      response: DiscountQuoteSchema,
      errors: ['NOT_FOUND'],
    }),
    requireUser,
    body(ValidateDiscountBody),
    async (c) => ok(c, await quoteDiscount(c, c.req.valid('json')), 'ok.discount_valid'),
  )
  .get(
    '/',
    describe({
      operationId: 'listDiscountCodes',
      summary: 'List discount codes',
      tags: ['discount-codes'],
      response: DiscountSchema,
      responseKind: 'paginated',
      sort: ['code', 'uses_count', 'valid_until'],
    }),
    requirePermission('view_discounts'),
    query(DiscountListQuery),
    async (c) => {
      const q = c.req.valid('query');
      const { db } = c.var;
      const window = pageWindow(c, q);
      const where: SQL | undefined = and(
        q.q ? ilike(discountCodes.code, `%${q.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`) : undefined,
        q.is_active === undefined ? undefined : eq(discountCodes.isActive, q.is_active),
      );
      const page = await readJsonPage(db, window, {
        item: discountItem(),
        from: sql`${discountCodes}`,
        where,
        orderBy: orderBy(SORTS, q.sort, q.order, discountCodes.id),
      });
      return paginatedJson(c, page);
    },
  )
  .get(
    '/:id',
    describe({ operationId: 'getDiscountCode', summary: 'One discount code', tags: ['discount-codes'], response: DiscountSchema, errors: ['NOT_FOUND'] }),
    requirePermission('view_discounts'),
    idParam(),
    async (c) => {
      const [row] = await c.var.db.select().from(discountCodes).where(eq(discountCodes.id, c.req.valid('param').id)).limit(1);
      if (!row) throw notFound('discount.not_found');
      return ok(c, serializeDiscount(row));
    },
  )
  .get(
    '/:id/usage',
    describe({
      operationId: 'listDiscountCodeUsage',
      summary: 'Who used a discount code',
      tags: ['discount-codes'],
      response: RedemptionSchema,
      responseKind: 'paginated',
      errors: ['NOT_FOUND'],
    }),
    requirePermission('view_discounts'),
    idParam(),
    query(listQuery()),
    async (c) => {
      return paginatedJson(c, await discountUsage(c.var.db, pageWindow(c, c.req.valid('query')), c.req.valid('param').id, c.req.valid('query')));
    },
  )
  .post(
    '/',
    describe({
      operationId: 'createDiscountCode',
      summary: 'Create a discount code',
      tags: ['discount-codes'],
      status: 201,
      response: DiscountSchema,
      errors: ['CONFLICT'],
    }),
    requirePermission('manage_discounts'),
    body(CreateDiscountBody),
    async (c) => {
      const input = c.req.valid('json');
      const { db, user } = c.var;
      const id = crypto.randomUUID();
      const values = discountValues(input);
      try {
        const [inserted] = await db.batch([
          db
            .insert(discountCodes)
            .values({ ...values, id, code: input.code, createdBy: user.id })
            .returning(),
          audit(db, c, { action: `${ENTITY}.create`, entityType: ENTITY, entityId: id, after: input }),
        ]);
        return created(c, serializeDiscount(inserted[0]!));
      } catch (error) {
        mapWriteError(error);
      }
    },
  )
  .put(
    '/:id',
    describe({
      operationId: 'updateDiscountCode',
      summary: 'Update a discount code',
      tags: ['discount-codes'],
      response: DiscountSchema,
      errors: ['NOT_FOUND', 'CONFLICT'],
    }),
    requirePermission('manage_discounts'),
    idParam(),
    body(UpdateDiscountBody),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const { db } = c.var;
      const values = discountValues(input);
      const where = eq(discountCodes.id, id);
      // The audit entry lists the kind that was cleared too.
      const after = {
        ...input,
        ...(values.discountPercent === null ? { discount_percent: null } : {}),
        ...(values.discountAmount === null ? { discount_amount: null } : {}),
      };
      try {
        const [, updated] = await db.batch([
          auditRowChange(db, c, { table: discountCodes, where, action: `${ENTITY}.update`, entityType: ENTITY, entityId: id, after }),
          db.update(discountCodes).set({ ...values, updatedAt: sql`now()` }).where(where).returning(),
        ]);
        if (!updated[0]) throw notFound('discount.not_found');
        return ok(c, serializeDiscount(updated[0]), 'ok.updated');
      } catch (error) {
        mapWriteError(error);
      }
    },
  )
  .delete(
    '/:id',
    describe({
      operationId: 'deleteDiscountCode',
      summary: 'Delete a discount code',
      tags: ['discount-codes'],
      response: DeleteResult,
      errors: ['NOT_FOUND'],
    }),
    requirePermission('manage_discounts'),
    idParam(),
    async (c) => {
      const { id } = c.req.valid('param');
      const result = await deleteOrDeactivate(c, {
        table: discountCodes,
        id,
        idColumn: discountCodes.id,
        isActiveColumn: discountCodes.isActive,
        updatedAtColumn: discountCodes.updatedAt,
        inUse: sql`(EXISTS (SELECT 1 FROM discount_redemptions WHERE discount_code_id = ${id})
                    OR EXISTS (SELECT 1 FROM payments WHERE discount_code_id = ${id}))`,
        entityType: ENTITY,
        auditedFields: AUDITED_FIELDS,
      });
      if (!result) throw notFound('discount.not_found');
      return ok(c, result, result.deactivated ? 'ok.deactivated_in_use' : 'ok.deleted');
    },
  );

