/**
 * /api/notifications — the signed-in user's notifications (SPEC §7, §10). Each route is scoped to the
 * caller in its WHERE (someone else's notification is a 404); only `manage_notifications` may create.
 */
import { and, count, eq, getTableColumns, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import * as z from 'zod';
import { assertPermission, requirePermission, requireUser } from '../auth/guards.js';
import { notifications } from '../db/schema.js';
import { notFound } from '../errors.js';
import { created, deleted, ok, paginated } from '../http/envelope.js';
import { pageWindow } from '../http/pagination.js';
import { orderBy, readPage, withTotal } from '../db/pagination.js';
import { describe } from '../http/route-meta.js';
import { body, emptyBody, idParam, query } from '../http/validate.js';
import {
  BroadcastResultSchema,
  CreateNotificationBody,
  NotificationListMeta,
  NotificationListQuery,
  NotificationSchema,
  serializeNotification,
} from '../schemas/notification.js';
import { broadcast, sendToUser } from '../services/notification-admin.js';
import type { AppEnv } from '../types.js';

const TAGS = ['notifications'] as const;
const own = (id: string, userId: string) => and(eq(notifications.id, id), eq(notifications.userId, userId));
// Notifications never change except their read state, so "last updated" orders like "created".
const SORTS = { created_at: notifications.createdAt, updated_at: notifications.createdAt };

export const notificationsRoutes = new Hono<AppEnv>()
  .get(
    '/',
    describe({
      operationId: 'listNotifications',
      summary: 'List own notifications',
      tags: TAGS,
      response: NotificationSchema,
      responseKind: 'paginated',
      meta: NotificationListMeta,
      errors: ['AUTHORIZATION_ERROR'],
    }),
    requireUser,
    query(NotificationListQuery),
    async (c) => {
      const input = c.req.valid('query');
      const { db, user } = c.var;
      const userId = input.user_id ?? user.id;
      if (userId !== user.id) assertPermission(c, 'view_notifications');
      const window = pageWindow(c, input);
      const mine = eq(notifications.userId, userId);
      const where = and(mine, input.unread === undefined ? undefined : eq(notifications.isRead, !input.unread));
      const page = await readPage(db, window, {
        page: db
          .select(withTotal(getTableColumns(notifications)))
          .from(notifications)
          .where(where)
          .orderBy(...orderBy(SORTS, input.sort, input.order, notifications.id))
          .limit(window.limit)
          .offset(window.offset),
        count: db.select({ n: count() }).from(notifications).where(where),
        extras: [db.select({ n: count() }).from(notifications).where(and(mine, eq(notifications.isRead, false)))],
      });
      return paginated(c, page.rows.map(serializeNotification), page.pagination, {
        unread_count: page.extras[0][0]?.n ?? 0,
      });
    },
  )
  .post(
    '/mark-all-read',
    describe({ operationId: 'markAllNotificationsRead', summary: 'Mark all own notifications read', tags: TAGS, response: z.object({ count: z.number().int() }) }),
    requireUser,
    emptyBody(),
    async (c) => {
      const { db, user } = c.var;
      const [row] = await db.execute<{ count: number }>(sql`
        WITH marked AS (
          UPDATE ${notifications} SET is_read = true, read_at = now()
          WHERE ${and(eq(notifications.userId, user.id), eq(notifications.isRead, false))}
          RETURNING 1)
        SELECT count(*)::int AS count FROM marked`).then((r) => r.rows);
      return ok(c, { count: Number(row?.count ?? 0) }, 'ok.notifications_read');
    },
  )
  .post(
    '/:id/read',
    describe({ operationId: 'markNotificationRead', summary: 'Mark a notification read', tags: TAGS, response: NotificationSchema, errors: ['NOT_FOUND'] }),
    requireUser,
    idParam(),
    emptyBody(),
    async (c) => {
      const { db, user } = c.var;
      const [row] = await db
        .update(notifications)
        // Reading twice keeps the first read time.
        .set({ isRead: true, readAt: sql`COALESCE(${notifications.readAt}, now())` })
        .where(own(c.req.valid('param').id, user.id))
        .returning();
      if (!row) throw notFound();
      return ok(c, serializeNotification(row), 'ok.notification_read');
    },
  )
  .delete(
    '/:id',
    describe({ operationId: 'deleteNotification', summary: 'Delete a notification', tags: TAGS, response: z.object({ id: z.uuid() }), errors: ['NOT_FOUND'] }),
    requireUser,
    idParam(),
    async (c) => {
      const { id } = c.req.valid('param');
      const rows = await c.var.db.delete(notifications).where(own(id, c.var.user.id)).returning({ id: notifications.id });
      if (rows.length === 0) throw notFound();
      return deleted(c, id);
    },
  )
  .post(
    '/',
    describe({
      operationId: 'createNotification',
      summary: 'Send a notification (admin)',
      tags: TAGS,
      status: 201,
      response: z.union([NotificationSchema, BroadcastResultSchema]),
    }),
    requirePermission('manage_notifications'),
    body(CreateNotificationBody),
    async (c) => {
      const { user_id, broadcast: toEveryone, ...content } = c.req.valid('json');
      if (toEveryone) return created(c, { count: await broadcast(c, content) }, 'ok.notification_sent');
      return created(c, serializeNotification(await sendToUser(c, user_id!, content)), 'ok.notification_sent');
    },
  );
