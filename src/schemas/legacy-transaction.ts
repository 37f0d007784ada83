/** Upstream (Flask) credit history as the API returns it (SPEC-WAVE2 §16.1): for display, outside the ledger. */
import * as z from 'zod';
import { legacyTransactions } from '../db/schema.js';
import { isoText, jsNumber, jsonItem, listItem } from '../db/pagination.js';
import { listQuery } from '../http/pagination.js';
import { isoDate, toIso } from './common.js';

export const LegacyTransactionSchema = z.object({
  id: z.uuid(),
  user_id: z.uuid(),
  type: z.string().describe('As the Flask app stored it (purchase, analysis, usage, adjustment, referral_bonus, or any client value)'),
  credits: z.number().int(),
  amount_usd: z.number().nullable(),
  description: z.string().nullable(),
  reference_id: z.string().nullable(),
  status: z.string().nullable().describe('completed, pending, refunded or a client value; a refund upstream only changed this status'),
  created_at: isoDate,
});
export type LegacyTransactionDto = z.infer<typeof LegacyTransactionSchema>;

export const legacyTransactionFields = {
  id: legacyTransactions.id,
  user_id: legacyTransactions.userId,
  type: legacyTransactions.type,
  credits: legacyTransactions.credits,
  amount_usd: legacyTransactions.amountUsd,
  description: legacyTransactions.description,
  reference_id: legacyTransactions.referenceId,
  status: legacyTransactions.status,
  created_at: legacyTransactions.createdAt,
};

/** A legacy row as readJsonPage builds it: serializeLegacyTransaction in SQL. */
export const legacyTransactionItem = listItem(() =>
  jsonItem<LegacyTransactionDto>({
    ...legacyTransactionFields,
    amount_usd: jsNumber(legacyTransactions.amountUsd),
    created_at: isoText(legacyTransactions.createdAt),
  }),
);

export function serializeLegacyTransaction(row: Record<keyof LegacyTransactionDto, unknown>): LegacyTransactionDto {
  return {
    id: row.id as string,
    user_id: row.user_id as string,
    type: row.type as string,
    credits: Number(row.credits),
    amount_usd: row.amount_usd === null || row.amount_usd === undefined ? null : Number(row.amount_usd),
    description: (row.description as string | null) ?? null,
    reference_id: (row.reference_id as string | null) ?? null,
    status: (row.status as string | null) ?? null,
    created_at: toIso(row.created_at as Date | string)!,
  };
}

export const LegacyTransactionListQuery = listQuery(['credits']).extend({
  user_id: z.uuid().optional().describe("Another user's history: needs `view_credits`"),
});
