/**
 * /api/competitors — the catalog of known competitors (issue 15 §2). Reads need `view_settings`, writes
 * `manage_settings` (the catalog is product configuration, like credit packages). Matching active entries
 * are handed to the research step and the market prompt; their links count as sources.
 */
import { and, eq, ilike, sql, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import { requirePermission } from '../auth/guards.js';
import type { Database } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import { competitors } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { created, deleted, ok, paginatedJson } from '../http/envelope.js';
import { orderBy, readJsonPage } from '../db/pagination.js';
import { pageWindow } from '../http/pagination.js';
import { describe } from '../http/route-meta.js';
import { body, idParam, query } from '../http/validate.js';
import {
  CompetitorListQuery,
  CompetitorSchema,
  competitorValues,
  CreateCompetitorBody,
  ImportCompetitorsBody,
  ImportResultSchema,
  competitorItem,
  serializeCompetitor,
  UpdateCompetitorBody,
  type CompetitorInput,
} from '../schemas/competitor.js';
import { DeleteResult } from '../schemas/catalog.js';
import { audit } from '../services/audit.js';
import { auditIf, auditRowChange } from '../services/conditional-log.js';
import { competitorsFromCsv } from '../services/competitor-csv.js';
import type { AppEnv } from '../types.js';

const ENTITY = 'competitor';
const SORTS = { created_at: competitors.createdAt, updated_at: competitors.updatedAt, name: competitors.name };

const duplicate = () =>
  new AppError('CONFLICT', {
    message: 'ai.competitor_exists',
    details: { issues: [{ path: 'name', code: 'duplicate', message: 'a competitor with this name and country exists' }] },
  });

/** Runs a write; a second entry with the same name and country is a 409. */
async function uniqueWrite<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isUniqueViolation(error, 'competitors_name_country_unique')) throw duplicate();
    throw error;
  }
}

/** One statement: insert every row, or update the entry with the same name and country. */
function upsertAll(db: Database, rows: CompetitorInput[]) {
  const values = rows.map((r) => {
    const industries = `{${[...new Set(r.industries ?? [])].map((i) => `"${i.replace(/(["\\])/g, '\\$1')}"`).join(',')}}`;
    return sql`(${r.name}, ${r.country ?? null}, ${industries}::text[], ${r.description ?? null}, ${r.website_url ?? null},
                ${r.android_url ?? null}, ${r.ios_url ?? null}, ${r.is_active ?? true})`;
  });
  return db.execute<{ inserted: boolean }>(sql`
    INSERT INTO competitors (name, country, industries, description, website_url, android_url, ios_url, is_active)
    VALUES ${sql.join(values, sql`, `)}
    ON CONFLICT (lower(name), coalesce(country, '')) DO UPDATE SET
      name = EXCLUDED.name, industries = EXCLUDED.industries, description = EXCLUDED.description,
      website_url = EXCLUDED.website_url, android_url = EXCLUDED.android_url, ios_url = EXCLUDED.ios_url,
      is_active = EXCLUDED.is_active, updated_at = now()
    RETURNING (xmax = 0) AS inserted`);
}

