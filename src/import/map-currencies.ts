/**
 * Import mapping: currencies (§16.3 "Currencies", §12.1), written before packages, methods and payments, and
 * the currency columns of each imported payment (§16.3 "Payments: Currency").
 */
import { sql } from 'drizzle-orm';
import { convertMinor, MAX_MINOR } from '../services/currency-math.js';
import { centsToText, decimalToScaled, floatToRate } from './money.js';
import { targetIdOf, unit, uuidv5, type Unit } from './plan.js';
import type { SourceRow } from './upstream.js';
import { bool, byCreated, cut, int, str, ts, type Ctx } from './context.js';

const CODE = /^[A-Z]{3}$/;
const codeOf = (v: unknown) => (str(v) ?? '').trim().toUpperCase();
const label = (v: string | null, max: number) => cut(v?.trim() || null, max);

export function mapCurrencies(c: Ctx): void {
  const { source, target, options, importTime, totals, problem, skip, begin, push, newStep, currencies: known } = c;
  const step = newStep('currencies');
  const decimalsOf = (code: string) => options.currencyDecimals?.[code] ?? 2;

  // Pass 1: which rows are valid, and which one is the single active default (else the target's USD stays).
  const valid: { row: SourceRow; sid: string; code: string; rate: string }[] = [];
  const seen = new Set<string>();
  for (const row of [...source.currencies].sort(byCreated)) {
    const sid = String(row.id);
    const code = codeOf(row.code);
    if (!CODE.test(code)) {
      skip('currencies', sid, 'invalid_code', { detail: code.slice(0, 20) });
      continue;
    }
    if (seen.has(code)) {
      skip('currencies', sid, 'case_collision', { detail: code });
      continue;
    }
    // Source USD maps to the target's USD whatever its rate (USD's rate is fixed at 1).
    const rate = code === 'USD' ? '1.000000' : floatToRate(row.exchange_rate);
    if (rate === null) {
      skip('currencies', sid, 'invalid_rate', { detail: code });
      continue;
    }
    seen.add(code);
    valid.push({ row, sid, code, rate });
  }
  const defaults = valid.filter((v) => bool(v.row.is_default, false) && bool(v.row.is_active, true) && (target.currencies.get(v.code)?.isActive ?? true));
  const chosen = defaults.length === 1 ? defaults[0]! : null;
  if (defaults.length !== 1 && valid.length > 0) {
    problem({ table: 'currencies', source_id: defaults.map((d) => d.sid).join(','), reason: defaults.length ? 'several_defaults' : 'no_active_default', detail: defaults.map((d) => d.code).join(', ') || undefined });
  }
  totals.currency_default = chosen ? chosen.code : 'unchanged';

  // Pass 2: natural key (code) → the target's row; others inserted. The default moves in one statement (§0.1).
  for (const { row, sid, code, rate } of valid) {
    const existing = target.currencies.get(code);
    const id = existing?.id ?? targetIdOf('currencies', sid);
    if (!existing) known.set(code, { decimals: decimalsOf(code), rate, increment: 1 });
    const u = begin('currencies', sid, 'currencies', id);
    if (!u) continue;
    if (!existing) {
      const createdAt = ts(row.created_at) ?? importTime;
      u.before.push(
        insertCurrency({
          id, code, name: label(str(row.name), 100) ?? code, nameAr: label(str(row.name_ar), 100), symbol: label(str(row.symbol), 10) ?? code,
          decimals: decimalsOf(code), rate, rateUpdatedAt: ts(row.updated_at) ?? createdAt, isActive: bool(row.is_active, true),
          sortOrder: int(row.sort_order) ?? 0, createdAt,
        }),
      );
    } else if (code !== 'USD') {
      problem({ table: 'currencies', source_id: sid, reason: 'mapped_to_existing_currency', detail: code });
    }
    if (chosen?.sid === sid) {
      u.after.push(sql`
        UPDATE currencies SET is_default = (code = ${code}), updated_at = now()
        WHERE (is_default OR code = ${code}) AND EXISTS (SELECT 1 FROM currencies d WHERE d.code = ${code} AND d.is_active)`);
    }
    push(step, u, existing ? 'mapped_existing' : 'inserted');
  }

  // Codes payments use that no imported or existing currency has: an inactive currency at the latest payment's rate.
  // No source row of `currencies` is behind them: listed in totals.currencies_created_from_payments, not counted as inserted rows.
  const latest = new Map<string, { rate: string | null; sid: string }>();
  for (const p of [...source.payments].sort(byCreated)) {
    if (p.currency_code === null) continue;
    const code = codeOf(p.currency_code);
    if (!CODE.test(code) || known.has(code)) continue;
    const rate = floatToRate(p.exchange_rate);
    if (rate !== null || !latest.has(code)) latest.set(code, { rate: rate ?? latest.get(code)?.rate ?? null, sid: String(p.id) });
  }
  const created: string[] = [];
  for (const [code, { rate, sid }] of latest) {
    if (rate === null) {
      problem({ table: 'currencies', source_id: sid, reason: 'payment_currency_without_rate', detail: code });
      continue;
    }
    known.set(code, { decimals: decimalsOf(code), rate, increment: 1 });
    const u = unit();
    u.before.push(
      insertCurrency({
        id: uuidv5(`synthetic:currencies:${code}`), code, name: code, nameAr: null, symbol: code, decimals: decimalsOf(code), rate,
        rateUpdatedAt: importTime, isActive: false, sortOrder: 1000, createdAt: importTime,
      }),
    );
    problem({ table: 'currencies', source_id: sid, reason: 'created_from_payments', detail: `${code} at ${rate}` });
    created.push(code);
    push(step, u, 'none');
  }
  totals.currencies_created_from_payments = created;
}

