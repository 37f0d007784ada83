/**
 * Periodic housekeeping, run by the Worker cron (`scheduled`) and by an interval on Node:
 * expired sessions and rate-limit windows (one batch), then sections stuck in `processing` longer
 * than AI_SECTION_TIMEOUT_S are settled as failed, with the refund rule applied.
 */
import { purgeDeadSessions } from '../auth/sessions.js';
import type { Database } from '../db/client.js';
import { purgeExpiredRateLimits } from './rate-limit.js';
import { sweepStaleSections } from './report-finish.js';

export async function runMaintenance(db: Database, options: { aiSectionTimeoutS: number }): Promise<{ staleSections: number }> {
  await db.batch([purgeDeadSessions(db), purgeExpiredRateLimits(db)]);
  const staleSections = await sweepStaleSections(db, options.aiSectionTimeoutS);
  return { staleSections };
}
