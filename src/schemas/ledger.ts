/** Ledger rows as the API returns them (SPEC §3). */
import * as z from 'zod';
import { TRANSACTION_TYPES, transactions } from '../db/schema.js';
import { isoText, jsonItem, listItem } from '../db/pagination.js';
import { listQuery } from '../http/pagination.js';
import { isoDate, toIso } from './common.js';
import { named } from './registry.js';

export const TransactionSchema = named(
  'LedgerEntry',
  z.object({
    id: z.uuid(),
    user_id: z.uuid(),
    type: z.enum(TRANSACTION_TYPES),
    credits: z.number().int().describe('Signed: positive adds, negative takes'),
    balance_after: z.number().int(),
    reference_type: z.string().nullable(),
    reference_id: z.uuid().nullable(),
    description: z.string().nullable(),
    created_by: z.uuid().nullable(),
    refunded_by: z.uuid().nullable(),
    created_at: isoDate,
  }),
);
export type TransactionDto = z.infer<typeof TransactionSchema>;

/** The ledger columns under their API names: drizzle selects and raw `RETURNING *` give the same shape. */
export const transactionFields = {
  id: transactions.id,
  user_id: transactions.userId,
  type: transactions.type,
  credits: transactions.credits,
  balance_after: transactions.balanceAfter,
  reference_type: transactions.referenceType,
  reference_id: transactions.referenceId,
  description: transactions.description,
  created_by: transactions.createdBy,
  refunded_by: transactions.refundedBy,
  created_at: transactions.createdAt,
};

/** A ledger entry as readJsonPage builds it: serializeTransaction in SQL. */
export const transactionItem = listItem(() => jsonItem<TransactionDto>({ ...transactionFields, created_at: isoText(transactions.createdAt) }));

type TransactionRow = { [K in keyof TransactionDto]: K extends 'created_at' ? Date | string : unknown };

export function serializeTransaction(row: TransactionRow): TransactionDto {
  return {
    id: row.id as string,
    user_id: row.user_id as string,
    type: row.type as TransactionDto['type'],
    credits: Number(row.credits),
    balance_after: Number(row.balance_after),
    reference_type: (row.reference_type as string | null) ?? null,
    reference_id: (row.reference_id as string | null) ?? null,
    description: (row.description as string | null) ?? null,
    created_by: (row.created_by as string | null) ?? null,
    refunded_by: (row.refunded_by as string | null) ?? null,
    created_at: toIso(row.created_at)!,
  };
}

export const TransactionListQuery = listQuery(['credits']).extend({
  type: z.enum(TRANSACTION_TYPES).optional(),
  user_id: z.uuid().optional().describe("Another user's ledger: needs `view_credits`"),
});

export const AdjustCreditsBody = z.strictObject({
  credits: z
    .number()
    .int()
    .min(-1_000_000)
    .max(1_000_000)
    .refine((n) => n !== 0, 'must not be zero')
    .describe('Signed: positive adds credits, negative takes them'),
  reason: z.string().trim().min(3).max(500),
});

export const AdjustCreditsResponse = named('CreditAdjustment', z.object({ transaction: TransactionSchema, balance: z.number().int() }));
