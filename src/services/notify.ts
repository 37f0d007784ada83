/**
 * Server-written notifications (SPEC §7). `notify` returns ONE statement for the caller's `db.batch`
 * (so e.g. a payment approval books credits, notifies and audits atomically). It honours the user's
 * `notification_preferences`: a type set to false is not written; a missing key means on.
 *
 * Batches that are sent before anything has been read (e.g. a payment approval) know the recipient
 * and whether to notify only as SQL: `userId` may then be an SQL expression yielding a uuid, and
 * `when` an SQL condition; a NULL recipient or a false condition writes nothing.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { NotificationType } from '../db/schema.js';

export interface NotificationInput {
  userId: string | SQL;
  type: NotificationType;
  title: string;
  message: string;
  titleAr?: string;
  messageAr?: string;
  data?: Record<string, unknown>;
}

export function notify(db: Database, n: NotificationInput, when?: SQL) {
  return db.execute(sql`
    INSERT INTO notifications (user_id, type, title, message, title_ar, message_ar, data)
    SELECT u.id, ${n.type}, ${n.title}, ${n.message}, ${n.titleAr ?? null}, ${n.messageAr ?? null},
           ${n.data ? JSON.stringify(n.data) : null}::jsonb
    FROM users u
    WHERE u.id = ${n.userId}
      AND (u.notification_preferences -> ${n.type}) IS DISTINCT FROM 'false'::jsonb
      ${when ? sql`AND ${when}` : sql``}`);
}
