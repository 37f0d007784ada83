/**
 * notify (services/notify.ts) for batches that only know in SQL whom to notify and whether to.
 *
 * A payment approval is one db.batch sent before anything about the payment has been read, so its
 * notification's recipient (the payment's owner) and its condition (the payment was pending when the
 * batch locked it) exist only as SQL. Same row, same preference rule as `notify`: a type set to
 * false in the recipient's `notification_preferences` is not written; a missing key means on.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { NotificationInput } from './notify.js';

export interface DerivedNotification extends Omit<NotificationInput, 'userId'> {
  /** The recipient's id: a value, or an SQL expression yielding a uuid (NULL → nobody). */
  userId: string | SQL;
}

export function notifyIf(db: Database, n: DerivedNotification, condition: SQL) {
  return db.execute(sql`
    INSERT INTO notifications (user_id, type, title, message, title_ar, message_ar, data)
    SELECT u.id, ${n.type}, ${n.title}, ${n.message}, ${n.titleAr ?? null}, ${n.messageAr ?? null},
           ${n.data ? JSON.stringify(n.data) : null}::jsonb
    FROM users u
    WHERE u.id = ${n.userId}
      AND (u.notification_preferences -> ${n.type}) IS DISTINCT FROM 'false'::jsonb
      AND ${condition}`);
}
