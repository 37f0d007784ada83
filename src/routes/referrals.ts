/** /api/referrals — applying a referral code and listing referrals with ledger totals (SPEC §4, §10). */
import { and, count, eq, sql, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import { assertPermission, hasPermission, requireUser, requireVerifiedUser } from '../auth/guards.js';
import { referrals, users } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { ok, paginated } from '../http/envelope.js';
import { pageWindow } from '../http/pagination.js';
import { orderBy, readPage, withTotal } from '../db/pagination.js';
import { describe } from '../http/route-meta.js';
import { body, query } from '../http/validate.js';
import type { MessageKey } from '../i18n/messages.js';
import {
  ApplyReferralBody,
  ReferralListQuery,
  ReferralMetaSchema,
  ReferralSchema,
  serializeReferral,
} from '../schemas/referral.js';
import { applyReferral, type ApplyRefusal } from '../services/referrals.js';
import type { AppEnv } from '../types.js';

const REFUSALS: Record<Exclude<ApplyRefusal, 'unknown_code'>, MessageKey> = {
  own_code: 'referral.own_code',
  already_referred: 'referral.already_referred',
  too_late: 'referral.too_late',
  cycle: 'referral.cycle',
};

const SORTS = { created_at: referrals.createdAt, updated_at: referrals.createdAt };

export const referralRoutes = new Hono<AppEnv>()
  .post(
    '/apply',
    describe({
      operationId: 'applyReferralCode',
      summary: 'Apply a referral code to one’s own account',
      tags: ['referrals'],
      response: ReferralSchema,
      errors: ['NOT_FOUND', 'CONFLICT'],
    }),
    requireVerifiedUser,
    body(ApplyReferralBody),
    async (c) => {
      const { user } = c.var;
      const result = await applyReferral(c.var.db, user.id, c.req.valid('json').referral_code);
      if (result.refusal === 'unknown_code') throw notFound('referral.unknown_code');
      if (result.refusal) {
        throw new AppError('CONFLICT', { message: REFUSALS[result.refusal], details: { reason: result.refusal } });
      }
      const referral = serializeReferral({
        ...result.referral!,
        referred_name: user.displayName ?? user.fullName,
        bonus_credits: 0,
      });
      return ok(c, referral, 'ok.referral_applied');
    },
  )
  .get(
    '/',
    describe({
      operationId: 'listReferrals',
      summary: 'List referrals with totals',
      tags: ['referrals'],
      response: ReferralSchema,
      responseKind: 'paginated',
      meta: ReferralMetaSchema,
      errors: ['AUTHORIZATION_ERROR'],
    }),
    requireUser,
    query(ReferralListQuery),
    async (c) => {
      const q = c.req.valid('query');
      const { db, user } = c.var;
      if (q.user_id && q.user_id !== user.id) assertPermission(c, 'view_users');
      const referrer = q.user_id ?? (hasPermission(c, 'view_users') ? undefined : user.id);
      const window = pageWindow(c, q);
      const scope: SQL | undefined = referrer ? eq(referrals.referrerId, referrer) : undefined;
      const where = and(scope, q.status ? eq(referrals.status, q.status) : undefined);
      const bonus = sql<number>`COALESCE((
        SELECT sum(t.credits) FROM transactions t WHERE t.type = 'referral_bonus' AND t.reference_id = referrals.id), 0)::int`;
      const page = await readPage(db, window, {
        page: db
          .select(
            withTotal({
              id: referrals.id,
              referrer_id: referrals.referrerId,
              referred_id: referrals.referredId,
              referred_name: sql<string | null>`COALESCE(${users.displayName}, ${users.fullName})`,
              status: referrals.status,
              bonus_credits: bonus,
              rewarded_at: referrals.rewardedAt,
              created_at: referrals.createdAt,
            }),
          )
          .from(referrals)
          .innerJoin(users, eq(users.id, referrals.referredId))
          .where(where)
          .orderBy(...orderBy(SORTS, q.sort, q.order, referrals.id))
          .limit(window.limit)
          .offset(window.offset),
        count: db.select({ n: count() }).from(referrals).where(where),
        // `meta` covers the whole scope whatever the status filter; `credits_earned` comes from the ledger.
        extras: [
          db.execute<{ total: number; rewarded: number; credits_earned: number }>(sql`
            SELECT
              (SELECT count(*)::int FROM referrals r WHERE ${referrer ? sql`r.referrer_id = ${referrer}` : sql`true`}) AS total,
              (SELECT count(*)::int FROM referrals r WHERE r.status = 'rewarded' AND ${referrer ? sql`r.referrer_id = ${referrer}` : sql`true`}) AS rewarded,
              (SELECT COALESCE(sum(t.credits), 0)::int FROM transactions t
                WHERE t.type = 'referral_bonus' AND ${referrer ? sql`t.user_id = ${referrer}` : sql`true`}) AS credits_earned`),
        ],
      });
      const meta = page.extras[0].rows[0]!;
      return paginated(c, page.rows.map(serializeReferral), page.pagination, {
        total: Number(meta.total),
        rewarded: Number(meta.rewarded),
        credits_earned: Number(meta.credits_earned),
      });
    },
  );
