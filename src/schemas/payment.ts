/** Payments (SPEC §4): the create body (never amounts), list and detail shapes, and the columns behind them. */
import { sql } from 'drizzle-orm';
import * as z from 'zod';
import { PAYMENT_STATUSES, payments } from '../db/schema.js';
import { isoText, jsNumber, jsonItem, listItem } from '../db/pagination.js';
import { listQuery } from '../http/pagination.js';
import { httpsUrlOrImageDataUrl, isoDate, text, toIso } from './common.js';
import { currencyCode } from './currency.js';
import { minorToAmount, rateNumber } from '../services/currency-math.js';
import { usd, UsdAmount } from './money.js';
import { named } from './registry.js';

/** A JSON number ≥ 0 in plain decimal notation → its exact decimal text (compared in numeric, never as a float). */
const expectedAmount = z
  .number()
  .min(0)
  .refine((v) => /^\d+(\.\d+)?$/.test(String(v)), 'a plain decimal number')
  .transform((v) => String(v));

export const MAX_PROOF_BYTES = 5 * 1024 * 1024;

export const discountCodeInput = z
  .string()
  .trim()
  .min(3)
  .max(40)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -');

/** Amounts, credits, status and owner are the server's: sending them is a 400 naming each (strict). */
export const CreatePaymentBody = z.strictObject({
  package_id: z.uuid(),
  quantity: z.number().int().min(1).max(100).default(1),
  payment_method_id: z.uuid(),
  payment_proof: httpsUrlOrImageDataUrl(MAX_PROOF_BYTES).describe(
    'An https URL, or a data URL of a PNG, JPEG or WebP image of at most 5 MiB decoded (larger → 413)',
  ),
  discount_code: discountCodeInput.optional(),
  notes: text(1000).optional(),
  currency_code: currencyCode.optional().describe('The currency the user transfers; default USD (SPEC-WAVE2 §0.1)'),
  expected_amount: expectedAmount
    .optional()
    .describe('The amount shown to the user, in that currency: a different server amount → 400 `price_changed` with the new quote'),
});

/** POST /payments/quote (SPEC-WAVE2 §12.3): what POST /payments would charge; reserves nothing. */
export const QuoteBody = z.strictObject({
  package_id: z.uuid(),
  quantity: z.number().int().min(1).max(100).default(1),
  discount_code: discountCodeInput.optional(),
  currency_code: currencyCode.optional(),
});

export const RejectPaymentBody = z.strictObject({ reason: text(500) });

export const PaymentListQuery = listQuery(['amount_usd', 'status']).extend({
  status: z.enum(PAYMENT_STATUSES).optional(),
  user_id: z.uuid().optional().describe("Another user's payments: needs `view_payments`"),
});

export const PaymentStatsQuery = z.object({
  days: z.coerce.number().int().min(1).max(366).default(30).describe('Length of `by_day`, ending today (UTC)'),
});

export const PaymentSchema = named(
  'Payment',
  z.object({
    id: z.uuid(),
    user_id: z.uuid(),
    package_id: z.uuid(),
    payment_method_id: z.uuid(),
    quantity: z.number().int(),
    credits: z.number().int(),
    list_price_usd: UsdAmount,
    discount_usd: UsdAmount,
    amount_usd: UsdAmount,
    discount_code_id: z.uuid().nullable(),
    discount_code: z.string().nullable(),
    notes: z.string().nullable(),
    status: z.enum(PAYMENT_STATUSES),
    reviewed_by: z.uuid().nullable(),
    reviewed_at: isoDate.nullable(),
    rejection_reason: z.string().nullable(),
    currency_code: z.string(),
    currency_amount: z.number().describe('currency_amount_minor / 10^decimals'),
    currency_amount_minor: z.number().int().describe('Authoritative: what the user transfers, in minor units'),
    currency_decimals: z.number().int(),
    exchange_rate: z.number().describe('The rate used: units of the currency per 1 USD'),
    rate_quoted_at: isoDate.describe('The rate_updated_at in force when the payment was submitted'),
    created_at: isoDate,
    updated_at: isoDate,
  }),
);
export const PaymentDetailSchema = named(
  'PaymentDetail',
  PaymentSchema.extend({
    payment_proof: z.string().nullable().describe('null only for a payment imported from the Flask app without a usable proof'),
  }),
);
export type PaymentDto = z.infer<typeof PaymentSchema>;

/**
 * The payment under its API names, without the proof (lists never carry it). Used by drizzle selects
 * and `.returning(...)`, and rendered as a raw `RETURNING` list, so every path yields the same shape.
 */
