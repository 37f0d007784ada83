/** Discount codes (SPEC §4, §10): admin bodies, the validate call, response shapes. */
import * as z from 'zod';
import { isoText, jsNumber, jsonItem, listItem } from '../db/pagination.js';
import { discountCodes, REDEMPTION_STATUSES } from '../db/schema.js';
import { listQuery } from '../http/pagination.js';
import { isoDate, text, toIso } from './common.js';
import { toNumeric, usd, usdInput, UsdAmount } from './money.js';
import { discountCodeInput } from './payment.js';
import { queryBoolean } from './query-boolean.js';
import { named } from './registry.js';

const fields = {
  code: discountCodeInput.transform((v) => v.toUpperCase()).describe('Stored upper-case; unique case-insensitively'),
  discount_percent: z.number().int().min(1).max(100).nullable(),
  discount_amount: usdInput().nullable(),
  min_purchase_amount: usdInput({ allowZero: true }).nullable().describe('Compared with the total before the discount'),
  max_uses: z.number().int().min(1).max(10_000_000).nullable().describe('null = unlimited'),
  per_user_limit: z.number().int().min(1).max(10_000),
  valid_from: z.iso.datetime().nullable(),
  valid_until: z.iso.datetime().nullable(),
  is_active: z.boolean(),
  description: text(500).nullable(),
  description_ar: text(500).nullable(),
};

const exactlyOneKind = (v: { discount_percent?: number | null; discount_amount?: number | null }) =>
  (v.discount_percent ?? null) === null || (v.discount_amount ?? null) === null;
const windowOrdered = (v: { valid_from?: string | null; valid_until?: string | null }) =>
  !v.valid_from || !v.valid_until || Date.parse(v.valid_until) > Date.parse(v.valid_from);

export const CreateDiscountBody = z
  .strictObject({
    ...fields,
    discount_percent: fields.discount_percent.optional(),
    discount_amount: fields.discount_amount.optional(),
    min_purchase_amount: fields.min_purchase_amount.optional(),
    max_uses: fields.max_uses.optional(),
    per_user_limit: fields.per_user_limit.default(1),
    valid_from: fields.valid_from.optional(),
    valid_until: fields.valid_until.optional(),
    is_active: z.boolean().default(true),
    description: fields.description.optional(),
    description_ar: fields.description_ar.optional(),
  })
  .refine((v) => (v.discount_percent ?? null) !== null || (v.discount_amount ?? null) !== null, {
    message: 'one of discount_percent or discount_amount is required',
    path: ['discount_percent'],
  })
  .refine(exactlyOneKind, { message: 'give discount_percent OR discount_amount, not both', path: ['discount_amount'] })
  .refine(windowOrdered, { message: 'must be after valid_from', path: ['valid_until'] });

/** Giving one kind of discount switches the code to it (the other is cleared). */
export const UpdateDiscountBody = z
  .strictObject(fields)
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required')
  .refine(exactlyOneKind, { message: 'give discount_percent OR discount_amount, not both', path: ['discount_amount'] })
  .refine(windowOrdered, { message: 'must be after valid_from', path: ['valid_until'] });

export const DiscountSchema = named(
  'DiscountCode',
  z.object({
    id: z.uuid(),
    code: z.string(),
    discount_percent: z.number().int().nullable(),
    discount_amount: UsdAmount.nullable(),
    min_purchase_amount: UsdAmount.nullable(),
    max_uses: z.number().int().nullable(),
    per_user_limit: z.number().int(),
    uses_count: z.number().int().describe('Reserved + confirmed uses'),
    valid_from: isoDate.nullable(),
    valid_until: isoDate.nullable(),
    is_active: z.boolean(),
    description: z.string().nullable(),
    description_ar: z.string().nullable(),
    created_by: z.uuid().nullable(),
    created_at: isoDate,
    updated_at: isoDate,
  }),
);
export type DiscountDto = z.infer<typeof DiscountSchema>;

/** A discount code as readJsonPage builds it: serializeDiscount in SQL. */
export const discountItem = listItem(() =>
  jsonItem<DiscountDto>({
    id: discountCodes.id,
    code: discountCodes.code,
    discount_percent: discountCodes.discountPercent,
    discount_amount: jsNumber(discountCodes.discountAmount),
    min_purchase_amount: jsNumber(discountCodes.minPurchaseAmount),
    max_uses: discountCodes.maxUses,
    per_user_limit: discountCodes.perUserLimit,
    uses_count: discountCodes.usesCount,
    valid_from: isoText(discountCodes.validFrom),
    valid_until: isoText(discountCodes.validUntil),
    is_active: discountCodes.isActive,
    description: discountCodes.description,
    description_ar: discountCodes.descriptionAr,
    created_by: discountCodes.createdBy,
    created_at: isoText(discountCodes.createdAt),
    updated_at: isoText(discountCodes.updatedAt),
  }));

export function serializeDiscount(row: typeof discountCodes.$inferSelect): DiscountDto {
  return {
    id: row.id,
    code: row.code,
    discount_percent: row.discountPercent,
    discount_amount: usd(row.discountAmount),
    min_purchase_amount: usd(row.minPurchaseAmount),
    max_uses: row.maxUses,
    per_user_limit: row.perUserLimit,
    uses_count: row.usesCount,
    valid_from: toIso(row.validFrom),
    valid_until: toIso(row.validUntil),
    is_active: row.isActive,
    description: row.description,
    description_ar: row.descriptionAr,
    created_by: row.createdBy,
    created_at: toIso(row.createdAt)!,
    updated_at: toIso(row.updatedAt)!,
  };
}

type DiscountFields = Partial<z.infer<typeof UpdateDiscountBody>>;
const numericOrNull = (v: number | null | undefined) => (v === undefined ? undefined : v === null ? null : toNumeric(v));
const dateOrNull = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : new Date(v));

export function discountValues(input: DiscountFields) {
  const percent = input.discount_percent;
  const amount = input.discount_amount;
  return {
    code: input.code,
    discountPercent: percent !== undefined ? percent : amount != null ? null : undefined,
    discountAmount: amount !== undefined ? numericOrNull(amount) : percent != null ? null : undefined,
    minPurchaseAmount: numericOrNull(input.min_purchase_amount),
    maxUses: input.max_uses,
    perUserLimit: input.per_user_limit,
    validFrom: dateOrNull(input.valid_from),
    validUntil: dateOrNull(input.valid_until),
    isActive: input.is_active,
    description: input.description,
    descriptionAr: input.description_ar,
  };
}

export const DiscountListQuery = listQuery(['code', 'uses_count', 'valid_until']).extend({
  q: z.string().trim().min(1).max(40).optional().describe('Part of the code'),
  is_active: queryBoolean.optional(),
});

export const ValidateDiscountBody = z.strictObject({
  code: discountCodeInput,
  package_id: z.uuid(),
  quantity: z.number().int().min(1).max(100).default(1),
});

export const DiscountQuoteSchema = named(
  'DiscountQuote',
  z.object({
    code: z.string(),
    discount_percent: z.number().int().nullable(),
    discount_amount: UsdAmount.nullable(),
    list_price_usd: UsdAmount,
    discount_usd: UsdAmount,
    amount_usd: UsdAmount,
    credits: z.number().int(),
  }),
);

export const RedemptionSchema = named(
  'DiscountRedemption',
  z.object({
    id: z.uuid(),
    user_id: z.uuid(),
    user_email: z.string(),
    payment_id: z.uuid(),
    status: z.enum(REDEMPTION_STATUSES),
    discount_usd: UsdAmount,
    created_at: isoDate,
  }),
);
