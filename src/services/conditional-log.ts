/**
 * Activity and audit entries written only when the change they describe actually happens.
 *
 * neon-http has no interactive transactions, so "write the log if the UPDATE hit a row" cannot be an
 * `if` in JavaScript without a second round trip. Instead a route sends one db.batch (one transaction):
 *
 *   [ SELECT … FOR UPDATE (the target row),  log … WHERE <precondition>,  the change … RETURNING ]
 *
 * The lock makes concurrent callers queue on the row, and each statement of a batch reads the state
 * committed before it (READ COMMITTED), so the log sees exactly the precondition the change sees:
 * two racing deletes write one feed entry, an unknown or foreign id writes none.
 * Creations need no lock: `EXISTS (SELECT 1 FROM t WHERE id = <the new id>)` after the insert.
 */
import { is, SQL, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Context } from 'hono';
import type { Database } from '../db/client.js';
import { clientIp } from '../http/context.js';
import type { AppEnv } from '../types.js';
import type { ActivityEntry } from './activity.js';
import type { AuditEntry } from './audit.js';

const jsonOrNull = (value: ActivityEntry['data']) =>
  value === undefined ? sql`NULL::jsonb` : is(value, SQL) ? value : sql`${JSON.stringify(value)}::jsonb`;

/** recordActivity (services/activity.ts), written only when `condition` holds at that point of the batch. */
export function recordActivityIf(db: Database, entry: ActivityEntry, condition: SQL) {
  return db.execute(sql`
    INSERT INTO activity_feed (user_id, action, entity_type, entity_id, data)
    SELECT ${entry.userId}::uuid, ${entry.action}::text, ${entry.entityType ?? null}::text, ${entry.entityId ?? null}::uuid,
           ${jsonOrNull(entry.data)}
    WHERE ${condition}`);
}

/** audit (services/audit.ts), written only when `condition` holds at that point of the batch. */
export function auditIf(db: Database, c: Context<AppEnv>, entry: AuditEntry, condition: SQL) {
  const changes = entry.before || entry.after ? JSON.stringify({ before: entry.before, after: entry.after }) : null;
  return db.execute(sql`
    INSERT INTO audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip_address)
    SELECT ${c.var.user?.id ?? null}::uuid, ${entry.action}::text, ${entry.entityType}::text, ${entry.entityId ?? null}::text,
           ${changes}::jsonb, ${c.var.requestId}::text, ${clientIp(c)}::text
    WHERE ${condition}`);
}

export interface RowAudit {
  table: PgTable;
  /** Selects the one row about to change (e.g. `eq(t.id, id)`); no row → no log. */
  where: SQL;
  action: string;
  entityType: string;
  entityId: string;
  /** The requested values (column names as keys). Omit for a deletion. */
  after?: Record<string, unknown>;
  /** Columns to snapshot as `before`; default: the keys of `after`. */
  fields?: readonly string[];
}

/**
 * An audit entry whose `before` is read from the row itself, in SQL, just before the change in the
 * same batch — so the log holds the true previous values without a read round trip. Only fields
 * whose value actually changes are kept (like `changedFields` in services/audit.ts).
 */
export function auditRowChange(db: Database, c: Context<AppEnv>, change: RowAudit) {
  const after = change.after ?? {};
  const fields = change.fields ?? Object.keys(after);
  const fieldList = `{${fields.join(',')}}`;
  const afterJson = JSON.stringify(after);
  // A deletion keeps the whole snapshot; an update keeps only the fields it really changes.
  const onlyChanged = change.after !== undefined ? sql`AND b.value IS DISTINCT FROM (${afterJson}::jsonb -> b.key)` : sql``;
  return db.execute(sql`
    INSERT INTO audit_logs (actor_id, action, entity_type, entity_id, changes, request_id, ip_address)
    SELECT ${c.var.user?.id ?? null}::uuid, ${change.action}::text, ${change.entityType}::text, ${change.entityId}::text,
      jsonb_build_object(
        'before', COALESCE((
          SELECT jsonb_object_agg(b.key, b.value) FROM jsonb_each(to_jsonb(${change.table})) b
          WHERE b.key = ANY(${fieldList}::text[]) ${onlyChanged}), '{}'::jsonb),
        'after', COALESCE((
          SELECT jsonb_object_agg(a.key, a.value) FROM jsonb_each(${afterJson}::jsonb) a
          WHERE a.value IS DISTINCT FROM (to_jsonb(${change.table}) -> a.key)), '{}'::jsonb)),
      ${c.var.requestId}::text, ${clientIp(c)}::text
    FROM ${change.table}
    WHERE ${change.where}`);
}
