/** Currencies (SPEC-WAVE2 §12): request bodies, the response shape and its serializer. */
import * as z from 'zod';
import type { currencies } from '../db/schema.js';
import { minorToAmount, parseRate, rateNumber } from '../services/currency-math.js';
import { isoDate, text, toIso } from './common.js';

export const currencyCode = z
  .string()
  .trim()
  .transform((v) => v.toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{3}$/, 'three letters (ISO 4217)'));

/** §12.2: a JSON number or decimal string, ≤ 6 decimals, ≤ 15 significant digits, > 0 and ≤ 10^12 → canonical text. */
export const rateInput = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const parsed = parseRate(value);
    if (parsed === null) {
      ctx.addIssue({ code: 'custom', message: 'a rate > 0 and ≤ 10^12 with at most 6 decimals and 15 significant digits' });
      return z.NEVER;
    }
    return parsed;
  })
  .describe('Units of this currency per 1 USD: a JSON number or decimal string, ≤ 6 decimals, ≤ 15 significant digits');

const sortOrder = z.number().int().min(-1_000_000).max(1_000_000);

const currencyFields = {
  code: currencyCode,
  name: text(100),
  name_ar: text(100).nullable(),
  symbol: text(10),
  decimals: z.number().int().min(0).max(4),
  rate_per_usd: rateInput,
  rounding_increment_minor: z.number().int().min(1).max(1_000_000).describe('Cash rounding step in minor units'),
  rate_max_age_hours: z.number().int().min(1).max(8760).nullable().describe('Quotes and payments are refused while the rate is older'),
  is_active: z.boolean(),
  is_default: z.boolean(),
  sort_order: sortOrder,
};

export const CreateCurrencyBody = z.strictObject({
  ...currencyFields,
  name_ar: currencyFields.name_ar.optional(),
  rounding_increment_minor: currencyFields.rounding_increment_minor.default(1),
  rate_max_age_hours: currencyFields.rate_max_age_hours.optional(),
  is_active: z.boolean().default(true),
  is_default: z.boolean().default(false),
  sort_order: sortOrder.default(0),
});

export const UpdateCurrencyBody = z
  .strictObject(currencyFields)
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required');

export const CurrencySchema = z.object({
  id: z.uuid(),
  code: z.string(),
  name: z.string(),
  name_ar: z.string().nullable(),
  symbol: z.string(),
  decimals: z.number().int(),
  rate_per_usd: z.number().describe('Units of this currency per 1 USD (exact to 6 decimals)'),
  rounding_increment_minor: z.number().int(),
  rate_max_age_hours: z.number().int().nullable(),
  rate_updated_at: isoDate,
  rate_updated_by: z.uuid().nullable(),
  is_active: z.boolean(),
  is_default: z.boolean(),
  sort_order: z.number().int(),
  created_at: isoDate,
  updated_at: isoDate,
});
export type CurrencyDto = z.infer<typeof CurrencySchema>;

type CurrencyRow = typeof currencies.$inferSelect;

export function serializeCurrency(row: CurrencyRow): CurrencyDto & { rate_text: string } {
  const dto: CurrencyDto = {
    id: row.id,
    code: row.code,
    name: row.name,
    name_ar: row.nameAr,
    symbol: row.symbol,
    decimals: row.decimals,
    rate_per_usd: rateNumber(row.ratePerUsd),
    rounding_increment_minor: row.roundingIncrementMinor,
    rate_max_age_hours: row.rateMaxAgeHours,
    rate_updated_at: toIso(row.rateUpdatedAt)!,
    rate_updated_by: row.rateUpdatedBy,
    is_active: row.isActive,
    is_default: row.isDefault,
    sort_order: row.sortOrder,
    created_at: toIso(row.createdAt)!,
    updated_at: toIso(row.updatedAt)!,
  };
  // The exact rate text travels with the cached copy (non-enumerable: never serialised to clients).
  Object.defineProperty(dto, 'rate_text', { value: row.ratePerUsd, enumerable: false });
  return dto as CurrencyDto & { rate_text: string };
}

/** The currency block of a quote and of `price_in_currency`. */
export const PriceInCurrencySchema = z.object({
  code: z.string(),
  symbol: z.string(),
  decimals: z.number().int(),
  rate_per_usd: z.number(),
  amount: z.number().describe('amount_minor / 10^decimals'),
  amount_minor: z.number().int().describe('Authoritative: the amount in minor units'),
});

export const QuoteCurrencySchema = PriceInCurrencySchema.extend({ rate_updated_at: isoDate });

export const QuoteSchema = z.object({
  credits: z.number().int(),
  list_price_usd: z.number(),
  discount_usd: z.number(),
  amount_usd: z.number(),
  currency: QuoteCurrencySchema,
});

export const currencyAmount = (minor: bigint | string, decimals: number) => ({
  amount: minorToAmount(minor, decimals),
  amount_minor: Number(minor),
});
