/**
 * What happens when a run changes an analysis to completed or failed: the owner is notified (their
 * notification preferences apply), the activity feed records it, and a completed PREMIUM report may pay
 * the referral bonus to whoever invited the owner (the referrals service decides and books it once).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { adminAlertStatements } from '../email/events.js';
import { enqueueUserMail } from '../email/outbox.js';
import { log } from '../http/logger.js';
import { recordActivity } from './activity.js';
import { notify } from './notify.js';
import { awardReferralIfDue } from './referrals.js';

export interface RunOutcome {
  analysisId: string;
  userId: string;
  status: 'completed' | 'failed';
  reportType: 'free' | 'premium';
  refundedCredits: number;
}

function notification(o: RunOutcome) {
  const data = { analysis_id: o.analysisId, report_type: o.reportType, refunded_credits: o.refundedCredits };
  if (o.status === 'completed') {
    return {
      userId: o.userId,
      type: 'analysis_completed' as const,
      title: 'Your report is ready',
      message: 'The feasibility report for your business idea is complete. Open it to see the results.',
      titleAr: 'تقريرك جاهز',
      messageAr: 'اكتملت دراسة الجدوى لفكرة مشروعك. افتحها للاطلاع على النتائج.',
      data,
    };
  }
  const refund = o.refundedCredits > 0;
  return {
    userId: o.userId,
    type: 'analysis_failed' as const,
    title: 'Some sections of your report failed',
    message: refund
      ? `The report could not be generated and ${o.refundedCredits} credit(s) were refunded. You can try again.`
      : 'Some sections could not be generated. You can retry them at no extra cost.',
    titleAr: 'تعذّر توليد بعض أقسام تقريرك',
    messageAr: refund
      ? `تعذّر توليد التقرير وأُعيد ${o.refundedCredits} من النقاط إلى رصيدك. يمكنك المحاولة مجدداً.`
      : 'تعذّر توليد بعض الأقسام. يمكنك إعادة المحاولة دون تكلفة إضافية.',
    data,
  };
}

export async function announceOutcome(db: Database, o: RunOutcome): Promise<void> {
  // The admin alert names an error code only, never error text (SPEC-WAVE2 §11.11).
  const errorCode = sql`COALESCE((SELECT s.error_code FROM analysis_sections s
    WHERE s.analysis_id = ${o.analysisId} AND s.status = 'failed' AND s.error_code IS NOT NULL LIMIT 1), 'UNKNOWN')`;
  await db.batch([
    notify(db, notification(o)),
    // SPEC-WAVE2 §11.4: the owner's mail, once per tier (the cron sends it).
    ...(o.status === 'completed'
      ? [
          enqueueUserMail(db, undefined, {
            eventKey: `analysis_completed:${o.analysisId}${o.reportType === 'premium' ? ':premium' : ''}`,
            template: 'analysis_completed',
            userId: o.userId,
            variablesSql: sql`(SELECT jsonb_build_object('idea', left(a.business_idea, 120)) FROM analyses a WHERE a.id = ${o.analysisId})`,
          }),
        ]
      : adminAlertStatements(db, undefined, {
          template: 'admin_analysis_failed',
          permission: 'manage_analyses',
          variables: { analysis_id: o.analysisId },
          variablesSql: sql`jsonb_build_object('error_code', ${errorCode})`,
          when: sql`true`,
          params: { analysis_id: o.analysisId },
          paramsSql: { error_code: errorCode },
          data: { analysis_id: o.analysisId },
        })),
    recordActivity(db, {
      userId: o.userId,
      action: o.status === 'completed' ? 'analysis_completed' : 'analysis_failed',
      entityType: 'analysis',
      entityId: o.analysisId,
      data: { report_type: o.reportType, ...(o.refundedCredits > 0 ? { refunded_credits: o.refundedCredits } : {}) },
    }),
  ]);
  if (o.status === 'completed' && o.reportType === 'premium') {
    try {
      await awardReferralIfDue(db, o.userId);
    } catch (error) {
      // The report is delivered either way; the referrals service books the bonus idempotently, so the
      // next check (an approved payment) can still pay it. Log and go on.
      log('error', 'referral award failed', { analysis_id: o.analysisId, error: String(error) });
    }
  }
}
