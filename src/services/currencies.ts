/**
 * Currencies (SPEC-WAVE2 §12): the priced quote every payment and `POST /payments/quote` is made from, and
 * the administration of the table.
 *
 * - `pricedQuoteSql` wraps the USD quote of services/pricing.ts: it converts the FINAL `amount_usd` (after
 *   the discount) once, in numeric, with the currency row as it is in that statement — so a payment records
 *   the very rate (and its `rate_updated_at`) its amount was computed with, and the credits never depend on
 *   the rate at all (they come from the package).
 * - One default currency: `SET is_default = (id = $1)` over every row, in one statement; a DEFERRABLE
 *   exclusion constraint (migration 0004) backs it, so concurrent moves serialise on the row locks and the
 *   last one wins.
 */
import { asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import type * as z from 'zod';
import type { Database } from '../db/client.js';
import { isCheckViolation, isForeignKeyViolation, isUniqueViolation, pgErrorOf } from '../db/errors.js';
import { currencies } from '../db/schema.js';
import { AppError, fieldError, notFound } from '../errors.js';
import { invalidateCatalog } from '../http/catalog-cache.js';
import { serializeCurrency, type CreateCurrencyBody, type CurrencyDto, type UpdateCurrencyBody } from '../schemas/currency.js';
import { toIso } from '../schemas/common.js';
import type { AppEnv } from '../types.js';
import { audit } from './audit.js';
import { auditRowChange } from './conditional-log.js';
import { convertMinorSql, minorToAmount, rateNumber } from './currency-math.js';
import type { QuoteRow } from './pricing.js';

const ENTITY = 'currency';

// ─── quotes ───────────────────────────────────────────────────────────────────────────────────────

export interface PricedQuoteRow extends QuoteRow {
  currency_code: string | null;
  currency_symbol: string | null;
  currency_decimals: number | null;
  exchange_rate: string | null;
  rate_quoted_at: string | null;
  currency_available: boolean;
  rate_stale: boolean;
  currency_amount_minor: string | null;
  amount_fits: boolean;
  /** null when no `expected_amount` was sent. */
  expected_matches: boolean | null;
}

/**
 * The USD quote plus its conversion into `currencyCode`, as ONE query yielding one row. `expectedAmount` is
 * the client's displayed amount as exact decimal text (compared in numeric, never as a float).
 */
export function pricedQuoteSql(quote: SQL, currencyCode: string, expectedAmount: string | null): SQL {
  const minor = convertMinorSql(sql`q.amount_usd`, sql`c.rate_per_usd`, sql`c.decimals`, sql`c.rounding_increment_minor`);
  return sql`
    SELECT q.*,
      c.code AS currency_code, c.symbol AS currency_symbol, c.decimals AS currency_decimals,
      c.rate_per_usd AS exchange_rate, c.rate_updated_at AS rate_quoted_at,
      COALESCE(c.is_active, false) AS currency_available,
      COALESCE(c.code <> 'USD' AND c.rate_max_age_hours IS NOT NULL
               AND c.rate_updated_at < now() - make_interval(hours => c.rate_max_age_hours), false) AS rate_stale,
      m.minor AS currency_amount_minor,
      COALESCE(m.minor <= 9223372036854775807, false) AS amount_fits,
      CASE WHEN ${expectedAmount}::numeric IS NULL OR m.minor IS NULL THEN NULL
           ELSE ${expectedAmount}::numeric * power(10::numeric, c.decimals::numeric) = m.minor END AS expected_matches
    FROM (${quote}) q
    LEFT JOIN currencies c ON c.code = ${currencyCode}
    LEFT JOIN LATERAL (SELECT CASE WHEN q.amount_usd IS NOT NULL AND c.id IS NOT NULL THEN ${minor} END AS minor) m ON true`;
}

/** The `POST /payments/quote` answer (and `details.quote` of a price_changed refusal). */
export function quoteDto(row: PricedQuoteRow) {
  const decimals = Number(row.currency_decimals);
  return {
    credits: Number(row.credits),
    list_price_usd: Number(row.list_price_usd),
    discount_usd: Number(row.discount_usd),
    amount_usd: Number(row.amount_usd),
    currency: {
      code: row.currency_code!,
      symbol: row.currency_symbol!,
      decimals,
      rate_per_usd: rateNumber(row.exchange_rate!),
      rate_updated_at: toIso(row.rate_quoted_at)!,
      amount: minorToAmount(row.currency_amount_minor!, decimals),
      amount_minor: Number(row.currency_amount_minor),
    },
  };
}

export type CurrencyRefusal = 'unknown' | 'too_large';

/** Why a priced quote cannot become a payment, beyond the USD quote's own reasons (checked first by the caller). */
export function currencyProblem(row: PricedQuoteRow): AppError | undefined {
  if (!row.currency_available) return fieldError('currency_code', 'unavailable', 'currency.unavailable');
  if (row.amount_usd !== null && !row.amount_fits) return fieldError('currency_code', 'too_large', 'currency.amount_too_large');
  if (row.rate_stale) {
    return new AppError('INVALID_STATE', { message: 'currency.rate_stale', details: { reason: 'rate_stale', field: 'currency_code' } });
  }
  if (row.expected_matches === false) {
    return fieldError('expected_amount', 'price_changed', 'currency.price_changed', { reason: 'price_changed', quote: quoteDto(row) });
  }
  return undefined;
}

// ─── catalog reads ────────────────────────────────────────────────────────────────────────────────

export async function loadAllCurrencies(db: Database) {
  const rows = await db.select().from(currencies).orderBy(asc(currencies.sortOrder), asc(currencies.code));
  return rows.map(serializeCurrency);
}

// ─── administration ───────────────────────────────────────────────────────────────────────────────

type CreateInput = z.infer<typeof CreateCurrencyBody>;
type UpdateInput = z.infer<typeof UpdateCurrencyBody>;

const CHECK_FIELDS: Record<string, string> = {
  currencies_default_active: 'is_default',
  currencies_usd_fixed: 'code',
  currencies_code_format: 'code',
  currencies_rate_range: 'rate_per_usd',
};

function mapWriteError(error: unknown): never {
  if (isUniqueViolation(error, 'currencies_code_unique')) {
    throw new AppError('CONFLICT', { message: 'currency.code_taken', details: { field: 'code' } });
  }
  if (isForeignKeyViolation(error)) {
    throw new AppError('CONFLICT', { message: 'currency.code_in_use', details: { field: 'code' } });
  }
  if (pgErrorOf(error)?.code === '23P01') {
    // Two creations marked default at once (the move is one statement and cannot collide): the later loses.
    throw new AppError('CONFLICT', { message: 'currency.default_conflict', details: { field: 'is_default' } });
  }
  const field = isCheckViolation(error) ? CHECK_FIELDS[pgErrorOf(error)?.constraint ?? ''] : undefined;
  if (field) throw fieldError(field, 'invalid', 'currency.invalid_change');
  throw error;
}

function columnValues(input: UpdateInput) {
  return {
    ...(input.code !== undefined ? { code: input.code } : {}),
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.name_ar !== undefined ? { nameAr: input.name_ar } : {}),
    ...(input.symbol !== undefined ? { symbol: input.symbol } : {}),
    ...(input.decimals !== undefined ? { decimals: input.decimals } : {}),
    ...(input.rounding_increment_minor !== undefined ? { roundingIncrementMinor: input.rounding_increment_minor } : {}),
    ...(input.rate_max_age_hours !== undefined ? { rateMaxAgeHours: input.rate_max_age_hours } : {}),
    ...(input.is_active !== undefined ? { isActive: input.is_active } : {}),
    ...(input.sort_order !== undefined ? { sortOrder: input.sort_order } : {}),
  };
}

