/**
 * The credits ledger (SPEC §3). Every balance change is ONE statement that moves the cached balance
 * and appends the ledger row together, so the two can never disagree:
 *   - `users_credits_non_negative` (CHECK) refuses a debit below zero → the statement fails whole;
 *   - the partial UNIQUE indexes on `transactions` refuse a second booking of the same business event.
 * Statements compose into a caller's `db.batch`, which runs them in one transaction.
 * Routes never touch `users.credits` directly.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { TransactionType } from '../db/schema.js';

export interface LedgerEntry {
  /** Optional: give an id when another statement of the same batch must reference this row. */
  id?: string;
  userId: string;
  type: TransactionType;
  /** Signed: positive adds credits, negative takes them. */
  credits: number;
  referenceType?: string;
  referenceId?: string;
  description?: string;
  createdBy?: string;
}

/** Raw row returned by `bookEntry` (timestamps arrive as text from a raw statement). */
export interface LedgerRow {
  id: string;
  user_id: string;
  type: TransactionType;
  credits: number;
  balance_after: number;
  reference_type: string | null;
  reference_id: string | null;
  description: string | null;
  created_by: string | null;
  refunded_by: string | null;
  created_at: string;
}

export function bookEntry(db: Database, entry: LedgerEntry) {
  const id = entry.id ?? crypto.randomUUID();
  return db.execute<Record<keyof LedgerRow, unknown>>(sql`
    WITH balance AS (
      UPDATE users SET credits = credits + ${entry.credits}, updated_at = now()
      WHERE id = ${entry.userId}
      RETURNING credits
    )
    INSERT INTO transactions
      (id, user_id, type, credits, balance_after, reference_type, reference_id, description, created_by)
    SELECT ${id}, ${entry.userId}, ${entry.type}, ${entry.credits}, balance.credits,
           ${entry.referenceType ?? null}, ${entry.referenceId ?? null}, ${entry.description ?? null}, ${entry.createdBy ?? null}
    FROM balance
    RETURNING *`);
}
