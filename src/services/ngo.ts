/**
 * The NGO programme (SPEC-WAVE2 §13): applications and their review, and an NGO's stats. Who is an NGO
 * account, who pays an analysis's charges and a voucher's state: ngo-access.ts.
 *
 * - Review is a state machine (`pending → approved | rejected`, `approved → suspended`, `suspended →
 *   approved`): each action is ONE batch — lock the row, a guard on the allowed states (else 409
 *   INVALID_STATE), the change, the applicant's in-app `ngo_request_reviewed` notification and the audit entry.
 */
import { and, desc, eq, ilike, or, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import type * as z from 'zod';
import type { Database } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import { ngoRequests, users } from '../db/schema.js';
import { adminAlertStatements } from '../email/events.js';
import { enqueueUserMail } from '../email/outbox.js';
import { AppError, notFound } from '../errors.js';
import { isoText, jsonItem, listItem, orderBy, type PageWindow, readJsonPage } from '../db/pagination.js';
import { toIso } from '../schemas/common.js';
import type { CreateNgoRequestBody, NgoRequestListQuery } from '../schemas/ngo.js';
import type { AppEnv } from '../types.js';
import { audit } from './audit.js';
import { failedGuard, guard } from './batch-guards.js';
import { voucherStateSql, type NgoAccount } from './ngo-access.js';
import { notify } from './notify.js';

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
const adminNgoRequestItem = listItem(() =>
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
  }));

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