/**
 * Locks every currency row in id order. Taken first by any batch that moves the default: the move updates every
 * row, so two moves locking rows in different orders would deadlock; one global order makes them queue.
 */
const lockAllCurrencies = (db: Database) => db.execute(sql`SELECT id FROM currencies ORDER BY id FOR UPDATE`);

/** Moves the default flag to `id` in one statement (every row: see the header). */
const moveDefault = (db: Database, id: string) =>
  db.execute(sql`UPDATE currencies SET is_default = (id = ${id}), updated_at = CASE WHEN is_default <> (id = ${id}) THEN now() ELSE updated_at END`);

export async function createCurrency(c: Context<AppEnv>, input: CreateInput): Promise<CurrencyDto> {
  const { db, user } = c.var;
  const id = crypto.randomUUID();
  try {
    const results = await db.batch([
      input.is_default ? lockAllCurrencies(db) : db.execute(sql`SELECT 1`),
      db
        .insert(currencies)
        .values({
          ...columnValues(input),
          id,
          code: input.code,
          name: input.name,
          symbol: input.symbol,
          decimals: input.decimals,
          ratePerUsd: input.rate_per_usd,
          rateUpdatedBy: user.id,
          isDefault: false,
        })
        .returning(),
      ...(input.is_default ? [moveDefault(db, id)] : []),
      audit(db, c, { action: `${ENTITY}.create`, entityType: ENTITY, entityId: id, after: input }),
    ]);
    invalidateCatalog(c, 'currencies');
    const inserted = results[1] as (typeof currencies.$inferSelect)[];
    return serializeCurrency({ ...inserted[0]!, isDefault: input.is_default });
  } catch (error) {
    mapWriteError(error);
  }
}

