/**
 * Periodic housekeeping, run by the Worker cron (`scheduled`) and by an interval on Node:
 * expired sessions and rate-limit windows (one batch), then sections stuck in `processing` longer
 * than AI_SECTION_TIMEOUT_S are settled as failed, with the refund rule applied.
 */
import { purgeDeadSessions } from '../auth/sessions.js';
import type { Database } from '../db/client.js';
import { purgeOldMail } from '../email/retention.js';
import { purgeExpiredRateLimits } from './rate-limit.js';
import { sweepStaleSections } from './report-finish.js';

export async function runMaintenance(
  db: Database,
  options: { aiSectionTimeoutS: number; email?: { retentionDays: number } },
): Promise<{ staleSections: number }> {
  await db.batch([purgeDeadSessions(db), purgeExpiredRateLimits(db), ...purgeOldMail(db, options.email?.retentionDays ?? 30)]);
  const staleSections = await sweepStaleSections(db, options.aiSectionTimeoutS);
  return { staleSections };
}
