/**
 * Deleting an admin-managed row that other records may reference (credit packages, payment methods,
 * discount codes): SPEC §4 says a referenced row is deactivated instead of deleted.
 *
 * One batch: lock the row, then either delete it (not referenced) or deactivate it (referenced), each
 * with its audit entry. The lock matters: a payment being created at the same moment needs a key-share
 * lock on the row for its foreign key, so it either committed before the lock (and `inUse` sees it) or
 * waits until this batch has committed (and then finds the row gone, a 400 for the buyer).
 */
import { and, eq, not, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Context } from 'hono';
import type { AppEnv } from '../types.js';
import { auditRowChange } from './conditional-log.js';

export interface DeletableRow {
  table: PgTable;
  id: string;
  idColumn: AnyPgColumn;
  isActiveColumn: AnyPgColumn;
  updatedAtColumn: AnyPgColumn;
  /** true when other records reference the row (evaluated after the row is locked). */
  inUse: SQL;
  entityType: string;
  /** Columns kept in the audit entry of a deletion. */
  auditedFields: readonly string[];
}

/** `{id, deactivated}`, or null when there is no such row. */
export async function deleteOrDeactivate(c: Context<AppEnv>, row: DeletableRow) {
  const { db } = c.var;
  const { table, id, idColumn } = row;
  const thisRow = eq(idColumn, id);
  const free = and(thisRow, not(row.inUse))!;
  const used = and(thisRow, row.inUse)!;
  const [locked, , removed, , deactivated] = await db.batch([
    db.select({ id: idColumn }).from(table).where(thisRow).for('update'),
    auditRowChange(db, c, {
      table,
      where: free,
      action: `${row.entityType}.delete`,
      entityType: row.entityType,
      entityId: id,
      fields: row.auditedFields,
    }),
    db.delete(table).where(free).returning({ id: idColumn }),
    auditRowChange(db, c, {
      table,
      where: used,
      action: `${row.entityType}.deactivate`,
      entityType: row.entityType,
      entityId: id,
      after: { is_active: false },
    }),
    db
      .update(table)
      .set({ [row.isActiveColumn.name]: false, [row.updatedAtColumn.name]: sql`now()` } as Record<string, unknown>)
      .where(used)
      .returning({ id: idColumn }),
  ]);
  if (locked.length === 0) return null;
  return { id, deactivated: removed.length === 0 && deactivated.length > 0 };
}
