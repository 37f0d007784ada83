/**
 * Listing analyses (SPEC §5, §10): summaries only, filters, text search, a page and its total in one
 * round trip. Shared by GET /analyses (own) and GET /analyses/all (view_analyses).
 */
import { and, count, eq, ilike, isNull, sql, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import { analyses } from '../db/schema.js';
import { orderBy, pageWindow, readPage, withTotal } from '../http/pagination.js';
import type { AnalysisListInput } from '../schemas/analysis.js';
import type { AppEnv } from '../types.js';
import { analysisSummaryColumns } from './analyses.js';

/** `%`, `_` and `\` in the search text are literal characters, not LIKE wildcards. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (ch) => `\\${ch}`);

function listWhere(input: AnalysisListInput, scope: SQL | undefined): SQL | undefined {
  return and(
    isNull(analyses.deletedAt),
    scope,
    input.status ? eq(analyses.status, input.status) : undefined,
    input.report_type ? eq(analyses.reportType, input.report_type) : undefined,
    input.industry ? sql`lower(${analyses.industry}) = lower(${input.industry})` : undefined,
    // ILIKE matches Arabic as typed (Arabic has no case); both sides are NFC-normalised on the way in.
    input.q ? ilike(analyses.businessIdea, `%${escapeLike(input.q)}%`) : undefined,
  );
}

const SORTS = { created_at: analyses.createdAt, updated_at: analyses.updatedAt };

/** One page of summaries and the total, in ONE round trip (readPage). `scope` narrows to an owner (or not, for admins). */
export async function listAnalyses(c: Context<AppEnv>, input: AnalysisListInput, scope: SQL | undefined) {
  const { db } = c.var;
  const window = pageWindow(c, input);
  const where = listWhere(input, scope);
  return readPage(db, window, {
    page: db
      .select(withTotal(analysisSummaryColumns))
      .from(analyses)
      .where(where)
      .orderBy(...orderBy(SORTS, input.sort, input.order, analyses.id))
      .limit(window.limit)
      .offset(window.offset),
    count: db.select({ n: count() }).from(analyses).where(where),
  });
}
