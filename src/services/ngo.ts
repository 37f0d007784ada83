/**
 * The NGO programme (SPEC-WAVE2 §13): who is an NGO account, applications and their review, stats.
 *
 * - A user is an NGO account while they own an `approved` request; NGO routes called by anyone else are
 *   403 `ngo_access_required`; another NGO's vouchers and reports are 404 (every NGO query is scoped by the
 *   caller's approved request).
 * - Review is a state machine (`pending → approved | rejected`, `approved → suspended`, `suspended →
 *   approved`): each action is ONE batch — lock the row, a guard on the allowed states (else 409
 *   INVALID_STATE), the change, the applicant's in-app `ngo_request_reviewed` notification and the audit entry.
 * - The payer of an analysis's charges is the NGO account while a linked sponsored redemption exists,
 *   otherwise its owner (`analysisPayerSql`, used by every charge of that analysis).
 */
import { and, desc, eq, ilike, or, sql, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import type * as z from 'zod';
import type { Database } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import { ngoRequests, users } from '../db/schema.js';
import { adminAlertStatements } from '../email/events.js';
import { enqueueUserMail } from '../email/outbox.js';
import { AppError, notFound } from '../errors.js';
import { isoText, jsonItem, orderBy, readJsonPage, type PageWindow } from '../db/pagination.js';
import { toIso } from '../schemas/common.js';
import type { CreateNgoRequestBody, NgoRequestListQuery } from '../schemas/ngo.js';
import type { AppEnv } from '../types.js';
import { audit } from './audit.js';
import { failedGuard, guard } from './batch-guards.js';
import { notify } from './notify.js';

export interface NgoAccount {
  requestId: string;
  organizationName: string;
}

export const ngoAccessDenied = () =>
  new AppError('AUTHORIZATION_ERROR', { message: 'ngo.access_required', details: { reason: 'ngo_access_required' } });

/** The id of `userId`'s approved NGO request, as SQL (NULL when they are not an NGO account): lets a list scope itself and check access in its own round trip. */
export const approvedNgoIdSql = (userId: string) =>
  sql`(SELECT nr.id FROM ngo_requests nr WHERE nr.user_id = ${userId}::uuid AND nr.status = 'approved')`;

/** The caller's approved NGO, or 403 `ngo_access_required`. One round trip. */
export async function requireNgoAccount(c: Context<AppEnv>): Promise<NgoAccount> {
  const { db, user } = c.var;
  const [row] = await db
    .select({ requestId: ngoRequests.id, organizationName: ngoRequests.organizationName })
    .from(ngoRequests)
    .where(and(eq(ngoRequests.userId, user.id), eq(ngoRequests.status, 'approved')))
    .limit(1);
  if (!row) throw ngoAccessDenied();
  return row;
}

/** The user who pays the charges of an analysis now (SPEC-WAVE2 §13.2 "Payer"). */
export function analysisPayerSql(analysisId: string | SQL, ownerId: string | SQL): SQL {
  return sql`COALESCE((
    SELECT nr.user_id FROM ngo_voucher_redemptions r
    JOIN ngo_vouchers v ON v.id = r.voucher_id
    JOIN ngo_requests nr ON nr.id = v.ngo_request_id
    WHERE r.analysis_id = ${analysisId}::uuid AND r.status = 'linked' AND r.sponsored), ${ownerId}::uuid)`;
}

// ─── serialization ────────────────────────────────────────────────────────────────────────────────

type RequestRow = typeof ngoRequests.$inferSelect;

export function serializeNgoRequest(row: RequestRow) {
  return {
    id: row.id,
    user_id: row.userId,
    organization_name: row.organizationName,
    organization_type: row.organizationType,
    contact_name: row.contactName,
    contact_email: row.contactEmail,
    contact_phone: row.contactPhone,
    website: row.website,
    description: row.description,
    status: row.status,
    reviewed_at: toIso(row.reviewedAt),
    review_reason: row.reviewReason,
    created_at: toIso(row.createdAt)!,
    updated_at: toIso(row.updatedAt)!,
  };
}

export const serializeAdminNgoRequest = (row: RequestRow) => ({
  ...serializeNgoRequest(row),
  admin_notes: row.adminNotes,
  reviewed_by: row.reviewedBy,
});

/** An application as readJsonPage builds it for admins: serializeAdminNgoRequest in SQL. */
const adminNgoRequestItem = () =>
  jsonItem<ReturnType<typeof serializeAdminNgoRequest>>({
    id: ngoRequests.id,
    user_id: ngoRequests.userId,
    organization_name: ngoRequests.organizationName,
    organization_type: ngoRequests.organizationType,
    contact_name: ngoRequests.contactName,
    contact_email: ngoRequests.contactEmail,
    contact_phone: ngoRequests.contactPhone,
    website: ngoRequests.website,
    description: ngoRequests.description,
    status: ngoRequests.status,
    reviewed_at: isoText(ngoRequests.reviewedAt),
    review_reason: ngoRequests.reviewReason,
    created_at: isoText(ngoRequests.createdAt),
    updated_at: isoText(ngoRequests.updatedAt),
    admin_notes: ngoRequests.adminNotes,
    reviewed_by: ngoRequests.reviewedBy,
  });

// ─── applications ─────────────────────────────────────────────────────────────────────────────────

export async function createNgoRequest(c: Context<AppEnv>, input: z.infer<typeof CreateNgoRequestBody>) {
  const { db, user } = c.var;
  const id = crypto.randomUUID();
  try {
    const [inserted] = await db.batch([
      db
        .insert(ngoRequests)
        .values({
          id,
          userId: user.id,
          organizationName: input.organization_name,
          organizationType: input.organization_type,
          contactName: input.contact_name,
          contactEmail: input.contact_email,
          contactPhone: input.contact_phone,
          website: input.website ?? null,
          description: input.description ?? null,
        })
        .returning(),
      // SPEC-WAVE2 §11.4: reviewers hear in-app and by mail (mail bucketed per 15 minutes), ADMIN_ALERT_EMAIL by mail.
      ...adminAlertStatements(db, c.var.config, {
        template: 'admin_ngo_request',
        permission: 'manage_ngo_requests',
        variables: { organization: input.organization_name },
        when: sql`EXISTS (SELECT 1 FROM ngo_requests WHERE id = ${id})`,
        params: { organization: input.organization_name },
        data: { ngo_request_id: id },
      }),
    ]);
    return serializeNgoRequest(inserted[0]!);
  } catch (error) {
    if (isUniqueViolation(error, 'ngo_requests_one_live_per_user')) {
      throw new AppError('CONFLICT', { message: 'ngo.live_request_exists', details: { reason: 'live_request_exists' } });
    }
    throw error;
  }
}

export async function myNgoRequest(db: Database, userId: string) {
  const [row] = await db.select().from(ngoRequests).where(eq(ngoRequests.userId, userId)).orderBy(desc(ngoRequests.createdAt), desc(ngoRequests.id)).limit(1);
  return { request: row ? serializeNgoRequest(row) : null, status: row?.status ?? null };
}

const SORTS = { created_at: ngoRequests.createdAt, updated_at: ngoRequests.updatedAt };

export async function listNgoRequests(db: Database, window: PageWindow, q: z.infer<typeof NgoRequestListQuery>) {
  const pattern = q.q ? `%${q.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : undefined;
  const where = and(
    q.status ? eq(ngoRequests.status, q.status) : undefined,
    pattern
      ? or(
          ilike(ngoRequests.organizationName, pattern),
          ilike(ngoRequests.contactName, pattern),
          ilike(ngoRequests.contactEmail, pattern),
          sql`EXISTS (SELECT 1 FROM users u WHERE u.id = ${ngoRequests.userId} AND u.email ILIKE ${pattern})`,
        )
      : undefined,
  );
  return readJsonPage(db, window, {
    item: adminNgoRequestItem(),
    from: sql`${ngoRequests}`,
    where,
    orderBy: orderBy(SORTS, q.sort, q.order, ngoRequests.id),
  });
}

export async function getNgoRequest(db: Database, id: string) {
  const [row] = await db
    .select({ row: ngoRequests, applicant: { id: users.id, email: users.email, full_name: users.fullName } })
    .from(ngoRequests)
    .innerJoin(users, eq(users.id, ngoRequests.userId))
    .where(eq(ngoRequests.id, id))
    .limit(1);
  if (!row) throw notFound('ngo.not_found');
  return { ...serializeAdminNgoRequest(row.row), applicant: row.applicant };
}

// ─── review ───────────────────────────────────────────────────────────────────────────────────────

type Action = 'approve' | 'reject' | 'suspend';
const TRANSITIONS: Record<Action, { from: string[]; to: 'approved' | 'rejected' | 'suspended' }> = {
  approve: { from: ['pending', 'suspended'], to: 'approved' },
  reject: { from: ['pending'], to: 'rejected' },
  suspend: { from: ['approved'], to: 'suspended' },
};

const REVIEW_TEXT = {
  approved: {
    title: 'Your NGO application was approved',
    message: 'You can now create vouchers for your beneficiaries.',
    titleAr: 'تمت الموافقة على طلب منظمتك',
    messageAr: 'يمكنك الآن إنشاء قسائم للمستفيدين.',
  },
  rejected: {
    title: 'Your NGO application was not approved',
    message: 'Reason: {reason}',
    titleAr: 'لم تتم الموافقة على طلب منظمتك',
    messageAr: 'السبب: {reason}',
  },
  suspended: {
    title: 'Your NGO account was suspended',
    message: 'Reason: {reason}',
    titleAr: 'تم تعليق حساب منظمتك',
    messageAr: 'السبب: {reason}',
  },
};

export async function reviewNgoRequest(
  c: Context<AppEnv>,
  id: string,
  action: Action,
  input: { reason?: string | undefined; admin_notes?: string | undefined },
) {
  const { db, user } = c.var;
  const { from, to } = TRANSITIONS[action];
  const fromList = sql.join(from.map((s) => sql`${s}`), sql`, `);
  const text = REVIEW_TEXT[to];
  const reason = input.reason ?? '';
  const fill = (s: string) => s.replace('{reason}', reason);
  try {
    const results = await db.batch([
      db.execute(sql`SELECT id FROM ngo_requests WHERE id = ${id} FOR UPDATE`),
      guard(db, sql`EXISTS (SELECT 1 FROM ngo_requests WHERE id = ${id})`, 'not_found'),
      guard(db, sql`EXISTS (SELECT 1 FROM ngo_requests WHERE id = ${id} AND status IN (${fromList}))`, 'invalid_transition'),
      audit(db, c, {
        action: `ngo_request.${action}`,
        entityType: 'ngo_request',
        entityId: id,
        after: { status: to, ...(input.reason ? { reason: input.reason } : {}), ...(input.admin_notes ? { admin_notes: input.admin_notes } : {}) },
      }),
      db
        .update(ngoRequests)
        .set({
          status: to,
          reviewedBy: user.id,
          reviewedAt: sql`now()`,
          reviewReason: input.reason ?? null,
          ...(input.admin_notes !== undefined ? { adminNotes: input.admin_notes } : {}),
          updatedAt: sql`now()`,
        })
        .where(eq(ngoRequests.id, id))
        .returning(),
      notify(db, {
        userId: sql`(SELECT user_id FROM ngo_requests WHERE id = ${id})`,
        type: 'ngo_request_reviewed',
        title: text.title,
        message: fill(text.message),
        titleAr: text.titleAr,
        messageAr: fill(text.messageAr),
        data: { ngo_request_id: id, status: to },
      }),
      // SPEC-WAVE2 §11.4: approved or rejected, the applicant also hears by mail (once per status).
      ...(to === 'approved' || to === 'rejected'
        ? [
            enqueueUserMail(db, c.var.config, {
              eventKey: `ngo_request_reviewed:${id}:${to}`,
              template: 'ngo_request_reviewed',
              userId: sql`(SELECT user_id FROM ngo_requests WHERE id = ${id})`,
              variables: { status_text: to === 'approved' ? 'approved' : `rejected${reason ? `: ${reason}` : ''}` },
            }),
          ]
        : []),
    ]);
    return serializeAdminNgoRequest((results[4] as RequestRow[])[0]!);
  } catch (error) {
    const reason = failedGuard(error);
    if (reason === 'not_found') throw notFound('ngo.not_found');
    if (reason === 'invalid_transition') throw new AppError('INVALID_STATE', { message: 'ngo.invalid_transition', details: { reason: 'invalid_transition' } });
    // Approving a suspended request while the user has since… (cannot happen: one live request per user).
    if (isUniqueViolation(error, 'ngo_requests_one_live_per_user')) throw new AppError('CONFLICT', { message: 'ngo.live_request_exists' });
    throw error;
  }
}

export async function updateAdminNotes(c: Context<AppEnv>, id: string, adminNotes: string | null) {
  const { db } = c.var;
  const [, updated] = await db.batch([
    audit(db, c, { action: 'ngo_request.update', entityType: 'ngo_request', entityId: id, after: { admin_notes: adminNotes } }),
    db.update(ngoRequests).set({ adminNotes, updatedAt: sql`now()` }).where(eq(ngoRequests.id, id)).returning(),
  ]);
  if (!updated[0]) throw notFound('ngo.not_found');
  return serializeAdminNgoRequest(updated[0]);
}

// ─── stats ────────────────────────────────────────────────────────────────────────────────────────

export async function ngoStats(db: Database, ngo: NgoAccount) {
  const rows = await db.execute<Record<string, string | number>>(sql`
    SELECT
      (SELECT count(*) FROM ngo_vouchers v WHERE v.ngo_request_id = ${ngo.requestId})::int AS total_vouchers,
      (SELECT count(*) FROM ngo_vouchers v WHERE v.ngo_request_id = ${ngo.requestId} AND ${voucherStateSql(sql`v`)} = 'active')::int AS active_vouchers,
      count(r.id)::int AS total_reports,
      (count(r.id) FILTER (WHERE r.is_favourite))::int AS favourite_reports,
      (count(r.id) FILTER (WHERE r.is_archived))::int AS archived_reports,
      COALESCE((
        SELECT -sum(t.credits) FROM transactions t
        WHERE t.user_id = (SELECT user_id FROM ngo_requests WHERE id = ${ngo.requestId})
          AND t.reference_type = 'analysis'
          AND t.reference_id IN (SELECT r2.analysis_id FROM ngo_voucher_redemptions r2 JOIN ngo_vouchers v2 ON v2.id = r2.voucher_id
                                 WHERE v2.ngo_request_id = ${ngo.requestId} AND r2.sponsored)
          AND t.type = 'analysis_charge'), 0)::int
      - COALESCE((
        SELECT sum(rf.credits) FROM transactions rf JOIN transactions ch ON ch.id = rf.reference_id
        WHERE rf.type = 'refund' AND ch.user_id = (SELECT user_id FROM ngo_requests WHERE id = ${ngo.requestId})
          AND ch.reference_id IN (SELECT r3.analysis_id FROM ngo_voucher_redemptions r3 JOIN ngo_vouchers v3 ON v3.id = r3.voucher_id
                                  WHERE v3.ngo_request_id = ${ngo.requestId} AND r3.sponsored)), 0)::int AS sponsored_credits_spent
    FROM ngo_voucher_redemptions r
    JOIN ngo_vouchers v ON v.id = r.voucher_id
    JOIN analyses a ON a.id = r.analysis_id AND a.deleted_at IS NULL
    WHERE v.ngo_request_id = ${ngo.requestId} AND r.status = 'linked'`);
  const row = rows.rows[0]!;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as Record<
    'total_vouchers' | 'active_vouchers' | 'total_reports' | 'favourite_reports' | 'archived_reports' | 'sponsored_credits_spent',
    number
  >;
}

/** A voucher's derived state (SPEC-WAVE2 §13.1), over an alias of ngo_vouchers. Dates are UTC days. */
export function voucherStateSql(v: SQL): SQL {
  return sql`(CASE
    WHEN NOT ${v}.is_active OR ${v}.admin_disabled THEN 'inactive'
    WHEN ${v}.activation_start IS NOT NULL AND (now() AT TIME ZONE 'UTC')::date < ${v}.activation_start THEN 'scheduled'
    WHEN ${v}.activation_end IS NOT NULL AND (now() AT TIME ZONE 'UTC')::date > ${v}.activation_end THEN 'expired'
    WHEN ${v}.max_redemptions IS NOT NULL AND ${v}.redeemed_count >= ${v}.max_redemptions THEN 'exhausted'
    ELSE 'active' END)`;
}
