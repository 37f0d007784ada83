/**
 * Currency conversion, exact (SPEC-WAVE2 §12.2). USD is canonical; a payment's amount in another currency is
 *
 *   currency_amount_minor = ROUND(amount_usd × rate_per_usd × 10^decimals / increment) × increment
 *
 * with ROUND half-up (amounts are ≥ 0, so half away from zero is half-up). Computed here with scaled
 * integers (bigint: cents × micro-units of the rate) and in SQL by `convertMinorSql` with numeric's exact
 * multiplication and integer `div`: floor((2x + inc) / (2·inc)) = ROUND(x / inc) for x ≥ 0, with no
 * inexact division anywhere. Never JS floating point. test/api/economy/currency-conversion.test.ts
 * checks that both give the same minor amount at the rounding boundaries.
 */
import { sql, type SQL } from 'drizzle-orm';

/** The largest minor amount a payment can record (bigint). */
export const MAX_MINOR = 9_223_372_036_854_775_807n;

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** A non-negative decimal text (e.g. numeric from the driver) → integer × 10^scale. Throws past `scale` decimals. */
export function toScaled(text: string, scale: number): bigint {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new Error(`not a non-negative decimal: ${text}`);
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > scale) throw new Error(`more than ${scale} decimals: ${text}`);
  return BigInt(m[1]!) * 10n ** BigInt(scale) + BigInt(fraction.padEnd(scale, '0') || '0');
}

/** The minor amount of `amountUsd` (numeric(12,2) text) at `rate` (numeric(20,6) text). */
export function convertMinor(amountUsd: string, rate: string, decimals: number, increment: number): bigint {
  const cents = toScaled(amountUsd, 2);
  const micro = toScaled(rate, 6);
  const inc = BigInt(increment);
  // x = cents·micro·10^decimals / 10^8, in minor units; half-up to a multiple of inc.
  const numerator = cents * micro * 10n ** BigInt(decimals);
  const denominator = 100_000_000n * inc;
  return ((2n * numerator + denominator) / (2n * denominator)) * inc;
}

/** The same formula in SQL (numeric), over column or parameter expressions. */
export function convertMinorSql(amountUsd: SQL, rate: SQL, decimals: SQL, increment: SQL): SQL {
  return sql`(div(2 * (${amountUsd}) * (${rate}) * power(10::numeric, (${decimals})::numeric) + (${increment}), 2 * (${increment})) * (${increment}))`;
}

/** minor units → exact decimal text with `decimals` places ("1234", 2 → "12.34"). */
export function minorToText(minor: bigint | string, decimals: number): string {
  const value = typeof minor === 'bigint' ? minor : BigInt(minor);
  if (decimals === 0) return value.toString();
  const digits = value.toString().padStart(decimals + 1, '0');
  return `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

/** minor units → the API's JSON number (the double nearest the exact decimal; it prints as that decimal). */
export const minorToAmount = (minor: bigint | string, decimals: number) => Number(minorToText(minor, decimals));

/** A rate as the API returns it: a JSON number (numeric text → the double that prints as it). */
export const rateNumber = (rate: string) => Number(rate);

/**
 * Parses a rate given as a JSON number or decimal string (§12.2): at most 6 decimals, at most 15 significant
 * digits, > 0 and ≤ 10^12. Returns the canonical decimal text, or null when refused.
 */
export function parseRate(input: unknown): string | null {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return null;
    text = String(input); // shortest round-trip text: what the client wrote, unless it used an exponent
  } else if (typeof input === 'string') text = input.trim();
  else return null;
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const integer = m[1]!.replace(/^0+(?=\d)/, '');
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > 6) return null;
  const significant = `${integer}${fraction}`.replace(/^0+/, '');
  if (significant.length === 0 || significant.length > 15) return null;
  const canonical = fraction ? `${integer}.${fraction}` : integer;
  if (toScaled(canonical, 6) > 10n ** 18n) return null; // > 10^12
  return canonical;
}