const USD_FIXED: Record<string, (row: typeof currencies.$inferSelect, input: UpdateInput) => boolean> = {
  code: (_r, i) => i.code !== undefined && i.code !== 'USD',
  rate_per_usd: (r, i) => i.rate_per_usd !== undefined && Number(i.rate_per_usd) !== 1,
  decimals: (_r, i) => i.decimals !== undefined && i.decimals !== 2,
  rounding_increment_minor: (_r, i) => i.rounding_increment_minor !== undefined && i.rounding_increment_minor !== 1,
  is_active: (_r, i) => i.is_active === false,
};

export async function updateCurrency(c: Context<AppEnv>, id: string, input: UpdateInput): Promise<CurrencyDto> {
  const { db, user } = c.var;
  const [current] = await db.select().from(currencies).where(eq(currencies.id, id)).limit(1);
  if (!current) throw notFound('currency.not_found');
  if (current.code === 'USD') {
    const fixed = Object.keys(USD_FIXED).find((field) => USD_FIXED[field]!(current, input));
    if (fixed) throw fieldError(fixed, 'immutable', 'currency.usd_immutable');
  }
  if (input.is_default === false && current.isDefault) throw fieldError('is_default', 'default_required', 'currency.default_required');
  if (input.is_active === false && current.isDefault && input.is_default !== false) {
    throw fieldError('is_active', 'default_inactive', 'currency.default_inactive');
  }
  const where = eq(currencies.id, id);
  const rate = input.rate_per_usd;
  const auditAfter: Record<string, unknown> = { ...input, ...(rate !== undefined ? { rate_per_usd: Number(rate) } : {}) };
  try {
    const results = await db.batch([
      input.is_default === true ? lockAllCurrencies(db) : db.select({ id: currencies.id }).from(currencies).where(where).for('update'),
      auditRowChange(db, c, { table: currencies, where, action: `${ENTITY}.update`, entityType: ENTITY, entityId: id, after: auditAfter }),
      db
        .update(currencies)
        .set({
          ...columnValues(input),
          ...(rate !== undefined
            ? {
                ratePerUsd: rate,
                rateUpdatedAt: sql`CASE WHEN ${currencies.ratePerUsd} <> ${rate}::numeric THEN now() ELSE ${currencies.rateUpdatedAt} END`,
                rateUpdatedBy: sql`CASE WHEN ${currencies.ratePerUsd} <> ${rate}::numeric THEN ${user.id}::uuid ELSE ${currencies.rateUpdatedBy} END`,
              }
            : {}),
          updatedAt: sql`now()`,
        })
        .where(where)
        .returning(),
      ...(input.is_default === true ? [moveDefault(db, id)] : []),
      db.select().from(currencies).where(where),
    ]);
    const row = (results[results.length - 1] as (typeof currencies.$inferSelect)[])[0];
    if (!row) throw notFound('currency.not_found');
    invalidateCatalog(c, 'currencies');
    return serializeCurrency(row);
  } catch (error) {
    if (error instanceof AppError) throw error;
    mapWriteError(error);
  }
}

/** Unused → deleted; used by payments → deactivated. USD and the default → 409. */
export async function deleteCurrency(c: Context<AppEnv>, id: string) {
  const { db } = c.var;
  const where = eq(currencies.id, id);
  const protectedRow = sql`(${currencies.code} = 'USD' OR ${currencies.isDefault})`;
  const used = sql`EXISTS (SELECT 1 FROM payments p WHERE p.currency_code = ${currencies.code})`;
  const [locked, , removed, , deactivated] = await db.batch([
    db.select({ id: currencies.id, code: currencies.code, isDefault: currencies.isDefault }).from(currencies).where(where).for('update'),
    auditRowChange(db, c, {
      table: currencies,
      where: sql`${where} AND NOT ${protectedRow} AND NOT ${used}`,
      action: `${ENTITY}.delete`,
      entityType: ENTITY,
      entityId: id,
      fields: ['code', 'name', 'symbol', 'decimals', 'rate_per_usd', 'is_active'],
    }),
    db.delete(currencies).where(sql`${where} AND NOT ${protectedRow} AND NOT ${used}`).returning({ id: currencies.id }),
    auditRowChange(db, c, {
      table: currencies,
      where: sql`${where} AND NOT ${protectedRow} AND ${used}`,
      action: `${ENTITY}.deactivate`,
      entityType: ENTITY,
      entityId: id,
      after: { is_active: false },
    }),
    db
      .update(currencies)
      .set({ isActive: false, updatedAt: sql`now()` })
      .where(sql`${where} AND NOT ${protectedRow} AND ${used}`)
      .returning({ id: currencies.id }),
  ]);
  const row = locked[0];
  if (!row) throw notFound('currency.not_found');
  if (row.code === 'USD' || row.isDefault) {
    throw new AppError('CONFLICT', {
      message: row.code === 'USD' ? 'currency.usd_protected' : 'currency.default_protected',
      details: { reason: row.code === 'USD' ? 'usd' : 'default' },
    });
  }
  invalidateCatalog(c, 'currencies');
  return { id, deactivated: removed.length === 0 && deactivated.length > 0 };
}
