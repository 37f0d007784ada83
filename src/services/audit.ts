/**
 * Audit logs (SPEC §7): written by the server, in the same batch as the admin mutation they record
 * (actor, action, entity, before/after of the changed fields, request id, client IP). No route writes them.
 */
import type { Context } from 'hono';
import type { Database } from '../db/client.js';
import { auditLogs } from '../db/schema.js';
import { clientIp } from '../http/context.js';
import type { AppEnv } from '../types.js';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | null;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

/** Keeps only the fields whose value changed, so a log shows what an action actually did. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>) {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key] ?? null;
      a[key] = after[key] ?? null;
    }
  }
  return { before: b, after: a };
}

export function audit(db: Database, c: Context<AppEnv>, entry: AuditEntry) {
  return db.insert(auditLogs).values({
    actorId: c.var.user?.id ?? null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId ?? null,
    changes: entry.before || entry.after ? { before: entry.before, after: entry.after } : null,
    requestId: c.var.requestId,
    ipAddress: clientIp(c),
  });
}