export const paymentFields = {
  id: payments.id,
  user_id: payments.userId,
  package_id: payments.packageId,
  payment_method_id: payments.paymentMethodId,
  quantity: payments.quantity,
  credits: payments.credits,
  list_price_usd: payments.listPriceUsd,
  discount_usd: payments.discountUsd,
  amount_usd: payments.amountUsd,
  discount_code_id: payments.discountCodeId,
  // Raw names: drizzle renders columns unqualified in RETURNING, which this subquery must not misread.
  discount_code: sql<string | null>`(SELECT dc.code FROM discount_codes dc WHERE dc.id = payments.discount_code_id)`,
  notes: payments.notes,
  status: payments.status,
  reviewed_by: payments.reviewedBy,
  reviewed_at: payments.reviewedAt,
  rejection_reason: payments.rejectionReason,
  currency_code: payments.currencyCode,
  currency_amount_minor: sql<string>`${payments.currencyAmountMinor}::text`,
  currency_decimals: payments.currencyDecimals,
  exchange_rate: payments.exchangeRate,
  rate_quoted_at: payments.rateQuotedAt,
  created_at: payments.createdAt,
  updated_at: payments.updatedAt,
};

export const paymentReturning = sql.join(
  Object.entries(paymentFields).map(([name, field]) => sql`${field} AS ${sql.identifier(name)}`),
  sql`, `,
);

type Row = { [K in keyof typeof paymentFields]: unknown };

/** A payment as readJsonPage builds it: serializePayment in SQL (amounts as the JSON numbers `Number()` prints). */
export const paymentItem = listItem(() => {
  const f = paymentFields;
  return jsonItem<PaymentDto>({
    id: f.id,
    user_id: f.user_id,
    package_id: f.package_id,
    payment_method_id: f.payment_method_id,
    quantity: f.quantity,
    credits: f.credits,
    list_price_usd: jsNumber(f.list_price_usd),
    discount_usd: jsNumber(f.discount_usd),
    amount_usd: jsNumber(f.amount_usd),
    discount_code_id: f.discount_code_id,
    discount_code: f.discount_code,
    notes: f.notes,
    status: f.status,
    reviewed_by: f.reviewed_by,
    reviewed_at: isoText(f.reviewed_at),
    rejection_reason: f.rejection_reason,
    currency_code: f.currency_code,
    currency_amount: jsNumber(sql`${payments.currencyAmountMinor}::numeric / power(10::numeric, ${f.currency_decimals})`),
    currency_amount_minor: jsNumber(payments.currencyAmountMinor),
    currency_decimals: f.currency_decimals,
    exchange_rate: jsNumber(f.exchange_rate),
    rate_quoted_at: isoText(f.rate_quoted_at),
    created_at: isoText(f.created_at),
    updated_at: isoText(f.updated_at),
  });
});

export function serializePayment(row: Row): PaymentDto {
  return {
    id: row.id as string,
    user_id: row.user_id as string,
    package_id: row.package_id as string,
    payment_method_id: row.payment_method_id as string,
    quantity: Number(row.quantity),
    credits: Number(row.credits),
    list_price_usd: usd(row.list_price_usd as string),
    discount_usd: usd(row.discount_usd as string),
    amount_usd: usd(row.amount_usd as string),
    discount_code_id: (row.discount_code_id as string | null) ?? null,
    discount_code: (row.discount_code as string | null) ?? null,
    notes: (row.notes as string | null) ?? null,
    status: row.status as PaymentDto['status'],
    reviewed_by: (row.reviewed_by as string | null) ?? null,
    reviewed_at: toIso(row.reviewed_at as Date | string | null),
    rejection_reason: (row.rejection_reason as string | null) ?? null,
    currency_code: row.currency_code as string,
    currency_amount: minorToAmount(String(row.currency_amount_minor), Number(row.currency_decimals)),
    currency_amount_minor: Number(row.currency_amount_minor),
    currency_decimals: Number(row.currency_decimals),
    exchange_rate: rateNumber(String(row.exchange_rate)),
    rate_quoted_at: toIso(row.rate_quoted_at as Date | string)!,
    created_at: toIso(row.created_at as Date | string)!,
    updated_at: toIso(row.updated_at as Date | string)!,
  };
}

const statusTotals = z.object({ count: z.number().int(), amount_usd: UsdAmount, credits: z.number().int() });
export const PaymentStatsSchema = named(
  'PaymentStats',
  z.object({
    by_status: z.object({ pending: statusTotals, approved: statusTotals, rejected: statusTotals }),
    by_currency: z
      .array(
        z.object({
          currency_code: z.string(),
          count: z.number().int(),
          amount_minor: z.number().int(),
          decimals: z.number().int(),
          amount_usd: UsdAmount,
        }),
      )
      .describe('Approved payments per currency'),
    by_day: z.array(z.object({ date: z.iso.date(), count: z.number().int(), amount_usd: UsdAmount })),
  }),
);
