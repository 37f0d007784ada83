/**
 * Pagination (SPEC §1, §10): `page` ≥ 1, `per_page` 1..MAX_PAGE_SIZE (default ITEMS_PER_PAGE), out of
 * range → 400 (never clamped); `sort` from a per-list whitelist (created_at and updated_at always),
 * `order` asc|desc in any case (default desc: newest first). `readPage()` reads a page and its total in ONE round
 * trip, and the first page of a plain list in one statement (see there).
 */
import { asc, desc, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Database } from '../db/client.js';
import type { Context } from 'hono';
import * as z from 'zod';
import { AppError } from '../errors.js';
import type { AppEnv } from '../types.js';
import type { Pagination } from './envelope.js';

const DEFAULT_SORTS = ['created_at', 'updated_at'] as const;

/** Query schema for a list; `extraSorts` are the list's own sortable columns. Unknown params are ignored. */
export function listQuery<const S extends string = never>(extraSorts: readonly S[] = []) {
  type Sort = S | (typeof DEFAULT_SORTS)[number];
  const sorts = [...DEFAULT_SORTS, ...extraSorts] as [Sort, ...Sort[]];
  return z.object({
    page: z.coerce.number().int().min(1).max(1_000_000).default(1),
    per_page: z.coerce.number().int().min(1).max(1000).optional().describe('1..MAX_PAGE_SIZE (100 unless configured); default ITEMS_PER_PAGE (20). Above the maximum → 400.'),
    sort: z.enum(sorts).default(() => 'created_at' as never),
    order: z
      .preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(['asc', 'desc']))
      .default('desc')
      .describe('asc or desc, in any case (DESC, Desc); default desc'),
  });
}

export interface PageWindow {
  page: number;
  perPage: number;
  limit: number;
  offset: number;
}

export function pageWindow(c: Context<AppEnv>, query: { page: number; per_page?: number | undefined }): PageWindow {
  const { itemsPerPage, maxPageSize } = c.var.config;
  const perPage = query.per_page ?? itemsPerPage;
  if (perPage > maxPageSize) {
    throw new AppError('VALIDATION_ERROR', {
      details: {
        target: 'query',
        issues: [{ path: 'per_page', code: 'too_big', message: `per_page must be at most ${maxPageSize}` }],
      },
    });
  }
  return { page: query.page, perPage, limit: perPage, offset: (query.page - 1) * perPage };
}

export function paginationOf(window: PageWindow, total: number): Pagination {
  return { page: window.page, per_page: window.perPage, total, pages: Math.ceil(total / window.perPage) };
}

const TOTAL = '__total';

/** A list's selection plus its total riding along on every row (`count(*) OVER ()`, computed before LIMIT/OFFSET). */
export function withTotal<T extends Record<string, unknown>>(columns: T): T & { [TOTAL]: SQL<number> } {
  return { ...columns, [TOTAL]: sql<number>`count(*) over ()`.mapWith(Number) };
}

type Query<T> = BatchItem<'pg'> & PromiseLike<T>;

/**
 * A page of a list and its total, in ONE database round trip (SPEC §10: reads ≤ 2 with auth). `page`
 * is selected with `withTotal()`, so its rows carry the total:
 * - the first page needs nothing else (no row: the list is empty) — ONE statement for a plain list;
 * - a later page may lie past the end, where no row carries the total, so `count` runs beside it;
 * - a list that reports more (`extras`: an unread count, an existence check) reads it in the same batch.
 * Statements of one round trip run as a batch (one transaction). On the local PostgreSQL backend a batch
 * costs four server round trips instead of one, which is why the common case avoids it; on Neon either
 * is one HTTP round trip.
 */
export async function readPage<R extends { [TOTAL]: number }, const E extends readonly Query<unknown>[] = []>(
  db: Database,
  window: PageWindow,
  queries: { page: Query<R[]>; count: Query<{ n: number }[]>; extras?: E },
): Promise<{ rows: Omit<R, typeof TOTAL>[]; pagination: Pagination; extras: { [K in keyof E]: Awaited<E[K]> } }> {
  const extras = queries.extras ?? [];
  const counting = window.offset > 0;
  let rows: R[];
  let results: unknown[] = [];
  if (!counting && extras.length === 0) rows = await queries.page;
  else {
    const batch = [queries.page, ...(counting ? [queries.count] : []), ...extras] as unknown as [BatchItem<'pg'>];
    [rows, ...results] = (await db.batch(batch)) as unknown as [R[], ...unknown[]];
  }
  const counted = counting ? (results.shift() as { n: number }[]) : undefined;
  const total = counted ? (counted[0]?.n ?? 0) : (rows[0]?.[TOTAL] ?? 0);
  return {
    rows: rows.map(({ [TOTAL]: _total, ...row }) => row),
    pagination: paginationOf(window, total),
    extras: results as { [K in keyof E]: Awaited<E[K]> },
  };
}

/** ORDER BY for a whitelisted sort key, with the id as a tie-breaker so pages never overlap. */
export function orderBy(columns: Record<string, AnyColumn>, sort: string, order: 'asc' | 'desc', tieBreaker: AnyColumn) {
  const column = columns[sort];
  if (!column) throw new Error(`sort column ${sort} is not mapped`);
  const direction = order === 'asc' ? asc : desc;
  return [direction(column), direction(tieBreaker)];
}
