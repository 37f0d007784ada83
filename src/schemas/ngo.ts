/** The NGO programme (SPEC-WAVE2 §13): request bodies and response shapes. */
import * as z from 'zod';
import { NGO_ORGANIZATION_TYPES, NGO_REQUEST_STATUSES, REPORT_TYPES, VOUCHER_FUNDINGS, ANALYSIS_STATUSES } from '../db/schema.js';
import { listQuery } from '../http/pagination.js';
import { isoDate, text } from './common.js';
import { unsafeLinkReason } from './public-url.js';
import { queryBoolean } from './query-boolean.js';

const phone = z
  .string()
  .trim()
  .min(4)
  .max(32)
  .regex(/^[0-9 +()-]+$/, 'only digits, spaces and + - ( ) are allowed');

const website = z
  .string()
  .trim()
  .max(500)
  .refine((v) => {
    try {
      const url = new URL(v);
      return url.protocol === 'https:' && unsafeLinkReason(url) === undefined;
    } catch {
      return false;
    }
  }, 'an https URL to a public host');

export const CreateNgoRequestBody = z.strictObject({
  organization_name: text(200, 2),
  organization_type: z.enum(NGO_ORGANIZATION_TYPES),
  contact_name: text(120, 2),
  contact_email: z
    .email()
    .max(254)
    .transform((v) => v.toLowerCase()),
  contact_phone: phone,
  website: website.nullable().optional(),
  description: text(2000).nullable().optional(),
});

export const ApproveNgoRequestBody = z.strictObject({ admin_notes: text(2000).optional() });
export const ReasonBody = z.strictObject({ reason: text(2000) });
export const AdminNotesBody = z.strictObject({ admin_notes: text(2000).nullable() });

export const NgoRequestListQuery = listQuery().extend({
  status: z.enum(NGO_REQUEST_STATUSES).optional(),
  q: z.string().trim().min(1).max(200).optional().describe('Organisation, contact name or email, applicant email'),
});

export const NgoRequestSchema = z.object({
  id: z.uuid(),
  user_id: z.uuid(),
  organization_name: z.string(),
  organization_type: z.enum(NGO_ORGANIZATION_TYPES),
  contact_name: z.string(),
  contact_email: z.string(),
  contact_phone: z.string(),
  website: z.string().nullable(),
  description: z.string().nullable(),
  status: z.enum(NGO_REQUEST_STATUSES),
  reviewed_at: isoDate.nullable(),
  review_reason: z.string().nullable(),
  created_at: isoDate,
  updated_at: isoDate,
});
export const AdminNgoRequestSchema = NgoRequestSchema.extend({
  admin_notes: z.string().nullable(),
  reviewed_by: z.uuid().nullable(),
  applicant: z.object({ id: z.uuid(), email: z.string(), full_name: z.string().nullable() }).optional(),
});
export const MyNgoRequestSchema = z.object({
  request: NgoRequestSchema.nullable(),
  status: z.enum(NGO_REQUEST_STATUSES).nullable(),
});

export const VOUCHER_STATES = ['inactive', 'scheduled', 'expired', 'exhausted', 'active'] as const;

const day = z.iso.date().describe('A UTC day, YYYY-MM-DD');
const voucherFields = {
  name: text(200),
  description: text(2000).nullable(),
  activation_start: day.nullable(),
  activation_end: day.nullable(),
  max_redemptions: z.number().int().min(1).max(1_000_000).nullable(),
  funding: z.enum(VOUCHER_FUNDINGS),
};
const windowOk = (v: { activation_start?: string | null; activation_end?: string | null }) =>
  !v.activation_start || !v.activation_end || v.activation_end >= v.activation_start;
const sponsoredCapped = (v: { funding?: string; max_redemptions?: number | null }) => v.funding !== 'sponsored' || v.max_redemptions != null;

export const CreateVoucherBody = z
  .strictObject({
    ...voucherFields,
    description: voucherFields.description.optional(),
    activation_start: voucherFields.activation_start.optional(),
    activation_end: voucherFields.activation_end.optional(),
    max_redemptions: voucherFields.max_redemptions.optional(),
    funding: voucherFields.funding.default('self'),
  })
  .refine(windowOk, { path: ['activation_end'], message: 'must not be before activation_start' })
  .refine(sponsoredCapped, { path: ['max_redemptions'], message: 'a sponsored voucher needs max_redemptions' });

export const UpdateVoucherBody = z
  .strictObject({ ...voucherFields, is_active: z.boolean() })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required')
  .refine(windowOk, { path: ['activation_end'], message: 'must not be before activation_start' });

export const VoucherListQuery = listQuery().extend({ state: z.enum(VOUCHER_STATES).optional().describe('Only vouchers in this state') });

export const VoucherSchema = z.object({
  id: z.uuid(),
  ngo_request_id: z.uuid(),
  code: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  activation_start: z.string().nullable(),
  activation_end: z.string().nullable(),
  max_redemptions: z.number().int().nullable(),
  redeemed_count: z.number().int(),
  remaining: z.number().int().nullable().describe('null: unlimited'),
  funding: z.enum(VOUCHER_FUNDINGS),
  is_active: z.boolean(),
  admin_disabled: z.boolean(),
  state: z.enum(VOUCHER_STATES),
  created_at: isoDate,
  updated_at: isoDate,
});

export const NgoStatsSchema = z.object({
  total_vouchers: z.number().int(),
  active_vouchers: z.number().int(),
  total_reports: z.number().int(),
  favourite_reports: z.number().int(),
  archived_reports: z.number().int(),
  sponsored_credits_spent: z.number().int(),
});

export const LinkedAnalysesQuery = listQuery().extend({
  include_archived: queryBoolean.optional().describe('true: also archived reports (default false)'),
});

const beneficiary = z
  .object({ full_name: z.string().nullable(), email: z.string().nullable(), phone_number: z.string().nullable() })
  .describe('Shown only once the beneficiary consented; null fields otherwise');

export const LinkedAnalysisSchema = z.object({
  analysis_id: z.uuid(),
  business_idea: z.string(),
  industry: z.string().nullable(),
  report_type: z.enum(REPORT_TYPES),
  status: z.enum(ANALYSIS_STATUSES),
  created_at: isoDate,
  market_fit_score: z.number().int().nullable(),
  time_to_build_months: z.number().nullable(),
  competitors_count: z.number().int().nullable(),
  starting_cost_usd: z.number().nullable(),
  is_favourite: z.boolean(),
  is_archived: z.boolean(),
  linked_at: isoDate,
  beneficiary,
});

export const FlagBody = z.strictObject({ value: z.boolean() });

export const RedeemVoucherBody = z.strictObject({
  code: z
    .string()
    .trim()
    .min(3)
    .max(40)
    .transform((v) => v.toUpperCase())
    .pipe(z.string().regex(/^[A-Z0-9_-]+$/, 'letters, digits, _ and -')),
  ngo_consent: z.literal(true, { error: 'must be true: the beneficiary agrees to share their contact data and this report' }),
});
