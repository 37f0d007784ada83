/**
 * Import mapping: the NGO programme (§16.3 rows `ngo_requests`, `project_vouchers`, `analyses.voucher_id`; §13.1),
 * written after payments and before analyses. Also decides which imported analyses link to which voucher (by the
 * §13.2 rules a live redemption obeys): the redemption rows themselves are written with their analyses
 * (map-reports.ts), which bump `redeemed_count`.
 */
import { NGO_ORGANIZATION_TYPES, ngoRequests, ngoVouchers } from '../db/schema.js';
import { CreateNgoRequestBody } from '../schemas/ngo.js';
import { targetIdOf } from './plan.js';
import { bool, byCreated, charLength, cutReported, int, lowerEmail, str, ts, type Ctx } from './context.js';
import { willImportAnalysis } from './map-reports.js';

const LIVE = new Set(['pending', 'approved']);
const VOUCHER_CODE = /^[A-Z0-9_-]{3,40}$/;

export function mapProgrammes(c: Ctx): void {
  const { source, target, importTime, totals, problem, skip, begin, push, newStep, archiveOnly, userOf, isMapped, report, voucherLinks } = c;
  const requestIds = new Map<string, string>();
  /** target request id → its NGO account (target user id) */
  const requestUsers = new Map<string, string>();
  // ─── NGO requests (newest first: of several live requests of one user, the newest stays) ──
  {
    const step = newStep('ngo_requests');
    const emailOf = new Map(source.users.map((u) => [String(u.id), u.email]));
    const live = new Map(target.liveNgoRequests);
    for (const row of [...source.ngo_requests].sort(byCreated).reverse()) {
      const sid = String(row.id);
      const userId = userOf(emailOf.get(String(row.user_id)));
      const mapped = target.mapped.get(`ngo_requests:${sid}`);
      if (mapped) {
        requestIds.set(sid, mapped);
        if (userId) requestUsers.set(mapped, userId); // user_id is kept at import and never changes
        report('ngo_requests').already_present++;
        continue;
      }
      if (!userId) {
        skip('ngo_requests', sid, 'unknown_user');
        continue;
      }
      const organization = (str(row.organization_name) ?? '').trim();
      const contact = (str(row.contact_name) ?? '').trim();
      if (charLength(organization) < 2 || charLength(contact) < 2) {
        skip('ngo_requests', sid, 'name_too_short');
        archiveOnly(step, 'ngo_requests', sid, 'name_too_short', row);
        continue;
      }
      const id = targetIdOf('ngo_requests', sid);
      requestIds.set(sid, id);
      requestUsers.set(id, userId);
      const u = begin('ngo_requests', sid, 'ngo_requests', id)!;
      const sourceStatus = (str(row.status) ?? 'pending').trim().toLowerCase();
      let status = LIVE.has(sourceStatus) || sourceStatus === 'rejected' ? sourceStatus : 'pending';
      if (status !== sourceStatus) problem({ table: 'ngo_requests', source_id: sid, reason: 'unknown_status_pending', detail: sourceStatus.slice(0, 50) });
      let reviewReason: string | null = null;
      if (LIVE.has(status)) {
        const other = live.get(userId);
        if (other && other !== id) {
          status = 'rejected';
          reviewReason = 'superseded at import';
          problem({ table: 'ngo_requests', source_id: sid, reason: 'superseded' });
        } else live.set(userId, id);
      }
      const type = (str(row.organization_type) ?? '').trim().toLowerCase();
      const organizationType = (NGO_ORGANIZATION_TYPES as readonly string[]).includes(type) ? type : 'other';
      if (organizationType !== type) problem({ table: 'ngo_requests', source_id: sid, reason: 'organization_type_other', detail: type.slice(0, 100) });
      // Contact email and phone are the NGO's own details, shown to admins and never used to send anything: one that
      // fails the app's rule (the §13.3 request schema) is kept as written and reported, for the admin to correct.
      const email = lowerEmail(row.contact_email);
      if (!CreateNgoRequestBody.shape.contact_email.safeParse(email).success) problem({ table: 'ngo_requests', source_id: sid, reason: 'contact_email_invalid' });
      const phone = (str(row.contact_phone) ?? '').trim();
      if (!CreateNgoRequestBody.shape.contact_phone.safeParse(phone).success) problem({ table: 'ngo_requests', source_id: sid, reason: 'contact_phone_invalid' });
      let website = str(row.website)?.trim() || null;
      if (website !== null && !CreateNgoRequestBody.shape.website.safeParse(website).success) {
        problem({ table: 'ngo_requests', source_id: sid, reason: 'website_dropped' });
        c.archiveRow(u, 'ngo_requests', sid, 'website_dropped', { website });
        website = null;
      }
      const createdAt = ts(row.created_at) ?? importTime;
      u.inserts.push({
        table: ngoRequests,
        values: {
          id, userId, organizationName: cutReported(c, u, 'ngo_requests', sid, 'organization_name', organization, 200)!,
          organizationType, contactName: cutReported(c, u, 'ngo_requests', sid, 'contact_name', contact, 120)!, contactEmail: email,
          contactPhone: phone, website, description: cutReported(c, u, 'ngo_requests', sid, 'description', str(row.description), 2000), status,
          adminNotes: cutReported(c, u, 'ngo_requests', sid, 'admin_notes', str(row.admin_notes), 2000),
          reviewedBy: row.reviewed_by ? (userOf(row.reviewed_by) ?? null) : null, reviewedAt: ts(row.reviewed_at), reviewReason,
          createdAt, updatedAt: ts(row.updated_at) ?? createdAt,
        },
      });
      push(step, u);
    }
  }

  // ─── project vouchers → ngo_vouchers (legacy codes kept, upper-cased; all counted as weak) ──
  const voucherIds = new Map<string, string>();
  /** target voucher id → its NGO account, and the cap and count new links add to (0 for a voucher inserted now) */
  const vouchers = new Map<string, { sid: string; ngoUserId: string | undefined; cap: number | null; redeemed: number }>();
  let weak = 0;
  {
    const step = newStep('project_vouchers');
    const codes = new Set<string>();
    for (const row of [...source.project_vouchers].sort(byCreated)) {
      const sid = String(row.id);
      // Codes never appear in the report (§16.5): problems name the source id only.
      const code = (str(row.code) ?? '').trim().toUpperCase();
      const mapped = target.mapped.get(`project_vouchers:${sid}`);
      const requestId = requestIds.get(String(row.ngo_request_id));
      if (mapped) {
        codes.add(code); // a later case-twin stays a collision on every run
        report('project_vouchers').already_present++;
        const now = target.vouchers.get(mapped);
        if (!now) {
          // Deleted in the target since (an unused voucher can be): a later link has nothing to link to.
          problem({ table: 'project_vouchers', source_id: sid, reason: 'deleted_in_target' });
          continue;
        }
        voucherIds.set(sid, mapped);
        vouchers.set(mapped, { sid, ngoUserId: requestId && requestUsers.get(requestId), cap: now.maxRedemptions, redeemed: now.redeemedCount });
        continue;
      }
      if (!requestId) {
        skip('project_vouchers', sid, 'request_not_imported');
        continue;
      }
      const refused = !VOUCHER_CODE.test(code) ? 'invalid_code' : codes.has(code) ? 'case_collision' : target.voucherCodes.has(code) ? 'code_taken' : null;
      if (refused) {
        skip('project_vouchers', sid, refused);
        archiveOnly(step, 'project_vouchers', sid, refused, row);
        continue;
      }
      codes.add(code);
      const id = targetIdOf('project_vouchers', sid);
      voucherIds.set(sid, id);
      const u = begin('project_vouchers', sid, 'ngo_vouchers', id)!;
      let cap = int(row.linked_ideas_count);
      let active = bool(row.is_active, true);
      if (cap !== null && cap <= 0) {
        problem({ table: 'project_vouchers', source_id: sid, reason: 'no_cap_inactive' });
        cap = null;
        active = false;
      }
      let start = str(row.activation_start);
      let end = str(row.activation_end);
      if (start !== null && end !== null && end < start) {
        problem({ table: 'project_vouchers', source_id: sid, reason: 'invalid_window_inactive' });
        c.archiveRow(u, 'project_vouchers', sid, 'invalid_window', { activation_start: start, activation_end: end });
        start = null;
        end = null;
        active = false;
      }
      const createdAt = ts(row.created_at) ?? importTime;
      u.inserts.push({
        table: ngoVouchers,
        values: {
          id, ngoRequestId: requestId, code, name: cutReported(c, u, 'project_vouchers', sid, 'name', str(row.name)?.trim() || code, 200)!,
          description: cutReported(c, u, 'project_vouchers', sid, 'description', str(row.description), 2000), activationStart: start, activationEnd: end,
          // redeemed_count starts at 0: each imported link adds one in its own batch (and raises a cap it overshoots).
          maxRedemptions: cap, redeemedCount: 0, funding: 'self', isActive: active, createdAt, updatedAt: ts(row.updated_at) ?? createdAt,
        },
      });
      vouchers.set(id, { sid, ngoUserId: requestUsers.get(requestId), cap, redeemed: 0 });
      weak++;
      push(step, u);
    }
    totals.weak_voucher_codes = weak;
  }

  // ─── analyses.voucher_id: the earliest new analysis per (voucher, user) is linked ──
  // A pair the target already redeemed stays taken (UNIQUE (voucher_id, user_id)): an earlier run's link, or one made
  // live since. An analysis imported earlier is not revisited; one an earlier build imported without its link (archived)
  // holds no redemption, so it claims no pair.
  const pairs = new Set(target.redemptionPairs);
  const newLinks = new Map<string, number>();
  let linked = 0;
  let notLinked = 0;
  for (const row of [...source.analyses].filter((r) => r.voucher_id && willImportAnalysis(c, r)).sort(byCreated)) {
    const sid = String(row.id);
    if (isMapped('analyses', sid)) continue;
    const voucherId = voucherIds.get(String(row.voucher_id));
    const userId = userOf(row.user_email)!;
    const pair = `${voucherId}:${userId}`;
    // §13.2 check 3: the NGO's own account never redeems its own voucher.
    const reason = !voucherId ? 'voucher_not_imported' : vouchers.get(voucherId)?.ngoUserId === userId ? 'voucher_own_ngo' : pairs.has(pair) ? 'voucher_duplicate_user' : null;
    voucherLinks.set(sid, { voucherId: reason ? null : voucherId!, notLinked: reason, isFavourite: bool(row.is_ngo_favourite, false), isArchived: bool(row.is_ngo_archived, false) });
    if (reason) {
      notLinked++;
      problem({ table: 'analyses', source_id: sid, reason });
      continue;
    }
    pairs.add(pair);
    newLinks.set(voucherId!, (newLinks.get(voucherId!) ?? 0) + 1);
    linked++;
  }
  // A cap the links overshoot (the upstream race) is raised to them by map-reports.ts: reported whichever run links them.
  for (const [id, v] of vouchers) {
    const count = v.redeemed + (newLinks.get(id) ?? 0);
    if (v.cap !== null && count > v.cap) problem({ table: 'project_vouchers', source_id: v.sid, reason: 'max_redemptions_raised', detail: `${v.cap} → ${count}` });
  }
  // §0.1: imported links have consented_at NULL; the NGO sees no contact data until the beneficiary consents.
  totals.voucher_links = { linked, not_linked: notLinked };
}
