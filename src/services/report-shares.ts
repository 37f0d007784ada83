/**
 * Report share links (SPEC §7, §10).
 *
 * A token is 32 bytes from the platform CSPRNG (256 bits, base64url: 43 characters). Only its SHA-256
 * is stored: the token is a bearer secret, so a leaked backup or a read-only SQL bug must not yield
 * working links. A fast unsalted hash is enough because the input is uniformly random and far too
 * large to guess — salting or stretching protects low-entropy secrets such as passwords, not these.
 */
import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { isoText, jsonItem, listItem } from '../db/pagination.js';
import { analyses, analysisSections, reportShares, users } from '../db/schema.js';
import { translate } from '../i18n/messages.js';
import { toIso } from '../schemas/common.js';
import type { PublicReportDto, ShareDto } from '../schemas/report-share.js';
import { groundingOf, sectionsForTier, type ReportType } from './analyses.js';
import { enqueueUserMail } from '../email/outbox.js';
import { notify } from './notify.js';

const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** SPEC §7: the owner hears about views of one link at most once an hour. */
const NOTIFY_INTERVAL = sql.raw(`interval '1 hour'`);
const NOTIFICATION_IDEA_CHARS = 60;

export const PUBLIC_SHARE_PATH = '/api/report-shares/public/';

export function newShareToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(TOKEN_BYTES));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Links created by the earlier Flask app (uuid4().hex: 32 lower-case hex, 122 random bits), imported as hashes (§16.3). */
const LEGACY_TOKEN_PATTERN = /^[0-9a-f]{32}$/;

export const isShareToken = (value: string) => TOKEN_PATTERN.test(value) || LEGACY_TOKEN_PATTERN.test(value);

export async function hashShareToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export type ShareRow = typeof reportShares.$inferSelect;

/** A share as readJsonPage builds it: serializeShare in SQL. */
export const shareItem = listItem(() =>
  jsonItem<ShareDto>({
    id: reportShares.id,
    analysis_id: reportShares.analysisId,
    is_active: reportShares.isActive,
    expires_at: isoText(reportShares.expiresAt),
    view_count: reportShares.viewCount,
    last_viewed_at: isoText(reportShares.lastViewedAt),
    created_at: isoText(reportShares.createdAt),
    updated_at: isoText(reportShares.updatedAt),
  }));

export function serializeShare(row: ShareRow): ShareDto {
  return {
    id: row.id,
    analysis_id: row.analysisId,
    is_active: row.isActive,
    expires_at: toIso(row.expiresAt),
    view_count: row.viewCount,
    last_viewed_at: toIso(row.lastViewedAt),
    created_at: toIso(row.createdAt)!,
    updated_at: toIso(row.updatedAt)!,
  };
}

