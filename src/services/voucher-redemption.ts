/**
 * Redeeming an NGO voucher on an analysis, and unlinking (SPEC-WAVE2 §13.2). Exactly once, under any
 * concurrency:
 *
 * 1. The LOOKUP (one statement): finds the voucher by code (upper-cased) and the caller's profile. An unknown
 *    code counts a failed lookup through the gate discount codes use (`lookupGate`, services/code-lookups.ts:
 *    per user and per IP, hourly windows, voucher counters of their own) in the same statement, so a refusal
 *    still commits its counter (§0.1); past 10 per user or 30 per IP every lookup is 429 until the window
 *    ends. 404 for an unknown code; 400 `profile_incomplete` (checked first, and not counted).
 * 2. The REDEMPTION (one db.batch = one transaction): lock the analysis and the voucher rows; guards (the
 *    caller's live, unlinked analysis → 404/409; the voucher still active, in its window, under its cap, its
 *    NGO approved, its funding as seen → 400 with the reason; not the caller's own NGO, not redeemed by the
 *    caller before → 409); `redeemed_count + 1` guarded by the cap (and the CHECK
 *    `ngo_vouchers_redeemed_within_max`); the charge when the analysis is free — on the beneficiary (`self`)
 *    or the NGO account (`sponsored`), refused by `users_credits_non_negative` when short (402 /
 *    409 `voucher_unfunded`); the redemption row (UNIQUE per analysis and per voucher+user); premium flip and
 *    sections; the NGO's in-app `ngo_report_linked` and its mail; the beneficiary's activity entry; the analysis read back (with its `voucher`).
 *    Any failure rolls everything back.
 */
import { sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { isCheckViolation, isUniqueViolation } from '../db/errors.js';
import { enqueueUserMail } from '../email/outbox.js';
import { creditsLowStatements } from '../email/events.js';
import { AppError, fieldError, notFound, type ValidationIssue } from '../errors.js';
import { clientIp } from '../http/context.js';
import type { AppEnv } from '../types.js';
import { recordActivity } from './activity.js';
import { addPremiumSections, groupAnalysisRows, selectAnalysis, serializeAnalysis } from './analyses.js';
import { failedGuard, guard, lockAnalysis } from './batch-guards.js';
import { lookupGate, lookupRefused, voucherLookupKeys } from './code-lookups.js';
import { bookEntriesFrom, isInsufficientBalance } from './ledger.js';
import { voucherStateSql } from './ngo-access.js';
import { notify } from './notify.js';
import { integerSettingSql } from './settings-sql.js';

interface LookupRow {
  blocked_until: string | null;
  voucher_id: string | null;
  funding: 'self' | 'sponsored' | null;
  full_name_missing: boolean;
  phone_missing: boolean;
}

/**
 * One statement: the voucher by code, the caller's profile, and the shared failed-lookup gate (code-lookups.ts)
 * counting an unknown code — but not a lookup refused for an incomplete profile, which guesses nothing.
 */
async function lookUp(c: Context<AppEnv>, code: string): Promise<{ voucherId: string; funding: 'self' | 'sponsored' }> {
  const { db, user } = c.var;
  const unknownCode = sql`(SELECT voucher_id IS NULL AND NOT (full_name_missing OR phone_missing) FROM state)`;
  const result = await db.execute<LookupRow & Record<string, unknown>>(sql`
    WITH state AS (
      SELECT
        (SELECT id FROM ngo_vouchers WHERE code = ${code}) AS voucher_id,
        (SELECT funding FROM ngo_vouchers WHERE code = ${code}) AS funding,
        (SELECT full_name IS NULL OR btrim(full_name) = '' FROM users WHERE id = ${user.id}) AS full_name_missing,
        (SELECT phone_number IS NULL OR btrim(phone_number) = '' FROM users WHERE id = ${user.id}) AS phone_missing),
    ${lookupGate(voucherLookupKeys(user.id, clientIp(c)), unknownCode)}
    SELECT (SELECT blocked_until FROM lookup_gate) AS blocked_until, state.voucher_id, state.funding,
           state.full_name_missing, state.phone_missing
    FROM state`);
  const row = result.rows[0]!;
  if (row.full_name_missing || row.phone_missing) {
    const issues: ValidationIssue[] = [];
    if (row.full_name_missing) issues.push({ path: 'full_name', code: 'required', message: '' });
    if (row.phone_missing) issues.push({ path: 'phone_number', code: 'required', message: '' });
    throw new AppError('VALIDATION_ERROR', { message: 'ngo.profile_incomplete', details: { reason: 'profile_incomplete', issues } });
  }
  const blocked = lookupRefused(row.blocked_until, 'ngo.too_many_lookups');
  if (blocked) throw blocked;
  if (!row.voucher_id) throw notFound('ngo.voucher_unknown');
  return { voucherId: row.voucher_id, funding: row.funding! };
}

const STATE_REASONS = { inactive: 'inactive', scheduled: 'not_started', expired: 'expired', exhausted: 'exhausted' } as const;
const REASON_MESSAGES = {
  inactive: 'ngo.voucher_inactive',
  not_started: 'ngo.voucher_not_started',
  expired: 'ngo.voucher_expired',
  exhausted: 'ngo.voucher_exhausted',
} as const;

const voucherRefused = (reason: keyof typeof REASON_MESSAGES) => fieldError('code', reason, REASON_MESSAGES[reason], { reason });

export async function redeemVoucher(c: Context<AppEnv>, analysisId: string, code: string) {
  const { db, user, config } = c.var;
  const { voucherId, funding } = await lookUp(c, code);
  const sponsored = funding === 'sponsored';
  const cost = integerSettingSql('premium_report_cost');
  const chargeId = crypto.randomUUID();
  const redemptionId = crypto.randomUUID();
  const live = sql`a.id = ${analysisId} AND a.user_id = ${user.id} AND a.deleted_at IS NULL`;
  const voucher = sql`(SELECT v.* FROM ngo_vouchers v WHERE v.id = ${voucherId})`;
  const ngoUser = sql`(SELECT nr.user_id FROM ngo_vouchers v JOIN ngo_requests nr ON nr.id = v.ngo_request_id WHERE v.id = ${voucherId})`;
  const stateOf = sql`(SELECT ${voucherStateSql(sql`v`)} FROM ngo_vouchers v WHERE v.id = ${voucherId})`;
  const ngoApproved = sql`EXISTS (SELECT 1 FROM ngo_vouchers v JOIN ngo_requests nr ON nr.id = v.ngo_request_id
                                  WHERE v.id = ${voucherId} AND nr.status = 'approved')`;
  const wasFree = sql`EXISTS (SELECT 1 FROM analyses a WHERE a.id = ${analysisId} AND a.report_type = 'free')`;
  try {
    const results = await db.batch([
      lockAnalysis(db, analysisId),
      db.execute(sql`SELECT id FROM ngo_vouchers WHERE id = ${voucherId} FOR UPDATE`),
      guard(db, sql`EXISTS (SELECT 1 FROM analyses a WHERE ${live})`, 'not_found'),
      guard(db, sql`${ngoApproved} AND ${stateOf} <> 'inactive'`, 'inactive'),
      guard(db, sql`${stateOf} <> 'scheduled'`, 'not_started'),
      guard(db, sql`${stateOf} <> 'expired'`, 'expired'),
      guard(db, sql`${stateOf} <> 'exhausted'`, 'exhausted'),
      guard(db, sql`(SELECT funding FROM ${voucher} x) = ${funding}`, 'voucher_changed'),
      guard(
        db,
        sql`NOT EXISTS (SELECT 1 FROM ngo_voucher_redemptions r WHERE r.analysis_id = ${analysisId})
            AND NOT EXISTS (SELECT 1 FROM ngo_voucher_redemptions r WHERE r.voucher_id = ${voucherId} AND r.user_id = ${user.id})
            AND ${ngoUser} <> ${user.id}::uuid`,
        'conflict',
      ),
      // The cap, in the statement that takes the slot: exactly one row must change (else the batch fails).
      db.execute(sql`
        WITH bumped AS (
          UPDATE ngo_vouchers SET redeemed_count = redeemed_count + 1, updated_at = now()
          WHERE id = ${voucherId} AND (max_redemptions IS NULL OR redeemed_count < max_redemptions)
          RETURNING 1)
        SELECT CAST(CASE WHEN (SELECT count(*) FROM bumped) = 1 THEN '0' ELSE 'guard:exhausted' END AS integer) AS passed`),
      bookEntriesFrom(db, {
        id: chargeId,
        type: 'analysis_charge',
        referenceType: 'analysis',
        description: sponsored ? 'Premium report (sponsored voucher)' : 'Premium report (NGO voucher)',
        source: sql`SELECT ${sponsored ? ngoUser : sql`${user.id}::uuid`} AS user_id, -(${cost}) AS credits, ${analysisId}::uuid AS reference_id
                    WHERE ${wasFree}`,
      }),
      db.execute(sql`
        INSERT INTO ngo_voucher_redemptions (id, voucher_id, user_id, analysis_id, consented_at, sponsored, charge_transaction_id)
        VALUES (${redemptionId}, ${voucherId}, ${user.id}, ${analysisId}, now(), ${sponsored},
                (SELECT id FROM transactions WHERE id = ${chargeId}))`),
      db.execute(sql`
        UPDATE analyses SET report_type = 'premium', updated_at = now(),
               status = CASE WHEN report_type = 'free' AND status = 'completed' THEN 'pending' ELSE status END
        WHERE id = ${analysisId}`),
      addPremiumSections(db, analysisId),
      notify(db, {
        userId: ngoUser,
        type: 'ngo_report_linked',
        title: 'A report was linked to your programme',
        message: 'A beneficiary linked a feasibility report to one of your vouchers.',
        titleAr: 'تم ربط تقرير ببرنامجك',
        messageAr: 'ربط أحد المستفيدين دراسة جدوى بإحدى قسائمك.',
        data: { analysis_id: analysisId, voucher_id: voucherId },
      }),
      // SPEC-WAVE2 §11.4: the NGO account also hears by mail, once per redemption.
      enqueueUserMail(db, config, {
        eventKey: `ngo_report_linked:${redemptionId}`,
        template: 'ngo_report_linked',
        userId: ngoUser,
        variablesSql: sql`(SELECT jsonb_build_object('idea', left(a.business_idea, 200)) FROM analyses a WHERE a.id = ${analysisId})`,
      }),
      // §13.2 step 8, §11.8: the payer (the NGO when sponsored) is warned when this charge crossed the threshold.
      ...creditsLowStatements(db, config, sponsored ? ngoUser : user.id, sql`t.id = ${chargeId}`),
      recordActivity(db, {
        userId: user.id,
        action: 'voucher_redeemed',
        entityType: 'analysis',
        entityId: analysisId,
        data: { voucher_id: voucherId, sponsored },
      }),
      selectAnalysis(db, analysisId, { id: user.id, permissions: [] }),
    ]);
    const analysis = groupAnalysisRows(results[results.length - 1] as Parameters<typeof groupAnalysisRows>[0])!;
    return serializeAnalysis(analysis, user, { staleAfterSeconds: config.aiSectionTimeoutS });
  } catch (error) {
    const reason = failedGuard(error);
    if (reason === 'not_found') throw notFound();
    if (reason === 'inactive' || reason === 'not_started' || reason === 'expired' || reason === 'exhausted') throw voucherRefused(reason);
    if (reason === 'conflict' || reason === 'voucher_changed') throw new AppError('CONFLICT', { message: 'ngo.voucher_conflict' });
    if (isCheckViolation(error, 'ngo_vouchers_redeemed_within_max')) throw voucherRefused('exhausted');
    if (isUniqueViolation(error, 'ngo_voucher_redemptions_analysis_unique') || isUniqueViolation(error, 'ngo_voucher_redemptions_voucher_user_unique')) {
      throw new AppError('CONFLICT', { message: 'ngo.voucher_conflict' });
    }
    if (isInsufficientBalance(error)) {
      if (sponsored) throw new AppError('INVALID_STATE', { message: 'ngo.voucher_unfunded', details: { reason: 'voucher_unfunded' } });
      throw new AppError('INSUFFICIENT_CREDITS');
    }
    throw error;
  }
}

/**
 * Unlinks a linked redemption (the NGO loses access at once; no refund; the slot is not returned; later charges
 * of a sponsored report go to the owner). `scope` selects the redemption the caller may unlink.
 */
export async function unlinkRedemption(c: Context<AppEnv>, analysisId: string, by: 'ngo' | 'owner', scope: ReturnType<typeof sql>) {
  const { db } = c.var;
  const rows = await db.execute<{ id: string; status: string }>(sql`
    WITH target AS (
      SELECT r.id, r.status FROM ngo_voucher_redemptions r
      JOIN ngo_vouchers v ON v.id = r.voucher_id
      JOIN analyses a ON a.id = r.analysis_id AND a.deleted_at IS NULL
      WHERE r.analysis_id = ${analysisId} AND ${scope}
      FOR UPDATE OF r),
    changed AS (
      UPDATE ngo_voucher_redemptions r SET status = 'unlinked', unlinked_by = ${by}, unlinked_at = now(), updated_at = now()
      FROM target WHERE r.id = target.id AND target.status = 'linked'
      RETURNING r.id)
    SELECT target.id, CASE WHEN EXISTS (SELECT 1 FROM changed) THEN 'unlinked' ELSE target.status END AS status,
           EXISTS (SELECT 1 FROM changed) AS changed
    FROM target`);
  const row = rows.rows[0] as ({ id: string; status: string; changed: boolean } | undefined);
  if (!row) throw notFound();
  return row;
}
