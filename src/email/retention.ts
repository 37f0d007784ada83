/**
 * Outbox retention (SPEC-WAVE2 §11.2), run by the §9 maintenance: `sent` and `cancelled` rows older than
 * EMAIL_OUTBOX_RETENTION_DAYS, `failed` rows older than 90 days; spent or superseded codes after a day.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';

const FAILED_RETENTION_DAYS = 90;

export function purgeOldMail(db: Database, retentionDays: number) {
  return [
    db.execute(sql`
      DELETE FROM email_outbox
      WHERE (status IN ('sent', 'cancelled') AND updated_at < now() - make_interval(days => ${retentionDays}))
         OR (status = 'failed' AND updated_at < now() - make_interval(days => ${FAILED_RETENTION_DAYS}))`),
    db.execute(sql`
      DELETE FROM email_codes
      WHERE (consumed_at IS NOT NULL OR superseded_at IS NOT NULL OR expires_at < now()) AND created_at < now() - interval '1 day'`),
  ] as const;
}
