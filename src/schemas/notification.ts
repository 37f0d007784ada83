/** Request and response schemas of notifications (SPEC §7, §10). */
import * as z from 'zod';
import { NOTIFICATION_TYPES, type notifications } from '../db/schema.js';
import { listQuery } from '../http/pagination.js';
import { isoDate, text, toIso } from './common.js';
import { queryBoolean } from './query-boolean.js';
import { named } from './registry.js';

export const NotificationSchema = named(
  'Notification',
  z.object({
    id: z.uuid(),
    user_id: z.uuid(),
    type: z.enum(NOTIFICATION_TYPES),
    title: z.string(),
    message: z.string(),
    title_ar: z.string().nullable(),
    message_ar: z.string().nullable(),
    data: z.record(z.string(), z.unknown()).nullable(),
    is_read: z.boolean(),
    read_at: isoDate.nullable(),
    created_at: isoDate,
  }),
);
export type NotificationDto = z.infer<typeof NotificationSchema>;

export function serializeNotification(row: typeof notifications.$inferSelect): NotificationDto {
  return {
    id: row.id,
    user_id: row.userId,
    type: row.type,
    title: row.title,
    message: row.message,
    title_ar: row.titleAr,
    message_ar: row.messageAr,
    data: row.data,
    is_read: row.isRead,
    read_at: toIso(row.readAt),
    created_at: toIso(row.createdAt)!,
  };
}

export const NotificationListQuery = listQuery().extend({
  unread: queryBoolean.optional().describe('true: only unread; false: only read; omitted: all.'),
  user_id: z.uuid().optional().describe("Another user's notifications (needs view_notifications)."),
});

export const NotificationListMeta = named(
  'NotificationListMeta',
  z.object({
    unread_count: z.number().int().describe("The listed user's unread notifications, whatever the filters."),
  }),
);

export const CreateNotificationBody = z
  .strictObject({
    user_id: z.uuid().optional(),
    broadcast: z.literal(true).optional(),
    type: z.enum(NOTIFICATION_TYPES),
    title: text(200),
    message: text(2000),
    title_ar: text(200).optional(),
    message_ar: text(2000).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.user_id === undefined && v.broadcast === undefined) {
      ctx.addIssue({ code: 'custom', path: ['user_id'], message: 'give user_id, or broadcast: true' });
    }
    if (v.user_id !== undefined && v.broadcast !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['broadcast'], message: 'give either user_id or broadcast, not both' });
    }
  });
export type CreateNotificationInput = z.infer<typeof CreateNotificationBody>;

export const BroadcastResultSchema = named('BroadcastResult', z.object({ count: z.number().int() }));
