/**
 * `GET /credit-packages?currency=XXX` (SPEC-WAVE2 §12.3): each package with `price_in_currency`, computed with
 * the exact bigint conversion of currency-math.ts from the cached catalog and the cached currency row, so the
 * priced list is cached per currency too (memoized per cached package list and currency row: a change to
 * either starts afresh, and the ETag memo of http/catalog-cache.ts keys on the derived array).
 */
import type { Context } from 'hono';
import { cachedCatalog } from '../http/catalog-cache.js';
import { fieldError } from '../errors.js';
import type { CurrencyDto } from '../schemas/currency.js';
import { toNumeric } from '../schemas/money.js';
import type { AppEnv } from '../types.js';
import { loadAllCurrencies } from './currencies.js';
import { convertMinor, minorToAmount, rateNumber } from './currency-math.js';

type Priced<T> = T & { price_in_currency: ReturnType<typeof priceIn> };

function priceIn(priceUsd: number, currency: CurrencyDto & { rate_text?: string }) {
  const rate = currency.rate_text ?? String(currency.rate_per_usd);
  const minor = convertMinor(toNumeric(priceUsd), rate, currency.decimals, currency.rounding_increment_minor);
  return {
    code: currency.code,
    symbol: currency.symbol,
    decimals: currency.decimals,
    amount: minorToAmount(minor, currency.decimals),
    amount_minor: Number(minor),
    rate_per_usd: rateNumber(rate),
  };
}

/** The active currency with this code (from the cached catalog), or a 400 naming `currency`. */
export async function activeCurrency(c: Context<AppEnv>, code: string): Promise<CurrencyDto> {
  const active = await cachedCatalog(c, 'currencies', async () => (await loadAllCurrencies(c.var.db)).filter((row) => row.is_active));
  const currency = active.find((row) => row.code === code);
  if (!currency) throw fieldError('currency', 'unavailable', 'currency.unavailable');
  return currency;
}

const memo = new WeakMap<object, WeakMap<object, unknown[]>>();

export function pricedIn<T extends { price_usd: number }>(currency: CurrencyDto) {
  return {
    key: `currency ${currency.code}`,
    apply(rows: T[]): Priced<T>[] {
      let byCurrency = memo.get(rows);
      if (!byCurrency) memo.set(rows, (byCurrency = new WeakMap()));
      let priced = byCurrency.get(currency) as Priced<T>[] | undefined;
      if (!priced) {
        priced = rows.map((row) => ({ ...row, price_in_currency: priceIn(row.price_usd, currency) }));
        byCurrency.set(currency, priced);
      }
      return priced;
    },
  };
}
