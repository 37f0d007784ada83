/**
 * Reading a page of a list from the database (the query half of pagination; the HTTP half — query
 * schema, window, pagination object — is src/http/pagination.ts). Every list reads a page and its total
 * in ONE round trip: `readJsonPage()` has PostgreSQL build the page as one JSON text that the handler
 * places into the envelope unparsed (every list whose items SQL can produce exactly); `readPage()` maps
 * rows in JavaScript, for the few that it cannot (listed at readJsonPage).
 */
import { asc, desc, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { PgDialect } from 'drizzle-orm/pg-core';
import { DB_CASING, type Database } from './client.js';

/** The `pagination` object of the envelope (SPEC §1). */
export interface Pagination {
  page: number;
  per_page: number;
  total: number;
  pages: number;
}

/** Which rows a page holds (built from the query by src/http/pagination.ts pageWindow). */
export interface PageWindow {
  page: number;
  perPage: number;
  limit: number;
  offset: number;
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

/** An ISO-8601 UTC text of a timestamptz column, exactly as `Date.prototype.toISOString()` writes it (milliseconds, `Z`). */
export const isoText = (column: AnyColumn | SQL) => sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A list item's select list for readJsonPage: `expr AS "json_key", …` in the key order of `fields` (the
 * order of the list's schema and serializer). Columns that JSON would print differently from the API go
 * through isoText (timestamps) or jsNumber (numeric, bigint).
 */
export function jsonItem<T>(fields: Record<string, AnyColumn | SQL>): SQL<T> {
  return sql.join(
    Object.entries(fields).map(([key, value]) => sql`${value} AS ${sql.identifier(key)}`),
    sql`, `,
  ) as SQL<T>;
}

const dialect = new PgDialect({ casing: DB_CASING });

/**
 * A list's item, built and rendered to SQL text on first use, then kept (`const fooItem = listItem(() => jsonItem({ … }))`,
 * used as `item: fooItem()`). An item is the longest part of its statement (every field, each timestamp through
 * isoText) and holds no values, so rendering it per request was ~100 µs of drizzle's walk (issue 16). An item that
 * does hold a value (a parameter) is kept as built and rendered with its statement: the admin lists of roles, users
 * and email templates, whose items carry constants as parameters.
 */
export function listItem<T>(build: () => SQL<T>): () => ListItem<T> {
  let item: ListItem<T> | undefined;
  return () => (item ??= renderOnce(build()));
}

function renderOnce<T>(item: SQL<T>): ListItem<T> {
  const query = dialect.sqlToQuery(item);
  return (query.params.length === 0 ? sql.raw(query.sql) : item) as ListItem<T>;
}

declare const LIST_ITEM: unique symbol;
/** An item made by listItem: the only kind readJsonPage takes, so no list renders its item per request. */
export type ListItem<T> = SQL<T> & { readonly [LIST_ITEM]: true };

/** A nested object of a list item, compact and in the key order of `fields` (json_build_object would add spaces). */
export const jsonObject = (fields: Record<string, AnyColumn | SQL>) => sql`(SELECT row_to_json(o) FROM (SELECT ${jsonItem(fields)}) o)`;

/**
 * A numeric or bigint as the API shows it: the JSON number `Number(text)` prints (the serializers' `usd()`,
 * `rateNumber()`, `minorToAmount()`, `Number(bigint)`). Through float8 (the same nearest double), whose text is
 * the shortest that round-trips, like JavaScript's (PostgreSQL ≥ 12 with the default `extra_float_digits` of 1,
 * as on Neon); numeric's input turns its exponent into plain digits, as JavaScript prints every number from
 * 1e-6 to 1e21 (amounts, rates and minor amounts lie there). NULL stays NULL.
 */
export const jsNumber = (value: AnyColumn | SQL) => sql`((${value})::float8::text::numeric)`;

/**
 * A JSON array of strings as ONE compact json value (json_agg would write `", "` between items): the strings
 * of `elements` (a FROM item with columns `v` text and `o`, their order), in that order.
 */
export const jsonStringArray = (elements: SQL) =>
  sql`(SELECT ('[' || coalesce(string_agg(to_json(e.v)::text, ',' ORDER BY e.o), '') || ']')::json FROM ${elements})`;

/**
 * A flat jsonb object as `JSON.stringify` prints it after the driver parsed it: compact, in its stored key order
 * (jsonb's own text puts a space after `:` and `,`); NULL stays NULL. Exact for objects whose values are strings,
 * booleans or null under keys that are not integer-like (JavaScript would move those first) — what the app writes
 * into `users.notification_preferences` and `api_request_logs.query` — not for numbers or nested values.
 */
export const jsonbFlatObject = (column: AnyColumn | SQL) =>
  sql`(SELECT CASE WHEN ${column} IS NOT NULL THEN ('{' || coalesce(string_agg(to_json(e.key)::text || ':' || e.value::text, ',' ORDER BY e.o), '') || '}')::json END
    FROM jsonb_each(${column}) WITH ORDINALITY AS e(key, value, o))`;

/**
 * A page built by PostgreSQL: the items as ONE JSON array text (placed into the envelope unparsed), the
 * pagination, and the list's `extras` (scalars read in the same statement). `T` is the item type the text
 * encodes, carried for the typed response (never read at runtime).
 */
export interface JsonPage<T, E extends Record<string, unknown> = Record<never, never>> {
  json: string;
  pagination: Pagination;
  extras: E;
  readonly items?: T[];
}

/**
 * A page of a list as ONE statement whose answer is the page itself: PostgreSQL builds each item
 * (`item`: the select list `expr AS "json_key", …` in the order of the list's schema, made compact by
 * row_to_json — json_build_object/json_agg would add spaces; rendered to text once, see listItem) and sends
 * the items as one text column per row in `orderBy` order, which JavaScript joins with `,` — nothing is
 * mapped or re-serialized per field (issue 16: the Neon protocol's per-field JSON, drizzle's row mapping and
 * JSON.stringify were the cost). The items are not aggregated into one value in SQL: a ~30 KB value made
 * PostgreSQL grow and trim its heap on every execution (glibc `brk` with page faults, seen with strace),
 * which cost 3–4× the CPU of this statement (pgbench, 50 rows). The total rides along: the window count on a
 * first page; a scalar count beside it on later pages (which may lie past the end) — one statement either way.
 * The page is LEFT JOINed onto one row, so an empty page still answers its total and extras.
 * `extras` are scalar subqueries answered beside the page (an unread count for `meta`, whether the parent
 * exists), so a list that reports more still costs one statement; give them a type PostgreSQL sends as a
 * JSON number or boolean (`count(*)::int`, `EXISTS (…)`).
 *
 * Every list reads its page this way (one way: issue 16), except these, which stay on `readPage` (rows
 * mapped in JavaScript) because SQL cannot reproduce their items exactly:
 * - items holding free-form jsonb — notifications `data`, audit-logs `changes`, activity-feed `data`: PostgreSQL
 *   prints a stored jsonb value with a space after `:` and `,` and its numbers in numeric's digits (`1.50`),
 *   while the API answered `JSON.stringify(JSON.parse(…))` (`1.5`, integer-like keys moved first, nested values
 *   compact); an exact copy would need a recursive SQL function that reimplements JavaScript's number printing
 *   (flat objects of strings and booleans are exact: `jsonbFlatObject`);
 * - email-outbox: free-form `variables` jsonb (numbers included), beside `secret_variables` from the code's
 *   email registry.
 * The analyses list keeps its mapped twin (services/analysis-list.ts listAnalysesMapped) only as the
 * reference that test/db/json-page.test.ts and the bench compare with.
 */
export async function readJsonPage<T, const E extends Record<string, SQL> = Record<never, never>>(
  db: Database,
  window: PageWindow,
  query: { item: ListItem<T>; from: SQL; where: SQL | undefined; orderBy: SQL[]; extras?: E },
): Promise<JsonPage<T, { [K in keyof E]: E[K] extends SQL<infer V> ? V : unknown }>> {
  const order = sql.join(query.orderBy, sql`, `);
  const where = query.where ? sql`WHERE ${query.where}` : sql``;
  const total = window.offset > 0 ? sql`(SELECT count(*) FROM ${query.from} ${where})` : sql`coalesce(p.total, 0)`;
  const extraNames = Object.keys(query.extras ?? {});
  const extras = extraNames.map((name) => sql`, (${query.extras![name]!}) AS ${sql.identifier(name)}`);
  const result = await db.execute<Record<string, unknown> & { item: string | null; total: string | number }>(sql`
    SELECT p.item, ${total} AS total${sql.join(extras)}
    FROM (SELECT 1) AS one LEFT JOIN LATERAL (
      SELECT row_to_json(i)::text AS item, row_number() OVER (ORDER BY ${order}) AS n, count(*) OVER () AS total
      FROM ${query.from} CROSS JOIN LATERAL (SELECT ${query.item}) i
      ${where}
      ORDER BY ${order}
      LIMIT ${window.limit} OFFSET ${window.offset}
    ) p ON true
    ORDER BY p.n`);
  const rows = result.rows;
  const first = rows[0]!;
  const items = first.item === null ? '' : rows.map((row) => row.item).join(',');
  const extraValues = Object.fromEntries(extraNames.map((name) => [name, first[name]]));
  return { json: `[${items}]`, pagination: paginationOf(window, Number(first.total)), extras: extraValues as never };
}
