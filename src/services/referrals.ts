/**
 * Referrals (SPEC §4, §10): applying a code once, and paying the referrer exactly once.
 *
 * The reward is due when the referred user has BOTH a completed premium report and an approved
 * payment; it is checked at both events — payment approval (its batch appends
 * `referralRewardStatements`) and premium completion (the AI engine calls `awardReferralIfDue`).
 *
 * Why the referral row is locked first: each check runs in the batch that records its own event
 * (or right after it), and each could miss the other's uncommitted event. Both take
 * `SELECT … FOR UPDATE` on the referral row before looking, so they queue; in READ COMMITTED every
 * later statement of a batch reads what was committed before it started, so the second check always
 * sees the first event. Paid at most once: the row lock, the `status = 'joined'` condition, and as a
 * last line the unique index `transactions_one_bonus_per_referral`.
 */
import { enqueueUserMail } from '../email/outbox.js';
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { bookEntriesFrom, isDoubleBooking } from './ledger.js';
import { notify } from './notify.js';
import { notificationTexts } from './notification-texts.js';
import { integerSettingSql } from './settings-sql.js';

/** The referred user's live premium report is completed (the reward condition). */
export const hasCompletedPremium = (userId: SQL | string) => sql`EXISTS (
  SELECT 1 FROM analyses a
  WHERE a.user_id = ${userId} AND a.report_type = 'premium' AND a.status = 'completed' AND a.deleted_at IS NULL)`;

export const hasApprovedPayment = (userId: SQL | string) =>
  sql`EXISTS (SELECT 1 FROM payments p WHERE p.user_id = ${userId} AND p.status = 'approved')`;

/**
 * The four statements that pay a due referral reward for `referredUserId` (a value, or SQL yielding
 * it, e.g. the owner of the payment being approved in the same batch): lock, book, notify, mark.
 * The bonus is booked first; notification and status follow from "booked and still joined", so the
 * three always agree even if the conditions change between statements. The last statement returns
 * the referral when it was rewarded.
 */
export function referralRewardStatements(db: Database, referredUserId: SQL | string) {
  const bonus = integerSettingSql('referral_bonus_credits');
  const bookedNotYetMarked = sql`EXISTS (
    SELECT 1 FROM referrals r JOIN transactions t ON t.type = 'referral_bonus' AND t.reference_id = r.id
    WHERE r.referred_id = ${referredUserId} AND r.status = 'joined')`;
  return [
    db.execute(sql`SELECT id FROM referrals WHERE referred_id = ${referredUserId} FOR UPDATE`),
    bookEntriesFrom(db, {
      type: 'referral_bonus',
      referenceType: 'referral',
      description: 'Referral bonus',
      source: sql`
        SELECT r.referrer_id AS user_id, ${bonus} AS credits, r.id AS reference_id
        FROM referrals r
        WHERE r.referred_id = ${referredUserId} AND r.status = 'joined' AND ${bonus} > 0
          AND ${hasCompletedPremium(sql`r.referred_id`)} AND ${hasApprovedPayment(sql`r.referred_id`)}`,
    }),
    notify(
      db,
      {
        userId: sql`(SELECT r.referrer_id FROM referrals r WHERE r.referred_id = ${referredUserId})`,
        ...notificationTexts('referral_rewarded'),
      },
      bookedNotYetMarked,
    ),
    db.execute<{ id: string; referrer_id: string }>(sql`
      UPDATE referrals SET status = 'rewarded', rewarded_at = now()
      WHERE referred_id = ${referredUserId} AND status = 'joined'
        AND EXISTS (SELECT 1 FROM transactions t WHERE t.type = 'referral_bonus' AND t.reference_id = referrals.id)
      RETURNING id, referrer_id`),
    // SPEC-WAVE2 §11.4: the referrer's mail, with the real amount, when this batch booked the bonus.
    enqueueUserMail(db, undefined, {
      eventKey: sql`'referral_reward:' || (SELECT r.id::text FROM referrals r WHERE r.referred_id = ${referredUserId})`,
      template: 'referral_reward',
      userId: sql`(SELECT r.referrer_id FROM referrals r WHERE r.referred_id = ${referredUserId})`,
      variablesSql: sql`jsonb_build_object('credits', ${bonus})`,
      when: sql`EXISTS (SELECT 1 FROM referrals r JOIN transactions t ON t.type = 'referral_bonus' AND t.reference_id = r.id
        WHERE r.referred_id = ${referredUserId} AND t.created_at = now())`,
    }),
  ] as const;
}

/**
 * Pays the referrer of `referredUserId` once, if the reward is due now (see the module comment).
 * Safe to call any number of times and concurrently: at most one call answers `awarded: true`.
 */
