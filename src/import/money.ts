/**
 * Upstream stored money as float8. A float is converted through its shortest round-trip decimal text
 * (`String(x)`, what PostgreSQL's float8 output gives too: 2.675 → "2.675"), then rounded half-up to
 * cents in decimal arithmetic (2.675 → 2.68; 37.824999999999996 → 37.82). Never `Math.round(x * 100)`,
 * which turns 1.005 into 100 cents.
 */

/** Integer cents (as bigint) of a finite float, rounded half-up (away from zero) at the third decimal. */
export function floatToCents(value: number): bigint {
  if (!Number.isFinite(value)) throw new RangeError('money must be finite');
  return decimalToScaled(String(value), 2);
}

/** round_half_up(value × 10^scale) from a decimal string (`-1.5e-7` forms included). */
export function decimalToScaled(text: string, scale: number): bigint {
  const match = /^(-)?(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(text.trim());
  if (!match) throw new RangeError(`not a decimal: ${text}`);
  const negative = match[1] === '-';
  let digits = (match[2] ?? '') + (match[3] ?? '');
  // position of the decimal point from the left of `digits`
  let point = (match[2] ?? '').length + Number(match[4] ?? 0);
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (digits.length < point + scale + 1) digits = digits.padEnd(point + scale + 1, '0');
  const kept = BigInt(digits.slice(0, point + scale) || '0');
  const next = Number(digits[point + scale]);
  const magnitude = next >= 5 ? kept + 1n : kept;
  return negative && magnitude !== 0n ? -magnitude : magnitude;
}

/** Cents → the `numeric(12,2)` text drizzle writes ("12.30"). */
export function centsToText(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const whole = abs / 100n;
  const frac = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

/** numeric(12,2) holds at most 9 999 999 999.99. */
export const MAX_CENTS = 999_999_999_999n;

/** A source float rate → `numeric(20,6)` text rounded half-up (§16.3 `round(exchange_rate, 6)`), or null unless 0 < rate ≤ 10^12. */
export function floatToRate(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) return null;
  const micro = decimalToScaled(String(n), 6);
  if (micro <= 0n || micro > 10n ** 18n) return null;
  return `${micro / 1_000_000n}.${(micro % 1_000_000n).toString().padStart(6, '0')}`;
}
