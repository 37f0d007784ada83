/** The user's own activity feed (SPEC §7): server-written events, one statement for the caller's batch. */
import type { SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { activityFeed } from '../db/schema.js';

export interface ActivityEntry {
  userId: string;
  action: string;
  entityType?: string;
  entityId?: string;
  /** JSON data, or SQL computing it inside the batch (e.g. a setting's current value). */
  data?: Record<string, unknown> | SQL;
}

export function recordActivity(db: Database, entry: ActivityEntry) {
  return db.insert(activityFeed).values({
    userId: entry.userId,
    action: entry.action,
    entityType: entry.entityType ?? null,
    entityId: entry.entityId ?? null,
    data: entry.data ?? null,
  });
}