interface NewCurrency {
  id: string;
  code: string;
  name: string;
  nameAr: string | null;
  symbol: string;
  decimals: number;
  rate: string;
  rateUpdatedAt: Date;
  isActive: boolean;
  sortOrder: number;
  createdAt: Date;
}

/**
 * A new currency, never the default (the default moves in its own statement). `currencies_one_default` is a
 * deferrable exclusion constraint, which `ON CONFLICT` cannot use as an arbiter, so the insert is guarded by
 * NOT EXISTS on its id and code instead: the same "insert unless present" as every other import insert.
 */
function insertCurrency(v: NewCurrency) {
  return sql`
    INSERT INTO currencies (id, code, name, name_ar, symbol, decimals, rate_per_usd, rounding_increment_minor, rate_updated_at, is_active, is_default, sort_order, created_at, updated_at)
    SELECT ${v.id}::uuid, ${v.code}, ${v.name}, ${v.nameAr}, ${v.symbol}, ${v.decimals}, ${v.rate}::numeric, 1, ${v.rateUpdatedAt.toISOString()}::timestamptz, ${v.isActive}, false,
           ${v.sortOrder}, ${v.createdAt.toISOString()}::timestamptz, ${v.rateUpdatedAt.toISOString()}::timestamptz
    WHERE NOT EXISTS (SELECT 1 FROM currencies c WHERE c.id = ${v.id}::uuid OR c.code = ${v.code})`;
}

/**
 * The §12.1 currency columns of an imported payment. NULL or USD → USD at rate 1. Another code with a known
 * currency → that currency: the payment's own rate (else the currency's), `currency_amount` in minor units
 * half-up (else the §12.2 formula), flagged when it is more than one rounding step from amount × rate. A code
 * with no currency (invalid, or no usable rate anywhere) → USD, with the upstream figures archived.
 */
export function paymentCurrency(c: Ctx, u: Unit, row: SourceRow, sid: string, amountCents: bigint) {
  const usd = { currencyCode: 'USD', exchangeRate: '1', currencyDecimals: 2, currencyAmountMinor: amountCents };
  if (row.currency_code === null) return usd;
  const code = codeOf(row.currency_code);
  if (code === 'USD') return usd;
  const info = c.currencies.get(code);
  const detail = { currency_code: str(row.currency_code), currency_amount: row.currency_amount, exchange_rate: row.exchange_rate, amount_usd: row.amount_usd };
  const fallback = (reason: string) => {
    c.problem({ table: 'payments', source_id: sid, reason, detail: code.slice(0, 20) });
    c.archiveRow(u, 'payments', sid, 'currency_detail', detail);
    return usd;
  };
  if (!info) return fallback('currency_unknown');
  const own = floatToRate(row.exchange_rate);
  const rate = own ?? info.rate;
  if (own === null) c.problem({ table: 'payments', source_id: sid, reason: 'exchange_rate_from_currency', detail: code });
  const expected = convertMinor(centsToText(amountCents), rate, info.decimals, info.increment);
  const local = row.currency_amount === null ? null : Number(row.currency_amount);
  let minor = expected;
  if (local !== null) {
    if (!Number.isFinite(local) || local < 0) return fallback('currency_amount_invalid');
    minor = decimalToScaled(String(local), info.decimals);
    const gap = minor > expected ? minor - expected : expected - minor;
    // Upstream stored client-sent figures unchecked: flag an amount more than one rounding step from amount × rate.
    if (gap > BigInt(info.increment)) c.problem({ table: 'payments', source_id: sid, reason: 'currency_amount_mismatch', detail: code });
  }
  if (minor > MAX_MINOR || expected > MAX_MINOR) return fallback('currency_amount_out_of_range');
  return { currencyCode: code, exchangeRate: rate, currencyDecimals: info.decimals, currencyAmountMinor: minor };
}
