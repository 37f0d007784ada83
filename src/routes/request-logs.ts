/**
 * /api/api-request-logs (SPEC-WAVE2 §15.3): read-only, `view_request_logs`. No client can create,
 * change or delete a row; rows are written by the request-log middleware and pruned by maintenance.
 */
import { and, between, eq, gte, like, lt, sql, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import type * as z from 'zod';
import { requirePermission } from '../auth/guards.js';
import { apiRequestLogs, users } from '../db/schema.js';
import { notFound } from '../errors.js';
import { ok, paginatedJson } from '../http/envelope.js';
import { isoText, jsonbFlatObject, jsonItem, listItem, orderBy, readJsonPage } from '../db/pagination.js';
import { pageWindow } from '../http/pagination.js';
import { describe } from '../http/route-meta.js';
import { idParam, query } from '../http/validate.js';
import { toIso } from '../schemas/common.js';
import { RequestLogDetailSchema, RequestLogListQuery, RequestLogSchema } from '../schemas/public-site.js';
import { hashIp } from '../services/ip-hash.js';
import type { AppEnv } from '../types.js';

type LogRow = typeof apiRequestLogs.$inferSelect;

function serializeLog(row: LogRow): z.infer<typeof RequestLogSchema> {
  return {
    id: row.id,
    created_at: toIso(row.createdAt)!,
    request_id: row.requestId,
    method: row.method,
    route: row.route,
    path: row.path,
    query_keys: row.queryKeys,
    query: row.query ?? null,
    status: row.status,
    error_code: row.errorCode,
    duration_ms: row.durationMs,
    user_id: row.userId,
    ip_hash: row.ipHash,
    user_agent: row.userAgent,
    request_bytes: row.requestBytes,
    response_bytes: row.responseBytes,
    runtime: row.runtime,
    kept_by: row.keptBy,
  };
}

/** A log entry as readJsonPage builds it: serializeLog in SQL (`query` holds strings under LOGGED_QUERY_KEYS). */
const logItem = listItem(() => {
  const t = apiRequestLogs;
  return jsonItem<z.infer<typeof RequestLogSchema>>({
    id: t.id,
    created_at: isoText(t.createdAt),
    request_id: t.requestId,
    method: t.method,
    route: t.route,
    path: t.path,
    query_keys: t.queryKeys,
    query: jsonbFlatObject(t.query),
    status: t.status,
    error_code: t.errorCode,
    duration_ms: t.durationMs,
    user_id: t.userId,
    ip_hash: t.ipHash,
    user_agent: t.userAgent,
    request_bytes: t.requestBytes,
    response_bytes: t.responseBytes,
    runtime: t.runtime,
    kept_by: t.keptBy,
  });
});

const STATUS_CLASSES = { '2xx': [200, 299], '3xx': [300, 399], '4xx': [400, 499], '5xx': [500, 599] } as const;
const prefixPattern = (prefix: string) => `${prefix.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

export const requestLogRoutes = new Hono<AppEnv>()
  .get(
    '/',
    describe({
      operationId: 'listRequestLogs', summary: 'List API request logs',
      tags: ['request-logs'],
      response: RequestLogSchema,
      responseKind: 'paginated',
      sort: ['duration_ms'],
    }),
    requirePermission('view_request_logs'),
    query(RequestLogListQuery),
    async (c) => {
      const q = c.req.valid('query');
      const window = pageWindow(c, q);
      const { db, config } = c.var;
      const t = apiRequestLogs;
      const statusClass = q.status_class ? STATUS_CLASSES[q.status_class] : undefined;
      const filters: (SQL | undefined)[] = [
        q.method ? eq(t.method, q.method) : undefined,
        q.route ? eq(t.route, q.route) : undefined,
        q.path ? like(t.path, prefixPattern(q.path)) : undefined,
        q.status !== undefined ? eq(t.status, q.status) : undefined,
        statusClass ? between(t.status, statusClass[0], statusClass[1]) : undefined,
        q.error_code ? eq(t.errorCode, q.error_code) : undefined,
        q.user_id ? eq(t.userId, q.user_id) : undefined,
        q.user_email ? sql`${t.userId} = (SELECT ${users.id} FROM ${users} WHERE ${users.email} = ${q.user_email})` : undefined,
        q.request_id ? eq(t.requestId, q.request_id) : undefined,
        q.ip ? eq(t.ipHash, await hashIp(config.secretKey, q.ip)) : undefined,
        q.from ? gte(t.createdAt, new Date(q.from)) : undefined,
        q.to ? lt(t.createdAt, new Date(q.to)) : undefined,
        q.min_duration_ms !== undefined ? gte(t.durationMs, q.min_duration_ms) : undefined,
      ];
      const where = and(...filters);
      const page = await readJsonPage(db, window, {
        item: logItem(),
        from: sql`${t}`,
        where,
        // Rows are never updated: updated_at sorts like created_at.
        orderBy: orderBy({ created_at: t.createdAt, updated_at: t.createdAt, duration_ms: t.durationMs }, q.sort, q.order, t.id),
      });
      return paginatedJson(c, page);
    },
  )
  .get(
    '/:id',
    describe({ operationId: 'getRequestLog', summary: 'One API request log entry', tags: ['request-logs'], response: RequestLogDetailSchema, errors: ['NOT_FOUND'] }),
    requirePermission('view_request_logs'),
    idParam(),
    async (c) => {
      const { db } = c.var;
      const [found] = await db
        .select({ log: apiRequestLogs, userId: users.id, userEmail: users.email })
        .from(apiRequestLogs)
        .leftJoin(users, eq(users.id, apiRequestLogs.userId))
        .where(eq(apiRequestLogs.id, c.req.valid('param').id))
        .limit(1);
      if (!found) throw notFound('request_log.not_found');
      const user = found.userId && found.userEmail ? { id: found.userId, email: found.userEmail } : null;
      return ok(c, { ...serializeLog(found.log), user });
    },
  );
