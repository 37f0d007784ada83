/**
 * What an approved NGO sees of the reports linked to its vouchers (SPEC-WAVE2 §13.3): only `linked`
 * redemptions of non-deleted analyses, scoped to the caller's NGO (anything else is a 404). The beneficiary's
 * contact data is shown only when they consented (imported links may lack consent, §0.1).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { notFound } from '../errors.js';
import { isoText, jsNumber, jsonItem, jsonObject, listItem, readJsonPage, type PageWindow } from '../db/pagination.js';
import { toIso } from '../schemas/common.js';
import { sectionsForTier, SUMMARY_IDEA_CHARS } from './analyses.js';
import { approvedNgoIdSql, ngoAccessDenied, type NgoAccount } from './ngo-access.js';

/** Linked, live, of this NGO: the one scope of every NGO report read and write. */
const scope = (ngo: NgoAccount) => sql`
  r.status = 'linked' AND a.deleted_at IS NULL
  AND v.ngo_request_id = ${ngo.requestId}`;

const JOINED = sql`
  ngo_voucher_redemptions r
  JOIN ngo_vouchers v ON v.id = r.voucher_id
  JOIN analyses a ON a.id = r.analysis_id
  JOIN users u ON u.id = r.user_id
  LEFT JOIN analysis_sections o ON o.analysis_id = a.id AND o.section = 'overview' AND o.status = 'completed'`;
const FROM = sql`FROM ${JOINED}`;

const ITEM_COLUMNS = sql`
  a.id AS analysis_id, left(a.business_idea, ${SUMMARY_IDEA_CHARS}::int) AS business_idea, a.industry, a.report_type, a.status,
  a.created_at, a.market_fit_score,
  (o.content ->> 'time_to_build_months')::numeric AS time_to_build_months,
  (o.content ->> 'competitors_count')::numeric AS competitors_count,
  (o.content ->> 'starting_cost_usd')::numeric AS starting_cost_usd,
  r.is_favourite, r.is_archived, r.created_at AS linked_at, r.consented_at IS NOT NULL AS consented,
  u.full_name, u.email, u.phone_number`;

type ItemRow = Record<string, unknown>;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function serializeItem(row: ItemRow) {
  const consented = row.consented === true;
  return {
    analysis_id: row.analysis_id as string,
    business_idea: row.business_idea as string,
    industry: (row.industry as string | null) ?? null,
    report_type: row.report_type as 'free' | 'premium',
    status: row.status as 'pending' | 'processing' | 'completed' | 'failed',
    created_at: toIso(row.created_at as string)!,
    market_fit_score: num(row.market_fit_score),
    time_to_build_months: num(row.time_to_build_months),
    competitors_count: num(row.competitors_count),
    starting_cost_usd: num(row.starting_cost_usd),
    is_favourite: row.is_favourite === true,
    is_archived: row.is_archived === true,
    linked_at: toIso(row.linked_at as string)!,
    beneficiary: consented
      ? { full_name: (row.full_name as string | null) ?? null, email: row.email as string, phone_number: (row.phone_number as string | null) ?? null }
      : { full_name: null, email: null, phone_number: null },
  };
}

/**
 * A linked report as readJsonPage builds it: serializeItem in SQL. The overview's figures are JSON numbers as
 * `Number()` prints them (jsNumber: exact from 1e-6 to 1e21, where the section schema keeps them).
 */
const linkedReportItem = listItem(() =>
  jsonItem<ReturnType<typeof serializeItem>>({
    analysis_id: sql`a.id`,
    business_idea: sql`left(a.business_idea, ${sql.raw(String(SUMMARY_IDEA_CHARS))})`, // a constant, not a parameter: the item's text is rendered once
    industry: sql`a.industry`,
    report_type: sql`a.report_type`,
    status: sql`a.status`,
    created_at: isoText(sql`a.created_at`),
    market_fit_score: jsNumber(sql`a.market_fit_score`),
    time_to_build_months: jsNumber(sql`(o.content ->> 'time_to_build_months')::numeric`),
    competitors_count: jsNumber(sql`(o.content ->> 'competitors_count')::numeric`),
    starting_cost_usd: jsNumber(sql`(o.content ->> 'starting_cost_usd')::numeric`),
    is_favourite: sql`coalesce(r.is_favourite, false)`,
    is_archived: sql`coalesce(r.is_archived, false)`,
    linked_at: isoText(sql`r.created_at`),
    // Contact data only with consent.
    beneficiary: sql`CASE WHEN r.consented_at IS NOT NULL
      THEN ${jsonObject({ full_name: sql`u.full_name`, email: sql`u.email`, phone_number: sql`u.phone_number` })}
      ELSE ${jsonObject({ full_name: sql`NULL::text`, email: sql`NULL::text`, phone_number: sql`NULL::text` })} END`,
  }),
);

