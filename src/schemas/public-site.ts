/** Request and response schemas of the public site and the support desk (SPEC-WAVE2 §14, §15). */
import * as z from 'zod';
import { listQuery } from '../http/pagination.js';
import { CONTACT_STATUSES } from '../db/schema.js';
import { httpsUrlOrImageDataUrl, isoDate, text, uuid } from './common.js';
import { unsafeLinkReason } from './public-url.js';
import { queryBoolean } from './query-boolean.js';

/** A public https link of at most `max` characters (no credentials, no private or loopback host). */
export function publicHttpsUrl(max = 2000) {
  return z
    .string()
    .trim()
    .max(max)
    .superRefine((value, ctx) => {
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        url = undefined;
      }
      if (!url || url.protocol !== 'https:') {
        ctx.addIssue({ code: 'custom', message: 'must be an https URL' });
        return;
      }
      const unsafe = unsafeLinkReason(url);
      if (unsafe) ctx.addIssue({ code: 'custom', message: unsafe });
    });
}

const displayOrder = z.number().int().min(-1_000_000).max(1_000_000);

// ─── Partners ────────────────────────────────────────────────────────────────

/** Logos: https (≤ 2000 characters) or a PNG/JPEG/WebP data URL of at most 32 KiB decoded (§0.1). SVG is refused. */
const logoUrl = httpsUrlOrImageDataUrl(32 * 1024).refine((v) => v.startsWith('data:') || v.length <= 2000, 'an https URL must be at most 2000 characters');

const partnerFields = {
  name: text(200),
  name_ar: text(200),
  logo_url: logoUrl,
  website_url: publicHttpsUrl().nullable(),
  color: z.string().regex(/^[0-9A-Fa-f]{6}$/, 'six hexadecimal digits, without #'),
  display_order: displayOrder,
  is_active: z.boolean(),
};

export const CreatePartnerBody = z.strictObject({
  ...partnerFields,
  website_url: partnerFields.website_url.optional(),
  color: partnerFields.color.optional(),
  display_order: displayOrder.optional(),
  is_active: z.boolean().optional(),
});
export const UpdatePartnerBody = z
  .strictObject(partnerFields)
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required');

export const PartnerSchema = z.object({
  id: uuid,
  name: z.string(),
  name_ar: z.string(),
  logo_url: z.string(),
  website_url: z.string().nullable(),
  color: z.string(),
  display_order: z.number().int(),
  is_active: z.boolean(),
  created_at: isoDate,
  updated_at: isoDate,
});

// ─── Social links ────────────────────────────────────────────────────────────

