/**
 * USD amounts (SPEC §10 "Money"): numeric(12,2) in the database (strings through drizzle), JSON
 * numbers in the API, at most two decimals on input. Arithmetic on money happens in SQL (numeric),
 * never on JS floats: see services/pricing.ts.
 */
import * as z from 'zod';
import { named } from './registry.js';

const MAX_USD = 1_000_000;

/** A JSON number with at most two decimals, > 0 (or ≥ 0 with `allowZero`). */
export function usdInput(options: { allowZero?: boolean } = {}) {
  const base = z.number().max(MAX_USD);
  return (options.allowZero ? base.min(0) : base.positive()).refine(
    (v) => Math.abs(Math.round(v * 100) - v * 100) < 1e-6,
    'at most two decimals',
  );
}

/** Input number → the exact decimal text stored in numeric(12,2). */
export const toNumeric = (amount: number) => amount.toFixed(2);

/** numeric text (or null) from the database → JSON number (or null). */
export function usd(value: string | number | null): number;
export function usd(value: string | number | null | undefined): number | null;
export function usd(value: string | number | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export const UsdAmount = named('UsdAmount', z.number().describe('US dollars, two decimals'));
