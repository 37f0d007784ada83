/** /api/referrals — applying a referral code and listing referrals with ledger totals (SPEC §4, §10). */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import { assertPermission, hasPermission, requireUser, requireVerifiedUser } from '../auth/guards.js';
import { referrals, users } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { ok, paginatedJson } from '../http/envelope.js';
import { pageWindow } from '../http/pagination.js';
import { isoText, jsonItem, listItem, orderBy, readJsonPage } from '../db/pagination.js';
import { describe } from '../http/route-meta.js';
import { body, query } from '../http/validate.js';
import type { MessageKey } from '../i18n/messages.js';
import {
  ApplyReferralBody,
  ReferralListQuery,
  ReferralMetaSchema,
  ReferralSchema,
  serializeReferral,
  type ReferralDto,
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

/** A referral as readJsonPage builds it; its bonus comes from the ledger. */
const referralItem = listItem(() =>
  jsonItem<ReferralDto>({
    id: referrals.id,
    referrer_id: referrals.referrerId,
    referred_id: referrals.referredId,
    referred_name: sql`COALESCE(${users.displayName}, ${users.fullName})`,
    status: referrals.status,
    bonus_credits: sql`COALESCE((
      SELECT sum(t.credits) FROM transactions t WHERE t.type = 'referral_bonus' AND t.reference_id = referrals.id), 0)::int`,
    rewarded_at: isoText(referrals.rewardedAt),
    created_at: isoText(referrals.createdAt),
  }),
);

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
      const mine = (alias: 'r' | 't', column: 'referrer_id' | 'user_id') => (referrer ? sql`${sql.raw(alias)}.${sql.identifier(column)} = ${referrer}` : sql`true`);
      const page = await readJsonPage(db, window, {
        item: referralItem(),
        from: sql`${referrals} INNER JOIN ${users} ON ${users.id} = ${referrals.referredId}`,
        where,
        orderBy: orderBy(SORTS, q.sort, q.order, referrals.id),
        // `meta` covers the whole scope whatever the status filter; `credits_earned` comes from the ledger.
        extras: {
          total: sql<number>`SELECT count(*)::int FROM referrals r WHERE ${mine('r', 'referrer_id')}`,
          rewarded: sql<number>`SELECT count(*)::int FROM referrals r WHERE r.status = 'rewarded' AND ${mine('r', 'referrer_id')}`,
          credits_earned: sql<number>`SELECT COALESCE(sum(t.credits), 0)::int FROM transactions t
            WHERE t.type = 'referral_bonus' AND ${mine('t', 'user_id')}`,
        },
      });
      const { total, rewarded, credits_earned } = page.extras;
      return paginatedJson(c, page, { total: Number(total), rewarded: Number(rewarded), credits_earned: Number(credits_earned) });
    },
  );
