/** /api/audit-logs — read-only; entries are written by the server with each admin mutation (SPEC §7). */
import { and, count, eq, gte, lt, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import { requirePermission } from '../auth/guards.js';
import { auditLogs, users } from '../db/schema.js';
import { paginated } from '../http/envelope.js';
import { pageWindow } from '../http/pagination.js';
import { orderBy, readPage, withTotal } from '../db/pagination.js';
import { describe } from '../http/route-meta.js';
import { query } from '../http/validate.js';
import { toIso } from '../schemas/common.js';
import { AuditLogListQuery, AuditLogSchema } from '../schemas/admin.js';
import type { AppEnv } from '../types.js';

// Audit entries never change: "updated" is when they were written.
const SORTS = { created_at: auditLogs.createdAt, updated_at: auditLogs.createdAt };

export const auditLogRoutes = new Hono<AppEnv>().get(
  '/',
  describe({
    operationId: 'listAuditLogs',
    summary: 'List audit log entries',
    tags: ['audit-logs'],
    response: AuditLogSchema,
    responseKind: 'paginated',
  }),
  requirePermission('view_audit_logs'),
  query(AuditLogListQuery),
  async (c) => {
    const q = c.req.valid('query');
    const { db } = c.var;
    const window = pageWindow(c, q);
    const where: SQL | undefined = and(
      q.actor_id ? eq(auditLogs.actorId, q.actor_id) : undefined,
      q.action ? eq(auditLogs.action, q.action) : undefined,
      q.entity_type ? eq(auditLogs.entityType, q.entity_type) : undefined,
      q.entity_id ? eq(auditLogs.entityId, q.entity_id) : undefined,
      q.from ? gte(auditLogs.createdAt, new Date(q.from)) : undefined,
      q.to ? lt(auditLogs.createdAt, new Date(q.to)) : undefined,
    );
    // The LEFT JOIN on users' primary key neither adds nor drops entries: the window counts entries.
    const page = await readPage(db, window, {
      page: db
        .select(
          withTotal({
            id: auditLogs.id,
            actor_id: auditLogs.actorId,
            actor_email: users.email,
            action: auditLogs.action,
            entity_type: auditLogs.entityType,
            entity_id: auditLogs.entityId,
            changes: auditLogs.changes,
            request_id: auditLogs.requestId,
            ip_address: auditLogs.ipAddress,
            created_at: auditLogs.createdAt,
          }),
        )
        .from(auditLogs)
        .leftJoin(users, eq(users.id, auditLogs.actorId))
        .where(where)
        .orderBy(...orderBy(SORTS, q.sort, q.order, auditLogs.id))
        .limit(window.limit)
        .offset(window.offset),
      count: db.select({ n: count() }).from(auditLogs).where(where),
    });
    return paginated(
      c,
      page.rows.map((r) => ({ ...r, created_at: toIso(r.created_at)! })),
      page.pagination,
    );
  },
);
