/**
 * The credits ledger (SPEC §3). Every balance change is ONE statement that moves the cached balance
 * and appends the ledger row together, so the two can never disagree:
 *   - `users_credits_non_negative` (CHECK) refuses a debit below zero → the statement fails whole;
 *   - the partial UNIQUE indexes on `transactions` refuse a second booking of the same business event.
 * Statements compose into a caller's `db.batch`, which runs them in one transaction.
 * Routes never touch `users.credits` directly: this module is the only writer.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { isCheckViolation, isOutOfRange, isUniqueViolation } from '../db/errors.js';
import type { TransactionType } from '../db/schema.js';
import { AppError } from '../errors.js';

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

/** The parts of an entry that do not depend on the rows it is booked for. */
interface EntryTemplate {
  id?: string;
  type: TransactionType;
  referenceType?: string;
  description?: string;
  createdBy?: string;
}

/**
 * The one ledger statement. `rows` is a query yielding `(user_id uuid, credits int, reference_id uuid)`,
 * at most one row per user: the UPDATE moves each balance, the INSERT appends a row per balance moved.
 * No source row → nothing is booked (the statement still succeeds).
 */
function ledgerStatement(db: Database, template: EntryTemplate, rows: SQL) {
  const id = template.id ? sql`${template.id}::uuid` : sql`gen_random_uuid()`;
  return db.execute<Record<keyof LedgerRow, unknown>>(sql`
    WITH source AS (${rows}),
    balance AS (
      UPDATE users SET credits = users.credits + source.credits, updated_at = now()
      FROM source
      WHERE users.id = source.user_id
      RETURNING users.id AS user_id, users.credits AS balance_after, source.credits AS delta, source.reference_id
    )
    INSERT INTO transactions
      (id, user_id, type, credits, balance_after, reference_type, reference_id, description, created_by)
    SELECT ${id}, balance.user_id, ${template.type}, balance.delta, balance.balance_after,
           ${template.referenceType ?? null}, balance.reference_id, ${template.description ?? null}, ${template.createdBy ?? null}::uuid
    FROM balance
    RETURNING *`);
}

/** Books one entry for a known user and amount. */
export function bookEntry(db: Database, entry: LedgerEntry) {
  return ledgerStatement(
    db,
    entry,
    sql`SELECT ${entry.userId}::uuid AS user_id, ${entry.credits}::int AS credits, ${entry.referenceId ?? null}::uuid AS reference_id`,
  );
}

export interface DerivedLedgerEntry extends EntryTemplate {
  /**
   * A query yielding `user_id, credits, reference_id` — e.g. from the payment being approved in the
   * same batch — so a batch can book an entry whose user and amount it only knows in SQL, and book
   * nothing when a condition in the query does not hold. At most one row per user.
   */
  source: SQL;
}

/** Books the entries `source` yields (zero or more) in one statement; see DerivedLedgerEntry. */
export function bookEntriesFrom(db: Database, entry: DerivedLedgerEntry) {
  return ledgerStatement(db, entry, entry.source);
}

/** A debit that would take the balance below zero (the whole statement, and its batch, failed). */
export const isInsufficientBalance = (error: unknown) => isCheckViolation(error, 'users_credits_non_negative');

/** The largest balance an account can hold: balances are PostgreSQL `integer`s. */
export const MAX_BALANCE = 2_147_483_647;

/** A credit that would take the balance past MAX_BALANCE (Postgres: 22003 numeric_value_out_of_range). */
export const isBalanceOverflow = (error: unknown) => isOutOfRange(error);

/** The 409 for a booking refused by MAX_BALANCE, naming the field that carried the amount. */
export const balanceLimitError = (field = 'credits') =>
  new AppError('INVALID_STATE', {
    message: 'credits.balance_limit',
    params: { max: MAX_BALANCE.toLocaleString('en-US') },
    details: { field, reason: 'balance_limit', max_balance: MAX_BALANCE },
  });

/** The unique indexes that make each business event bookable once (SPEC §3). */
export const ONE_BOOKING_PER_EVENT = {
  signup_bonus: 'transactions_one_signup_bonus_per_user',
  purchase: 'transactions_one_purchase_per_payment',
  referral_bonus: 'transactions_one_bonus_per_referral',
  analysis_charge: 'transactions_one_open_charge_per_analysis',
  refund: 'transactions_one_refund_per_charge',
} as const satisfies Partial<Record<TransactionType, string>>;

/** A second booking of the same business event was refused by its unique index. */
export function isDoubleBooking(error: unknown, type: keyof typeof ONE_BOOKING_PER_EVENT): boolean {
  return isUniqueViolation(error, ONE_BOOKING_PER_EVENT[type]);
}
