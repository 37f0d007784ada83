/**
 * Notifications written by an admin (POST /api/notifications, `manage_notifications`), audited in the
 * same batch. A broadcast is ONE `INSERT … SELECT` over the active users — O(1) round trips whatever
 * their number. Broadcasts honour each user's notification_preferences (the same rule as
 * services/notify.ts); a message addressed to one user is delivered regardless, since an admin chose
 * that recipient on purpose.
 */
import { sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { isForeignKeyViolation } from '../db/errors.js';
import { notifications } from '../db/schema.js';
import { fieldError } from '../errors.js';
import type { CreateNotificationInput } from '../schemas/notification.js';
import type { AppEnv } from '../types.js';
import { audit } from './audit.js';

type Content = Omit<CreateNotificationInput, 'user_id' | 'broadcast'>;

export async function sendToUser(c: Context<AppEnv>, userId: string, n: Content) {
  const { db } = c.var;
  try {
    const [rows] = await db.batch([
      db
        .insert(notifications)
        .values({ userId, type: n.type, title: n.title, message: n.message, titleAr: n.title_ar ?? null, messageAr: n.message_ar ?? null })
        .returning(),
      audit(db, c, { action: 'notification.send', entityType: 'user', entityId: userId, after: { type: n.type, title: n.title } }),
    ]);
    return rows[0]!;
  } catch (error) {
    // The foreign key is the existence check: an unknown user rolls the whole batch back.
    if (isForeignKeyViolation(error)) throw fieldError('user_id', 'not_found', 'notification.unknown_user');
    throw error;
  }
}

export async function broadcast(c: Context<AppEnv>, n: Content): Promise<number> {
  const { db } = c.var;
  const [sent] = await db.batch([
    db.execute<{ count: number }>(sql`
      WITH sent AS (
        INSERT INTO notifications (user_id, type, title, message, title_ar, message_ar)
        SELECT u.id, ${n.type}::text, ${n.title}::text, ${n.message}::text, ${n.title_ar ?? null}::text, ${n.message_ar ?? null}::text
        FROM users u
        WHERE u.is_active AND (u.notification_preferences -> ${n.type}::text) IS DISTINCT FROM 'false'::jsonb
        RETURNING 1)
      SELECT count(*)::int AS count FROM sent`),
    audit(db, c, { action: 'notification.broadcast', entityType: 'notification', after: { type: n.type, title: n.title } }),
  ]);
  return Number(sent.rows[0]?.count ?? 0);
}
