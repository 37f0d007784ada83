/**
 * Periodic housekeeping, run by the Worker cron (`scheduled`) and by an interval on Node.
 * Each task is one statement; they run together in one batch (one round trip).
 */
import { purgeDeadSessions } from '../auth/sessions.js';
import type { Database } from '../db/client.js';
import { purgeExpiredRateLimits } from './rate-limit.js';

export async function runMaintenance(db: Database): Promise<void> {
  await db.batch([purgeDeadSessions(db), purgeExpiredRateLimits(db)]);
}
