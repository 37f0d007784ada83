/**
 * Pagination (SPEC §1, §10): `page` ≥ 1, `per_page` 1..MAX_PAGE_SIZE (default ITEMS_PER_PAGE), out of
 * range → 400 (never clamped); `sort` from a per-list whitelist (created_at and updated_at always),
 * `order` asc|desc in any case (default desc: newest first). This is the HTTP half (query schema, page window,
 * the pagination object); reading a page from the database is src/db/pagination.ts.
 */
import type { Context } from 'hono';
import * as z from 'zod';
import { AppError } from '../errors.js';
import type { AppEnv } from '../types.js';
import type { PageWindow } from '../db/pagination.js';

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