/** A share that can be opened: active, not expired, its analysis not deleted and its owner not deactivated. */
const openable = (tokenHash: string) =>
  and(
    eq(reportShares.tokenHash, tokenHash),
    eq(reportShares.isActive, true),
    or(isNull(reportShares.expiresAt), gt(reportShares.expiresAt, sql`now()`)),
    eq(analyses.id, reportShares.analysisId),
    isNull(analyses.deletedAt),
    sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${reportShares.userId} AND ${users.isActive})`,
  );

const publicColumns = {
  shareId: reportShares.id,
  ownerId: reportShares.userId,
  analysisId: analyses.id,
  businessIdea: analyses.businessIdea,
  industry: analyses.industry,
  location: analyses.location,
  reportLanguage: analyses.reportLanguage,
  reportType: analyses.reportType,
  createdAt: analyses.createdAt,
};

/**
 * The public view in at most two round trips:
 *  1. one batch: count the view atomically (view_count + 1) and, in the same UPDATE, claim the
 *     hourly owner notification (last_notified_at moves to now() only if the last one is an hour old);
 *     then read the completed sections. Concurrent viewers queue on the row lock, so only one of them
 *     can see `last_notified_at = now()` (the transaction's own timestamp) — one notification per hour.
 *  2. only when this view won the claim: the notification (which honours the owner's preferences).
 * `countView: false` (a HEAD request: link checkers, previews) reads the same view without counting it
 * or notifying anyone.
 * Returns undefined for an unknown, revoked or expired link, a deleted analysis or a deactivated
 * owner (all 404 alike).
 */
export async function openSharedReport(
  db: Database,
  token: string,
  options: { countView?: boolean } = {},
): Promise<PublicReportDto | undefined> {
  if (!isShareToken(token)) return undefined;
  const tokenHash = await hashShareToken(token);
  const header =
    options.countView === false
      ? db
          .select({ ...publicColumns, notifyOwner: sql<boolean>`false` })
          .from(reportShares)
          .innerJoin(analyses, eq(analyses.id, reportShares.analysisId))
          .where(openable(tokenHash))
      : db
          .update(reportShares)
          .set({
            viewCount: sql`${reportShares.viewCount} + 1`,
            lastViewedAt: sql`now()`,
            lastNotifiedAt: sql`CASE WHEN ${reportShares.lastNotifiedAt} IS NULL OR ${reportShares.lastNotifiedAt} <= now() - ${NOTIFY_INTERVAL}
                                 THEN now() ELSE ${reportShares.lastNotifiedAt} END`,
          })
          .from(analyses)
          .where(openable(tokenHash))
          .returning({ ...publicColumns, notifyOwner: sql<boolean>`${reportShares.lastNotifiedAt} = now()` });
  const [opened, sectionRows] = await db.batch([
    header,
    db
      .select({ section: analysisSections.section, content: analysisSections.content, sources: analysisSections.sources, research: analysisSections.research })
      .from(analysisSections)
      .innerJoin(reportShares, eq(reportShares.analysisId, analysisSections.analysisId))
      .where(and(eq(reportShares.tokenHash, tokenHash), eq(analysisSections.status, 'completed'))),
  ]);
  const share = opened[0];
  if (!share) return undefined;

  if (share.notifyOwner) {
    const idea = Array.from(share.businessIdea).slice(0, NOTIFICATION_IDEA_CHARS).join('');
    await db.batch([
      notify(db, {
        userId: share.ownerId,
        type: 'share_opened',
        title: translate('notify.share_opened.title', 'en'),
        message: translate('notify.share_opened.message', 'en', { idea }),
        titleAr: translate('notify.share_opened.title', 'ar'),
        messageAr: translate('notify.share_opened.message', 'ar', { idea }),
        data: { share_id: share.shareId, analysis_id: share.analysisId },
      }),
      // SPEC-WAVE2 §11.4: at most one mail per share per UTC day (the key), in the same round trip.
      enqueueUserMail(db, undefined, {
        eventKey: `share_opened:${share.shareId}:${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`,
        template: 'share_opened',
        userId: share.ownerId,
        variables: { idea },
      }),
    ]);
  }

  // The tier decides which sections exist publicly: premium rows of a free report never show.
  const completed = new Map(sectionRows.map((r) => [r.section, r.content as Record<string, unknown> | null]));
  const report: PublicReportDto['report'] = {};
  const sources: PublicReportDto['sources'] = {};
  const research: PublicReportDto['research'] = {};
  for (const name of sectionsForTier(share.reportType)) {
    report[name] = completed.get(name) ?? null;
    const row = sectionRows.find((r) => r.section === name);
    if (!row) continue;
    const g = groundingOf(row);
    if (g.sources) sources[name] = g.sources;
    if (g.research) research[name] = g.research;
  }
  return {
    business_idea: share.businessIdea,
    industry: share.industry,
    location: share.location,
    report_language: share.reportLanguage as PublicReportDto['report_language'],
    report_type: share.reportType as ReportType,
    report,
    sources,
    research,
    created_at: toIso(share.createdAt)!,
  };
}