/** A page of the reports linked to one of the caller's vouchers, access checks included, in ONE statement. */
export async function listLinkedAnalyses(
  db: Database,
  userId: string,
  window: PageWindow,
  voucherId: string,
  q: { include_archived?: boolean | undefined },
) {
  const ngoId = approvedNgoIdSql(userId);
  const page = await readJsonPage(db, window, {
    item: linkedReportItem(),
    from: JOINED,
    where: sql`r.status = 'linked' AND a.deleted_at IS NULL AND v.ngo_request_id = ${ngoId}
      AND r.voucher_id = ${voucherId} ${q.include_archived ? sql`` : sql`AND NOT r.is_archived`}`,
    orderBy: [sql`r.created_at DESC`, sql`r.id DESC`],
    extras: {
      ngo: sql<boolean>`SELECT ${ngoId} IS NOT NULL`,
      voucher: sql<boolean>`SELECT EXISTS (SELECT 1 FROM ngo_vouchers WHERE id = ${voucherId} AND ngo_request_id = ${ngoId})`,
    },
  });
  if (!page.extras.ngo) throw ngoAccessDenied();
  if (!page.extras.voucher) throw notFound('ngo.not_found');
  return page;
}

/** The report view for the NGO: the public-share fields + beneficiary + the NGO's flags. */
export async function ngoReport(db: Database, ngo: NgoAccount, analysisId: string) {
  const [head, sections] = await db.batch([
    db.execute<ItemRow>(sql`
      SELECT ${ITEM_COLUMNS}, a.business_idea AS full_idea, a.location, a.report_language
      ${FROM} WHERE ${scope(ngo)} AND r.analysis_id = ${analysisId}`),
    db.execute<{ section: string; content: Record<string, unknown> | null }>(sql`
      SELECT s.section, s.content FROM analysis_sections s WHERE s.analysis_id = ${analysisId} AND s.status = 'completed'
        AND EXISTS (SELECT 1 ${FROM} WHERE ${scope(ngo)} AND r.analysis_id = ${analysisId})`),
  ]);
  const row = head.rows[0];
  if (!row) throw notFound('ngo.not_found');
  const completed = new Map(sections.rows.map((s) => [s.section, s.content]));
  const report: Record<string, Record<string, unknown> | null> = {};
  for (const name of sectionsForTier(row.report_type as string)) report[name] = completed.get(name) ?? null;
  const item = serializeItem(row);
  return {
    analysis_id: item.analysis_id,
    business_idea: row.full_idea as string,
    industry: item.industry,
    location: (row.location as string | null) ?? null,
    report_language: row.report_language as 'en' | 'ar',
    report_type: item.report_type,
    status: item.status,
    report,
    created_at: item.created_at,
    is_favourite: item.is_favourite,
    is_archived: item.is_archived,
    linked_at: item.linked_at,
    beneficiary: item.beneficiary,
  };
}

/** Sets the NGO's own flag on a linked report (idempotent). */
export async function setNgoFlag(db: Database, ngo: NgoAccount, analysisId: string, flag: 'is_favourite' | 'is_archived', value: boolean) {
  const column: SQL = sql.identifier(flag) as unknown as SQL;
  const rows = await db.execute<{ value: boolean }>(sql`
    UPDATE ngo_voucher_redemptions r SET ${column} = ${value}, updated_at = now()
    FROM ngo_vouchers v, analyses a
    WHERE v.id = r.voucher_id AND a.id = r.analysis_id AND r.analysis_id = ${analysisId} AND ${scope(ngo)}
    RETURNING r.${column} AS value`);
  if (!rows.rows[0]) throw notFound('ngo.not_found');
  return { [flag]: rows.rows[0].value === true } as Record<typeof flag, boolean>;
}