export const competitorRoutes = new Hono<AppEnv>()
  .get(
    '/',
    describe({
      operationId: 'listCompetitors', summary: 'List the competitor catalog',
      tags: ['competitors'],
      response: CompetitorSchema,
      responseKind: 'paginated',
      sort: ['name'],
    }),
    requirePermission('view_settings'),
    query(CompetitorListQuery),
    async (c) => {
      const q = c.req.valid('query');
      const { db } = c.var;
      const window = pageWindow(c, q);
      const where: SQL | undefined = and(
        q.country ? eq(competitors.country, q.country.toUpperCase()) : undefined,
        q.industry ? sql`EXISTS (SELECT 1 FROM unnest(${competitors.industries}) i WHERE lower(i) = ${q.industry.toLowerCase()})` : undefined,
        q.is_active !== undefined ? eq(competitors.isActive, q.is_active) : undefined,
        q.q ? ilike(competitors.name, `%${q.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`) : undefined,
      );
      const page = await readJsonPage(db, window, {
        item: competitorItem(),
        from: sql`${competitors}`,
        where,
        orderBy: orderBy(SORTS, q.sort, q.order, competitors.id),
      });
      return paginatedJson(c, page);
    },
  )
  .post(
    '/',
    describe({ operationId: 'createCompetitor', summary: 'Add a competitor to the catalog', tags: ['competitors'], status: 201, response: CompetitorSchema, errors: ['CONFLICT'] }),
    requirePermission('manage_settings'),
    body(CreateCompetitorBody),
    async (c) => {
      const input = c.req.valid('json');
      const { db } = c.var;
      const id = crypto.randomUUID();
      const [rows] = await uniqueWrite(
        db.batch([
          db.insert(competitors).values({ ...competitorValues(input), id, name: input.name }).returning(),
          audit(db, c, { action: `${ENTITY}.create`, entityType: ENTITY, entityId: id, after: input }),
        ]),
      );
      return created(c, serializeCompetitor(rows[0]!));
    },
  )
  .post(
    '/import',
    describe({
      operationId: 'importCompetitors', summary: 'Import competitors from a CSV file',
      tags: ['competitors'],
      response: ImportResultSchema,
    }),
    requirePermission('manage_settings'),
    body(ImportCompetitorsBody),
    async (c) => {
      const rows = competitorsFromCsv(c.req.valid('json').csv);
      const { db } = c.var;
      const [result] = await db.batch([
        upsertAll(db, rows),
        audit(db, c, { action: `${ENTITY}.import`, entityType: ENTITY, after: { rows: rows.length } }),
      ]);
      const createdCount = result.rows.filter((r) => r.inserted).length;
      return ok(c, { created: createdCount, updated: rows.length - createdCount, total: rows.length }, 'ok.competitors_imported');
    },
  )
  .get(
    '/:id',
    describe({ operationId: 'getCompetitor', summary: 'One catalog competitor', tags: ['competitors'], response: CompetitorSchema, errors: ['NOT_FOUND'] }),
    requirePermission('view_settings'),
    idParam(),
    async (c) => {
      const [row] = await c.var.db.select().from(competitors).where(eq(competitors.id, c.req.valid('param').id));
      if (!row) throw notFound();
      return ok(c, serializeCompetitor(row));
    },
  )
  .put(
    '/:id',
    describe({ operationId: 'updateCompetitor', summary: 'Update a catalog competitor', tags: ['competitors'], response: CompetitorSchema, errors: ['NOT_FOUND', 'CONFLICT'] }),
    requirePermission('manage_settings'),
    idParam(),
    body(UpdateCompetitorBody),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const { db } = c.var;
      const where = eq(competitors.id, id);
      const [, updated] = await uniqueWrite(
        db.batch([
          auditRowChange(db, c, { table: competitors, where, action: `${ENTITY}.update`, entityType: ENTITY, entityId: id, after: input }),
          db.update(competitors).set({ ...competitorValues(input), updatedAt: sql`now()` }).where(where).returning(),
        ]),
      );
      if (!updated[0]) throw notFound();
      return ok(c, serializeCompetitor(updated[0]), 'ok.updated');
    },
  )
  .delete(
    '/:id',
    describe({ operationId: 'deleteCompetitor', summary: 'Delete a catalog competitor', tags: ['competitors'], response: DeleteResult, errors: ['NOT_FOUND'] }),
    requirePermission('manage_settings'),
    idParam(),
    async (c) => {
      const { id } = c.req.valid('param');
      const { db } = c.var;
      const [, gone] = await db.batch([
        auditIf(db, c, { action: `${ENTITY}.delete`, entityType: ENTITY, entityId: id }, sql`EXISTS (SELECT 1 FROM competitors WHERE id = ${id})`),
        db.delete(competitors).where(eq(competitors.id, id)).returning({ id: competitors.id }),
      ]);
      if (!gone[0]) throw notFound();
      return deleted(c, id);
    },
  );
