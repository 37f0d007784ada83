/**
 * Import mapping: partners, social links and contact messages (§16.3, §14.1), written last. Fields are checked
 * with the admin routes' own schemas; a row that breaks a rule it can live without (a non-https link, a bad
 * colour or icon) is imported inactive, with the original value archived and the row reported.
 */
import type * as z from 'zod';
import { contactMessages, partners, socialLinks } from '../db/schema.js';
import { CreatePartnerBody, CreateSocialLinkBody } from '../schemas/public-site.js';
import { targetIdOf, type Unit } from './plan.js';
import { bool, charLength, cutReported, EMAIL, int, lowerEmail, str, ts, type Ctx } from './context.js';

const DEFAULT_COLOR = '6B46C1';
const DEFAULT_HOVER = 'hover:bg-orange-500 hover:border-orange-500';
/** Archived values stay small: a huge data-URL logo is recorded by its length only. */
const archivable = (v: string) => (v.length <= 65_536 ? v : { characters: v.length });

/**
 * A link checked with `schema` (https, public host). An `http://` link that passes once upgraded is upgraded
 * (the DB accepts https only); anything else is dropped. `changed` says the source value was not kept.
 */
function httpsLink(value: string | null, schema: z.ZodType): { url: string | null; changed: boolean } {
  const v = value?.trim() || null;
  if (v === null) return { url: null, changed: false };
  if (schema.safeParse(v).success) return { url: v, changed: false };
  const upgraded = /^http:\/\//i.test(v) ? `https://${v.slice(7)}` : null;
  return { url: upgraded && schema.safeParse(upgraded).success ? upgraded : null, changed: true };
}

export function mapSite(c: Ctx): void {
  const { source, importTime, problem, skip, begin, push, newStep, archiveOnly, archiveRow } = c;
  /** Reports a rule the row breaks, archives the source value, and returns false (the row goes in inactive). */
  const broken = (u: Unit, table: string, sid: string, field: string, value: string | null) => {
    problem({ table, source_id: sid, reason: `${field}_invalid_inactive` });
    archiveRow(u, table, sid, `${field}_invalid`, { [field]: value === null ? null : archivable(value) });
    return false;
  };

  // ─── partners ──────────────────────────────────────────────────────────────
  {
    const step = newStep('partners');
    const fields = CreatePartnerBody.shape;
    for (const row of source.partners) {
      const sid = String(row.id);
      const name = str(row.name)?.trim() || null;
      if (name === null) {
        skip('partners', sid, 'no_name');
        archiveOnly(step, 'partners', sid, 'no_name', { ...row, logo_url: row.logo_url === null ? null : archivable(String(row.logo_url)) });
        continue;
      }
      const id = targetIdOf('partners', sid);
      const u = begin('partners', sid, 'partners', id);
      if (!u) continue;
      let ok = true;
      const logo = httpsLink(str(row.logo_url), fields.logo_url);
      if (logo.changed || logo.url === null) ok = broken(u, 'partners', sid, 'logo_url', str(row.logo_url));
      const website = httpsLink(str(row.website_url), fields.website_url);
      if (website.changed) ok = broken(u, 'partners', sid, 'website_url', str(row.website_url));
      const colorIn = str(row.color)?.trim() ?? DEFAULT_COLOR;
      const color = fields.color.safeParse(colorIn).success ? colorIn : DEFAULT_COLOR;
      if (color !== colorIn) ok = broken(u, 'partners', sid, 'color', colorIn);
      const createdAt = ts(row.created_at) ?? importTime;
      u.inserts.push({
        table: partners,
        values: {
          id, name: cutReported(c, u, 'partners', sid, 'name', name, 200)!, nameAr: cutReported(c, u, 'partners', sid, 'name_ar', str(row.name_ar)?.trim() || name, 200)!,
          logoUrl: logo.url ?? '', websiteUrl: website.url, color, displayOrder: int(row.display_order) ?? 0, isActive: bool(row.is_active, true) && ok,
          createdAt, updatedAt: createdAt,
        },
      });
      push(step, u);
    }
  }

  // ─── social_media → social_links ───────────────────────────────────────────
  {
    const step = newStep('social_media');
    const fields = CreateSocialLinkBody.shape;
    for (const row of source.social_media) {
      const sid = String(row.id);
      const platform = str(row.platform)?.trim() || null;
      const url = httpsLink(str(row.url), fields.url);
      if (platform === null || url.url === null) {
        const reason = platform === null ? 'no_platform' : 'url_invalid';
        skip('social_media', sid, reason);
        archiveOnly(step, 'social_media', sid, reason, row);
        continue;
      }
      const id = targetIdOf('social_media', sid);
      const u = begin('social_media', sid, 'social_links', id);
      if (!u) continue;
      let ok = true;
      if (url.changed) ok = broken(u, 'social_media', sid, 'url', str(row.url));
      const iconIn = str(row.icon)?.trim() ?? '';
      let icon = iconIn;
      if (!fields.icon.safeParse(icon).success) {
        ok = broken(u, 'social_media', sid, 'icon', iconIn);
        icon = iconIn.replace(/[^A-Za-z0-9]/g, '').slice(0, 50) || 'Link';
      }
      const hoverIn = str(row.hover_color) ?? DEFAULT_HOVER;
      const hover = fields.hover_color.safeParse(hoverIn).success ? hoverIn : DEFAULT_HOVER;
      if (hover !== hoverIn) ok = broken(u, 'social_media', sid, 'hover_color', hoverIn);
      const createdAt = ts(row.created_at) ?? importTime;
      u.inserts.push({
        table: socialLinks,
        values: {
          id, platform: cutReported(c, u, 'social_media', sid, 'platform', platform, 50)!, url: url.url, icon, hoverColor: hover,
          displayOrder: int(row.display_order) ?? 0, isActive: bool(row.is_active, true) && ok, createdAt, updatedAt: createdAt,
        },
      });
      push(step, u);
    }
  }

  // ─── contact messages (never in the report: bodies are archived, not printed) ──
  {
    const step = newStep('contact_messages');
    for (const row of source.contact_messages) {
      const sid = String(row.id);
      const name = str(row.name)?.trim() || null;
      const email = lowerEmail(row.email);
      const message = str(row.message)?.trim() ?? '';
      const refused = name === null ? 'no_name' : !EMAIL.test(email) || email.length > 254 ? 'invalid_email' : charLength(message) < 10 ? 'message_too_short' : null;
      if (refused) {
        skip('contact_messages', sid, refused);
        archiveOnly(step, 'contact_messages', sid, refused, row);
        continue;
      }
      const id = targetIdOf('contact_messages', sid);
      const u = begin('contact_messages', sid, 'contact_messages', id);
      if (!u) continue;
      const createdAt = ts(row.created_at) ?? importTime;
      u.inserts.push({
        table: contactMessages,
        values: {
          id, name: cutReported(c, u, 'contact_messages', sid, 'name', name, 120)!, email, message: cutReported(c, u, 'contact_messages', sid, 'message', message, 5000)!,
          language: 'en', status: bool(row.is_read, false) ? 'read' : 'new',
          // No IP was recorded upstream: an empty hash (never an HMAC of anything). `email_sent` is dropped.
          ipHash: '', createdAt, updatedAt: createdAt,
        },
      });
      push(step, u);
    }
  }
}
