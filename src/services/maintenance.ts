/**
 * Periodic housekeeping, run by the Worker cron (`scheduled`) and by an interval on Node:
 * expired sessions, rate-limit windows and spam contact messages older than 30 days (one batch), then
 * sections stuck in `processing` longer than AI_SECTION_TIMEOUT_S are settled as failed, with the refund
 * rule applied, then request logs past REQUEST_LOG_RETENTION_DAYS are deleted (at most 10,000 per run).
 */
import { purgeDeadSessions } from '../auth/sessions.js';
import type { Database } from '../db/client.js';
import { purgeOldMail } from '../email/retention.js';
import { purgeExpiredRateLimits } from './rate-limit.js';
import { purgeOldSpam } from './contact.js';
import { pruneRequestLogs } from './request-logs.js';
import { sweepStaleSections } from './report-finish.js';

export async function runMaintenance(
  db: Database,
  options: { aiSectionTimeoutS: number; requestLog: { retentionDays: number }; email?: { retentionDays: number } },
): Promise<{ staleSections: number; requestLogsPruned: number }> {
  await db.batch([
    purgeDeadSessions(db),
    purgeExpiredRateLimits(db),
    purgeOldSpam(db),
    ...purgeOldMail(db, options.email?.retentionDays ?? 30),
  ]);
  const staleSections = await sweepStaleSections(db, options.aiSectionTimeoutS);
  const requestLogsPruned = await pruneRequestLogs(db, options.requestLog.retentionDays);
  return { staleSections, requestLogsPruned };
}