const socialFields = {
  platform: text(50),
  url: publicHttpsUrl(),
  icon: z.string().regex(/^[A-Za-z0-9]{1,50}$/, 'an icon name: 1–50 letters or digits'),
  hover_color: z
    .string()
    .regex(/^[a-z0-9:/[\]#\- ]{0,100}$/, 'CSS utility classes: lower-case letters, digits, spaces and : / [ ] # - only'),
  display_order: displayOrder,
  is_active: z.boolean(),
};

export const CreateSocialLinkBody = z.strictObject({
  ...socialFields,
  hover_color: socialFields.hover_color.optional(),
  display_order: displayOrder.optional(),
  is_active: z.boolean().optional(),
});
export const UpdateSocialLinkBody = z
  .strictObject(socialFields)
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required');

export const SocialLinkSchema = z.object({
  id: uuid,
  platform: z.string(),
  url: z.string(),
  icon: z.string(),
  hover_color: z.string(),
  display_order: z.number().int(),
  is_active: z.boolean(),
  created_at: isoDate,
  updated_at: isoDate,
});

export const SiteListQuery = listQuery()
  .pick({ page: true, per_page: true })
  .extend({
    include_inactive: queryBoolean.optional().describe('true: also inactive entries; needs manage_site_content and is never cached'),
  });

export const DeletedId = z.object({ id: uuid });

// ─── Landing statistics ──────────────────────────────────────────────────────

export const LandingStatsSchema = z.object({
  users_count: z.number().int().describe('Active users with a verified email'),
  reports_count: z.number().int().describe('Completed analyses that are not deleted'),
  syrian_apps_count: z.number().int().describe('The `syrian_apps_count` setting'),
});

// ─── Contact messages ────────────────────────────────────────────────────────

export const ContactBody = z.strictObject({
  name: text(120),
  email: z.email().trim().toLowerCase().max(254),
  subject: text(200).optional(),
  message: z.string().trim().min(10).max(5000),
  website: z.string().max(5000).optional().describe('Honeypot: leave empty. Humans never see this field.'),
  turnstile_token: z.string().max(4096).optional().describe('Cloudflare Turnstile token; required when the server is configured for it'),
});

export const ContactReceived = z.object({ received: z.literal(true) });

export const ContactMessageSchema = z.object({
  id: uuid,
  name: z.string(),
  email: z.string(),
  subject: z.string().nullable(),
  message: z.string(),
  language: z.enum(['en', 'ar']),
  user_id: uuid.nullable(),
  status: z.enum(CONTACT_STATUSES),
  spam_reason: z.string().nullable(),
  admin_note: z.string().nullable(),
  handled_by: uuid.nullable(),
  handled_at: isoDate.nullable(),
  user_agent: z.string().nullable(),
  created_at: isoDate,
  updated_at: isoDate,
});

export const ContactListMeta = z.object({ new_count: z.number().int().describe('Messages in status `new`, whatever the filters') });

const dateTimeFilter = z.iso.datetime({ offset: true });

export const ContactListQuery = listQuery().extend({
  status: z.enum(CONTACT_STATUSES).optional(),
  q: z.string().trim().min(1).max(200).optional().describe('Searches name, email, subject and message (case-insensitive)'),
  from: dateTimeFilter.optional().describe('created_at ≥ from (ISO 8601)'),
  to: dateTimeFilter.optional().describe('created_at < to (ISO 8601)'),
});

export const UpdateContactBody = z
  .strictObject({
    status: z.enum(CONTACT_STATUSES).optional(),
    admin_note: z.string().trim().max(2000).nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required');

// ─── Request logs ────────────────────────────────────────────────────────────

export const RequestLogSchema = z.object({
  id: uuid,
  created_at: isoDate,
  request_id: z.string(),
  method: z.string(),
  route: z.string(),
  path: z.string(),
  query_keys: z.array(z.string()),
  query: z.record(z.string(), z.string()).nullable(),
  status: z.number().int(),
  error_code: z.string().nullable(),
  duration_ms: z.number().int(),
  user_id: uuid.nullable(),
  ip_hash: z.string().nullable().describe('HMAC of the client IP; the raw IP is never stored'),
  user_agent: z.string().nullable(),
  request_bytes: z.number().int().nullable(),
  response_bytes: z.number().int().nullable(),
  runtime: z.enum(['workers', 'node']),
  kept_by: z.enum(['error', 'slow', 'sample']),
});

export const RequestLogDetailSchema = RequestLogSchema.extend({
  user: z.object({ id: uuid, email: z.string() }).nullable().describe('The caller, if the account still exists'),
});

/** Checked inside a refinement, so the OpenAPI document carries no huge address pattern. */
const IP_ADDRESS = z.union([z.ipv4(), z.ipv6()]);

export const RequestLogListQuery = listQuery(['duration_ms'] as const).extend({
  method: z
    .string()
    .regex(/^[A-Za-z]{3,7}$/)
    .transform((v) => v.toUpperCase())
    .optional()
    .describe('HTTP method, any case (GET, post, …)'),
  route: z.string().max(500).optional().describe('Exact route pattern, e.g. /api/analyses/:id'),
  path: z.string().max(500).optional().describe('Path prefix'),
  status: z.coerce.number().int().min(100).max(599).optional(),
  status_class: z.enum(['2xx', '3xx', '4xx', '5xx']).optional().describe('A class of statuses'),
  error_code: z.string().regex(/^[A-Z_]{1,64}$/).optional().describe('The envelope error_code, e.g. VALIDATION_ERROR'),
  user_id: uuid.optional(),
  user_email: z.email().trim().toLowerCase().optional().describe('Resolved to the user id (no match: an empty page)'),
  request_id: z.string().max(128).optional().describe('The X-Request-Id the response carried'),
  ip: z
    .string()
    .max(45)
    .refine((v) => IP_ADDRESS.safeParse(v).success, 'must be an IPv4 or IPv6 address')
    .optional()
    .describe('An IPv4 or IPv6 address, compared through its HMAC like the stored value'),
  from: dateTimeFilter.optional().describe('created_at ≥ from (ISO 8601)'),
  to: dateTimeFilter.optional().describe('created_at < to (ISO 8601)'),
  min_duration_ms: z.coerce.number().int().min(0).max(86_400_000).optional().describe('Only requests that took at least this long'),
});