export async function awardReferralIfDue(db: Database, referredUserId: string): Promise<{ awarded: boolean }> {
  try {
    const [, , , marked] = await db.batch(referralRewardStatements(db, referredUserId));
    return { awarded: marked.rows.length > 0 };
  } catch (error) {
    // Only reachable if a writer skipped the row lock: the unique index still refuses the second bonus.
    if (isDoubleBooking(error, 'referral_bonus')) return { awarded: false };
    throw error;
  }
}

// ─── Applying a code ─────────────────────────────────────────────────────────

/**
 * A constant advisory-lock key: applies are rare (once per user), and serializing them all makes the
 * cycle check exact — two users applying each other's codes at the same moment cannot both pass.
 */
const APPLY_LOCK_KEY = 7_310_482_551;

export type ApplyRefusal = 'unknown_code' | 'own_code' | 'already_referred' | 'too_late' | 'cycle';

/**
 * POST /referrals/apply as one batch: the advisory lock, then ONE statement that evaluates the rules
 * and inserts the referral only when all hold (so the answer and the insert cannot disagree), then the
 * link on the user and the referrer's notification, both anchored on the new referral's id.
 */
export async function applyReferral(db: Database, userId: string, rawCode: string) {
  const code = rawCode.trim().toUpperCase();
  const referralId = crypto.randomUUID();
  const referrer = sql`(SELECT u.id FROM users u WHERE u.referral_code = ${code} AND u.is_active)`;
  // Any completed premium report, even one deleted since: the first one has happened.
  const tooLate = sql`EXISTS (
    SELECT 1 FROM analyses a WHERE a.user_id = ${userId} AND a.report_type = 'premium' AND a.status = 'completed')`;
  // The caller is somewhere up the referrer's chain of referrers.
  const cycle = (referrerId: SQL) => sql`EXISTS (
    WITH RECURSIVE chain(id) AS (
      SELECT ${referrerId}
      UNION
      SELECT r.referrer_id FROM referrals r JOIN chain ON r.referred_id = chain.id)
    SELECT 1 FROM chain WHERE chain.id = ${userId})`;
  const inserted = sql`EXISTS (SELECT 1 FROM referrals WHERE id = ${referralId})`;

  const [, applied] = await db.batch([
    db.execute(sql`SELECT pg_advisory_xact_lock(${APPLY_LOCK_KEY}::bigint)`),
    db.execute<{
      referrer_id: string | null;
      own: boolean | null;
      already: boolean;
      too_late: boolean;
      cycle: boolean;
      referral: { id: string; referrer_id: string; referred_id: string; status: string; rewarded_at: string | null; created_at: string } | null;
    }>(sql`
      WITH facts AS (
        SELECT f.referrer_id,
               f.referrer_id = ${userId}::uuid AS own,
               EXISTS (SELECT 1 FROM referrals WHERE referred_id = ${userId}) AS already,
               ${tooLate} AS too_late,
               ${cycle(sql`f.referrer_id`)} AS cycle
        FROM (SELECT ${referrer} AS referrer_id) f),
      created AS (
        INSERT INTO referrals (id, referrer_id, referred_id)
        SELECT ${referralId}, facts.referrer_id, ${userId} FROM facts
        WHERE facts.referrer_id IS NOT NULL AND NOT facts.own AND NOT facts.already AND NOT facts.too_late AND NOT facts.cycle
        RETURNING id, referrer_id, referred_id, status, rewarded_at, created_at)
      SELECT facts.*, (SELECT row_to_json(created) FROM created) AS referral FROM facts`),
    db.execute(sql`
      UPDATE users SET referred_by = (SELECT referrer_id FROM referrals WHERE id = ${referralId}), updated_at = now()
      WHERE id = ${userId} AND ${inserted}`),
    notify(
      db,
      {
        userId: sql`(SELECT referrer_id FROM referrals WHERE id = ${referralId})`,
        ...notificationTexts('referral_joined'),
        data: { referred_user_id: userId },
      },
      inserted,
    ),
    // SPEC-WAVE2 §0.1: applied by a verified user, the referrer hears about it at once (mail too).
    enqueueUserMail(db, undefined, {
      eventKey: `referral_joined:${userId}`,
      template: 'referral_joined',
      userId: sql`(SELECT referrer_id FROM referrals WHERE id = ${referralId})`,
      when: inserted,
    }),
  ]);
  const f = applied.rows[0]!;
  if (f.referral) return { referral: f.referral };
  const refusal: ApplyRefusal = !f.referrer_id
    ? 'unknown_code'
    : f.own
      ? 'own_code'
      : f.already
        ? 'already_referred'
        : f.too_late
          ? 'too_late'
          : 'cycle';
  return { refusal };
}
