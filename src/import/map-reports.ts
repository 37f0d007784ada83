/** Import mapping: analyses with their sections, report shares and referrals (§16.3). */
import { sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { SECTION_SPECS } from '../ai/sections/index.js';
import {
  analyses,
  analysisSections,
  ngoVoucherRedemptions,
  referrals,
  reportShares,
  SECTION_NAMES,
  type SectionName,
} from '../db/schema.js';
import { sectionsForTier } from '../services/analyses.js';
import { isPlainObject, readJson } from './json.js';
import { targetIdOf, uuidv5 } from './plan.js';
import type { SourceRow } from './upstream.js';
import { bool, charLength, cut, int, lowerEmail, str, ts, type Ctx } from './context.js';

const MIN_IDEA = 10;
const ideaOf = (row: SourceRow) => (str(row.business_idea) ?? '').trim();
/** Whether a source analysis is imported: a known owner and an idea of at least 10 characters (map-programmes.ts plans voucher links with it). */
export const willImportAnalysis = (c: Ctx, row: SourceRow) => c.userOf(row.user_email) !== undefined && charLength(ideaOf(row)) >= MIN_IDEA;

export function mapReports(c: Ctx): void {
  const { source, importTime, totals, problem, skip, archiveRow, archiveOnly, begin, push, newStep, userOf, analysisOwner, voucherLinks } = c;
  // ─── analyses (+ sections) ─────────────────────────────────────────────────
  {
    const step = newStep('analyses');
    const paid = new Set<string>();
    for (const t of source.transactions) {
      const type = str(t.type);
      if ((type === 'analysis' || type === 'usage') && str(t.status) !== 'refunded' && t.reference_id) paid.add(String(t.reference_id));
    }
    const sectionTotals: Record<string, { completed: number; failed: number; pending: number }> = {};
    let legacyPaid = 0;
    let premiumUnpaid = 0;
    for (const row of source.analyses) {
      const sid = String(row.id);
      const email = lowerEmail(row.user_email);
      const userId = userOf(row.user_email);
      if (!userId) {
        skip('analyses', sid, 'unknown_user', { email });
        continue;
      }
      const id = targetIdOf('analyses', sid);
      let idea = ideaOf(row);
      if (charLength(idea) < MIN_IDEA) {
        skip('analyses', sid, 'idea_too_short');
        archiveOnly(step, 'analyses', sid, 'idea_too_short', { business_idea: idea, user_email: email });
        continue;
      }
      const deleted = bool(row.is_deleted, false);
      const tier = str(row.report_type) === 'premium' ? 'premium' : 'free';
      const isPaid = tier === 'premium' && paid.has(sid);
      analysisOwner.set(sid, { id, userId, email, deleted, paidPremium: isPaid });
      const u = begin('analyses', sid, 'analyses', id);
      if (!u) continue;
      if (charLength(idea) > 10000) {
        archiveRow(u, 'analyses', sid, 'idea_cut', { business_idea: idea });
        idea = cut(idea, 10000)!;
      }
      const lang = (str(row.report_language) ?? '').toLowerCase();
      if (tier === 'premium') {
        if (isPaid) legacyPaid++;
        else {
          premiumUnpaid++;
          problem({ table: 'analyses', source_id: sid, reason: 'premium_unpaid', email });
        }
      }
      const legacy: Record<string, unknown> = {};
      for (const col of ['report', 'executive_summary', 'market_analysis', 'financial_projections', 'risk_assessment', 'recommendations', 'score', 'last_error', 'regeneration_context']) {
        if (row[col] !== null && row[col] !== undefined) legacy[col] = row[col];
      }
      if (Object.keys(legacy).length) archiveRow(u, 'analyses', sid, 'legacy_report', legacy);
      const link = voucherLinks.get(sid);
      if (link && !link.voucherId) {
        archiveRow(u, 'analyses', sid, 'voucher_link', { voucher_id: row.voucher_id, is_ngo_favourite: row.is_ngo_favourite, is_ngo_archived: row.is_ngo_archived, not_linked: link.notLinked });
      }

      const tierSections = sectionsForTier(tier);
      const sections: { section: SectionName; status: 'completed' | 'failed' | 'pending'; content: unknown; errorCode: string | null }[] = [];
      let marketFit: number | null = null;
      for (const section of SECTION_NAMES) {
        const column = `tab_${section}`;
        const parsed = readJson(row[column]);
        if (!tierSections.includes(section)) {
          if (parsed.kind !== 'absent') archiveRow(u, 'analyses', sid, `tier_excluded:${section}`, { [column]: row[column] });
          continue;
        }
        const totalsFor = (sectionTotals[section] ??= { completed: 0, failed: 0, pending: 0 });
        if (parsed.kind === 'absent') {
          sections.push({ section, status: 'pending', content: null, errorCode: null });
          totalsFor.pending++;
          continue;
        }
        const content = parsed.kind === 'value' ? (section === 'market' ? migrateMarket(parsed.value) : parsed.value) : undefined;
        const valid = content === undefined ? undefined : SECTION_SPECS[section].schema.safeParse(content);
        if (valid?.success) {
          sections.push({ section, status: 'completed', content: valid.data, errorCode: null });
          totalsFor.completed++;
          if (section === 'overview') marketFit = (valid.data as { market_fit_score: number }).market_fit_score;
        } else {
          sections.push({ section, status: 'failed', content: null, errorCode: 'legacy_invalid' });
          totalsFor.failed++;
          archiveRow(u, 'analyses', sid, `section_invalid:${section}`, { [column]: row[column] });
        }
      }
      const status = sections.every((s) => s.status === 'completed') ? 'completed' : sections.some((s) => s.status === 'failed') ? 'failed' : 'pending';
      let rating = int(row.user_rating);
      if (rating !== null && (rating < 1 || rating > 5)) rating = null;
      const createdAt = ts(row.created_at) ?? importTime;
      const updatedAt = ts(row.updated_at) ?? createdAt;
      u.inserts.push({
        table: analyses,
        values: {
          id, userId, businessIdea: idea, industry: str(row.industry), targetMarket: str(row.target_market), location: str(row.location), budget: str(row.budget),
          reportLanguage: lang === 'arabic' || lang === 'ar' ? 'ar' : 'en', reportType: tier, status, marketFitScore: marketFit,
          userRating: rating, userFeedback: cut(str(row.user_feedback), 2000), legacyPaid: isPaid,
          deletedAt: deleted ? (ts(row.deleted_at) ?? updatedAt) : null, createdAt, updatedAt,
        },
      });
      for (const s of sections) {
        u.inserts.push({ table: analysisSections, values: { analysisId: id, section: s.section, status: s.status, content: s.content, errorCode: s.errorCode, updatedAt } });
      }
      if (link?.voucherId) {
        // §16.3 with §0.1: linked, self-funded, no charge, consent not yet given (the NGO sees no contact data until then).
        u.inserts.push({
          table: ngoVoucherRedemptions,
          values: {
            id: uuidv5(`ngo_voucher_redemptions:${sid}`), voucherId: link.voucherId, userId, analysisId: id, status: 'linked', consentedAt: null, sponsored: false,
            isFavourite: link.isFavourite, isArchived: link.isArchived, createdAt, updatedAt: createdAt,
          },
        });
        // One more redemption on the voucher, raising a cap the upstream race overshot; only if the link was written.
        u.after.push(sql`
          UPDATE ngo_vouchers SET redeemed_count = redeemed_count + 1,
            max_redemptions = CASE WHEN max_redemptions < redeemed_count + 1 THEN redeemed_count + 1 ELSE max_redemptions END
          WHERE id = ${link.voucherId} AND EXISTS (SELECT 1 FROM ngo_voucher_redemptions r WHERE r.analysis_id = ${id} AND r.voucher_id = ${link.voucherId})`);
      }
      push(step, u);
    }
    totals.premium_legacy_paid = legacyPaid;
    totals.premium_unpaid = premiumUnpaid;
    totals.sections = sectionTotals;
  }

  // ─── report shares ─────────────────────────────────────────────────────────
  {
    const step = newStep('report_shares');
    for (const row of source.report_shares) {
      const sid = String(row.id);
      const owner = analysisOwner.get(String(row.analysis_id));
      if (!owner) {
        skip('report_shares', sid, 'analysis_not_imported');
        continue;
      }
      const createdBy = row.created_by ? lowerEmail(row.created_by) : null;
      if (createdBy !== null && createdBy !== owner.email) {
        skip('report_shares', sid, 'creator_not_owner');
        continue;
      }
      const token = str(row.share_token);
      if (!token) {
        skip('report_shares', sid, 'no_token');
        continue;
      }
      const id = targetIdOf('report_shares', sid);
      const u = begin('report_shares', sid, 'report_shares', id);
      if (!u) continue;
      if (!/^[0-9a-f]{32}$/.test(token)) problem({ table: 'report_shares', source_id: sid, reason: 'token_not_legacy_format' });
      const createdAt = ts(row.created_at) ?? importTime;
      u.inserts.push({
        table: reportShares,
        values: {
          id, analysisId: owner.id, userId: owner.userId, tokenHash: createHash('sha256').update(token, 'utf8').digest('hex'),
          isActive: owner.deleted ? false : bool(row.is_active, true), expiresAt: ts(row.expires_at), viewCount: Math.max(0, int(row.access_count) ?? 0),
          createdAt, updatedAt: createdAt,
        },
      });
      push(step, u);
    }
  }

  // ─── referrals (then users.referred_by) ────────────────────────────────────
  {
    const step = newStep('referrals');
    const paidPremiumOwners = new Set([...analysisOwner.values()].filter((a) => a.paidPremium).map((a) => a.userId));
    let joinedQualifying = 0;
    const referredTaken = new Set<string>();
    const edges = new Set<string>();
    for (const row of [...source.referrals].sort((a, b) => String(a.created_at ?? '').localeCompare(String(b.created_at ?? '')))) {
      const sid = String(row.id);
      const referrer = userOf(row.referrer_email);
      const referred = userOf(row.referred_email);
      if (!referrer || !referred) {
        skip('referrals', sid, 'unknown_user');
        continue;
      }
      if (referrer === referred) {
        skip('referrals', sid, 'self_referral');
        continue;
      }
      if (referredTaken.has(referred)) {
        skip('referrals', sid, 'duplicate_referred');
        continue;
      }
      if (edges.has(`${referred}>${referrer}`)) {
        skip('referrals', sid, 'cycle');
        continue;
      }
      referredTaken.add(referred);
      edges.add(`${referrer}>${referred}`);
      const id = targetIdOf('referrals', sid);
      const u = begin('referrals', sid, 'referrals', id);
      if (!u) continue;
      const rewarded = str(row.status) === 'rewarded';
      if (!rewarded && paidPremiumOwners.has(referred)) joinedQualifying++;
      u.inserts.push({
        table: referrals,
        values: { id, referrerId: referrer, referredId: referred, status: rewarded ? 'rewarded' : 'joined', rewardedAt: rewarded ? (ts(row.rewarded_at) ?? ts(row.created_at) ?? importTime) : null, createdAt: ts(row.created_at) ?? importTime },
      });
      u.after.push(sql`UPDATE users SET referred_by = ${referrer} WHERE id = ${referred} AND referred_by IS NULL`);
      push(step, u);
    }
    // §16.3: no bonus is booked at import; these pay on the referred user's next qualifying event (§10).
    totals.referrals_joined_already_qualifying = joinedQualifying;
  }
}

/** Upstream market tab → §5 market section: Syrian keys renamed, competitor links reshaped, social dropped. */
export function migrateMarket(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = { ...value };
  if ('syrian_market' in out) {
    out.local_market = out.syrian_market;
    delete out.syrian_market;
  }
  if ('syrian_competitors' in out) {
    out.competitors = out.syrian_competitors;
    delete out.syrian_competitors;
  }
  if (Array.isArray(out.competitors)) {
    out.competitors = out.competitors.map((c) => {
      if (!isPlainObject(c)) return c;
      const { app_links: appLinks, social: _social, ...rest } = c;
      const links: Record<string, string> = {};
      if (isPlainObject(appLinks)) {
        for (const k of ['website', 'android', 'ios']) if (typeof appLinks[k] === 'string' && appLinks[k]) links[k] = appLinks[k] as string;
      }
      return { ...rest, links: isPlainObject(rest.links) ? rest.links : links };
    });
  }
  return out;
}

