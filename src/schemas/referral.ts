/** Referrals (SPEC §4, §10) as the API returns them. */
import * as z from 'zod';
import { REFERRAL_STATUSES } from '../db/schema.js';
import { listQuery } from '../http/pagination.js';
import { isoDate, toIso } from './common.js';
import { named } from './registry.js';

export const ApplyReferralBody = z.strictObject({ referral_code: z.string().trim().min(1).max(32) });

export const ReferralListQuery = listQuery().extend({
  status: z.enum(REFERRAL_STATUSES).optional(),
  user_id: z.uuid().optional().describe("Another referrer's referrals: needs `view_users`"),
});

export const ReferralSchema = named(
  'Referral',
  z.object({
    id: z.uuid(),
    referrer_id: z.uuid(),
    referred_id: z.uuid(),
    referred_name: z.string().nullable().describe("The invited user's display or full name"),
    status: z.enum(REFERRAL_STATUSES),
    bonus_credits: z.number().int().describe('Credits the referrer earned for this referral (from the ledger)'),
    rewarded_at: isoDate.nullable(),
    created_at: isoDate,
  }),
);
export type ReferralDto = z.infer<typeof ReferralSchema>;

export const ReferralMetaSchema = named(
  'ReferralTotals',
  z.object({
    total: z.number().int(),
    rewarded: z.number().int(),
    credits_earned: z.number().int().describe('Sum of the referral_bonus ledger entries in scope'),
  }),
);

export interface ReferralRow {
  id: unknown;
  referrer_id: unknown;
  referred_id: unknown;
  referred_name: unknown;
  status: unknown;
  bonus_credits: unknown;
  rewarded_at: unknown;
  created_at: unknown;
}

export function serializeReferral(row: ReferralRow): ReferralDto {
  return {
    id: row.id as string,
    referrer_id: row.referrer_id as string,
    referred_id: row.referred_id as string,
    referred_name: (row.referred_name as string | null) ?? null,
    status: row.status as ReferralDto['status'],
    bonus_credits: Number(row.bonus_credits ?? 0),
    rewarded_at: toIso(row.rewarded_at as Date | string | null),
    created_at: toIso(row.created_at as Date | string)!,
  };
}
