/**
 * Listing analyses (SPEC §5, §10): summaries only, filters, text search, a page and its total in one
 * statement built by PostgreSQL (the dashboard's first screen: issue 16). Shared by GET /analyses (own) and GET /analyses/all (view_analyses).
 */
import { and, count, eq, ilike, isNull, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { isoText, jsonItem, listItem, orderBy, readJsonPage, readPage, withTotal, type PageWindow } from '../db/pagination.js';
import { analyses } from '../db/schema.js';
import type { AnalysisListInput, AnalysisSummaryDto } from '../schemas/analysis.js';
import { analysisSummaryColumns, serializeAnalysisSummary } from './analyses.js';

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

/**
 * One list item as PostgreSQL builds it: the fields of AnalysisSummarySchema in its order (the same as
 * serializeAnalysisSummary), `user_id` last for the admin list.
 */
function summaryItem(withOwner: boolean) {
  const c = analysisSummaryColumns;
  return jsonItem<AnalysisSummaryDto & { user_id?: string }>({
    id: c.id,
    business_idea: c.businessIdea,
    industry: c.industry,
    location: c.location,
    status: c.status,
    report_type: c.reportType,
    report_language: c.reportLanguage,
    market_fit_score: c.marketFitScore,
    created_at: isoText(c.createdAt),
    updated_at: isoText(c.updatedAt),
    ...(withOwner ? { user_id: c.userId } : {}),
  });
}

const summaryItemOfOwn = listItem(() => summaryItem(false));
const summaryItemWithOwner = listItem(() => summaryItem(true));

/**
 * One page of summaries and the total, built by PostgreSQL in ONE statement (readJsonPage). `scope`
 * narrows to an owner (or not, for admins); `withOwner` adds `user_id` to each item (the admin list).
 */
export function listAnalyses(db: Database, window: PageWindow, input: AnalysisListInput, scope: SQL | undefined, withOwner = false) {
  return readJsonPage(db, window, {
    item: withOwner ? summaryItemWithOwner() : summaryItemOfOwn(),
    from: sql`${analyses}`,
    where: listWhere(input, scope),
    orderBy: orderBy(SORTS, input.sort, input.order, analyses.id),
  });
}

/**
 * Today's way before issue 16, kept for the comparison that proves the JSON page identical and
 * measures the gain (test/db/json-page.test.ts, bench): drizzle rows mapped and serialized in JavaScript.
 */
export async function listAnalysesMapped(db: Database, window: PageWindow, input: AnalysisListInput, scope: SQL | undefined, withOwner = false) {
  const where = listWhere(input, scope);
  const page = await readPage(db, window, {
    page: db
      .select(withTotal(analysisSummaryColumns))
      .from(analyses)
      .where(where)
      .orderBy(...orderBy(SORTS, input.sort, input.order, analyses.id))
      .limit(window.limit)
      .offset(window.offset),
    count: db.select({ n: count() }).from(analyses).where(where),
  });
  const items = page.rows.map((r) => (withOwner ? { ...serializeAnalysisSummary(r), user_id: r.userId } : serializeAnalysisSummary(r)));
  return { items, pagination: page.pagination };
}
