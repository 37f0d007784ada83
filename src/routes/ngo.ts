/**
 * /api/ngo — the NGO programme (SPEC-WAVE2 §13.3): applications and their review, the approved NGO's vouchers
 * and linked reports, and the admins' views. NGO routes answer 403 `ngo_access_required` to anyone who does not
 * own an approved request; another NGO's voucher or report is a 404.
 */
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import * as z from 'zod';
import { requirePermission, requireUser, requireVerifiedUser } from '../auth/guards.js';
import { AppError, notFound } from '../errors.js';
import { created, ok, paginatedJson } from '../http/envelope.js';
import { listQuery, pageWindow } from '../http/pagination.js';
import { describe } from '../http/route-meta.js';
import { body, emptyBody, idParam, query } from '../http/validate.js';
import { DeleteResult } from '../schemas/catalog.js';
import {
  AdminNgoRequestSchema,
  AdminNotesBody,
  ApproveNgoRequestBody,
  CreateNgoRequestBody,
  CreateVoucherBody,
  FlagBody,
  LinkedAnalysesQuery,
  LinkedAnalysisSchema,
  MyNgoRequestSchema,
  NgoRequestListQuery,
  NgoRequestSchema,
  NgoStatsSchema,
  ReasonBody,
  UpdateVoucherBody,
  VoucherListQuery,
  VoucherSchema,
} from '../schemas/ngo.js';
import { PublicReportSchema } from '../schemas/report-share.js';
import { createNgoRequest, getNgoRequest, listNgoRequests, myNgoRequest, ngoStats, reviewNgoRequest, updateAdminNotes } from '../services/ngo.js';
import { approvedNgoIdSql, ngoAccessDenied, requireNgoAccount } from '../services/ngo-access.js';
import { listLinkedAnalyses, ngoReport, setNgoFlag } from '../services/ngo-reports.js';
import { unlinkRedemption } from '../services/voucher-redemption.js';
import { createVoucher, deleteVoucher, getVoucher, listVouchers, setAdminDisabled, updateVoucher } from '../services/vouchers.js';
import type { AppEnv } from '../types.js';

const TAGS = ['ngo'] as const;
const NgoReportSchema = PublicReportSchema.extend({
  analysis_id: z.uuid(),
  status: LinkedAnalysisSchema.shape.status,
  is_favourite: z.boolean(),
  is_archived: z.boolean(),
  linked_at: z.string(),
  beneficiary: LinkedAnalysisSchema.shape.beneficiary,
});

export const ngoRoutes = new Hono<AppEnv>()
  // ─── applicant ────────────────────────────────────────────────────────────────────────────────
  .post(
    '/requests',
    describe({
      operationId: 'createNgoRequest', summary: 'Apply to become an NGO',
      tags: TAGS,
      status: 201,
      response: NgoRequestSchema,
      errors: ['CONFLICT'],
    }),
    requireVerifiedUser,
    body(CreateNgoRequestBody),
    async (c) => created(c, await createNgoRequest(c, c.req.valid('json')), 'ok.ngo_request_created'),
  )
  .get(
    '/requests/mine',
    describe({
      operationId: 'getMyNgoRequest', summary: 'My latest NGO application',
      tags: TAGS,
      response: MyNgoRequestSchema,
    }),
    requireUser,
    async (c) => ok(c, await myNgoRequest(c.var.db, c.var.user.id)),
  )
  // ─── admins ───────────────────────────────────────────────────────────────────────────────────
  .get(
    '/requests',
    describe({
      operationId: 'listNgoRequests', summary: 'List NGO applications',
      tags: TAGS,
      response: AdminNgoRequestSchema,
      responseKind: 'paginated',
    }),
    requirePermission('view_ngo_requests'),
    query(NgoRequestListQuery),
    async (c) => {
      const q = c.req.valid('query');
      return paginatedJson(c, await listNgoRequests(c.var.db, pageWindow(c, q), q));
    },
  )
  .get(
    '/requests/:id',
    describe({ operationId: 'getNgoRequest', summary: 'One NGO application, with its applicant', tags: TAGS, response: AdminNgoRequestSchema, errors: ['NOT_FOUND'] }),
    requirePermission('view_ngo_requests'),
    idParam(),
    async (c) => ok(c, await getNgoRequest(c.var.db, c.req.valid('param').id)),
  )
  .get(
    '/requests/:id/vouchers',
    describe({ operationId: 'listNgoRequestVouchers', summary: "An NGO's vouchers", tags: TAGS, response: VoucherSchema, responseKind: 'paginated', errors: ['NOT_FOUND'] }),
    requirePermission('view_ngo_requests'),
    idParam(),
    query(listQuery().pick({ page: true, per_page: true })),
    async (c) => {
      const id = c.req.valid('param').id;
      const window = pageWindow(c, c.req.valid('query'));
      const { allowed, page } = await listVouchers(c.var.db, window, id, undefined, sql`EXISTS (SELECT 1 FROM ngo_requests WHERE id = ${id})`);
      if (!allowed) throw notFound('ngo.not_found');
      return paginatedJson(c, page);
    },
  )
  .post(
    '/requests/:id/approve',
    describe({
      operationId: 'approveNgoRequest', summary: 'Approve an NGO application',
      tags: TAGS,
      response: AdminNgoRequestSchema,
      errors: ['NOT_FOUND', 'INVALID_STATE'],
    }),
    requirePermission('manage_ngo_requests'),
    idParam(),
    body(ApproveNgoRequestBody),
    async (c) => ok(c, await reviewNgoRequest(c, c.req.valid('param').id, 'approve', c.req.valid('json')), 'ok.updated'),
  )
  .post(
    '/requests/:id/reject',
    describe({
      operationId: 'rejectNgoRequest', summary: 'Reject an NGO application',
      tags: TAGS,
      response: AdminNgoRequestSchema,
      errors: ['NOT_FOUND', 'INVALID_STATE'],
    }),
    requirePermission('manage_ngo_requests'),
    idParam(),
    body(ReasonBody),
    async (c) => ok(c, await reviewNgoRequest(c, c.req.valid('param').id, 'reject', c.req.valid('json')), 'ok.updated'),
  )
  .post(
    '/requests/:id/suspend',
    describe({
      operationId: 'suspendNgoRequest', summary: 'Suspend an approved NGO',
      tags: TAGS,
      response: AdminNgoRequestSchema,
      errors: ['NOT_FOUND', 'INVALID_STATE'],
    }),
    requirePermission('manage_ngo_requests'),
    idParam(),
    body(ReasonBody),
    async (c) => ok(c, await reviewNgoRequest(c, c.req.valid('param').id, 'suspend', c.req.valid('json')), 'ok.updated'),
  )
  .put(
    '/requests/:id',
    describe({ operationId: 'updateNgoRequest', summary: "Edit an application's admin notes", tags: TAGS, response: AdminNgoRequestSchema, errors: ['NOT_FOUND'] }),
    requirePermission('manage_ngo_requests'),
    idParam(),
    body(AdminNotesBody),
    async (c) => ok(c, await updateAdminNotes(c, c.req.valid('param').id, c.req.valid('json').admin_notes), 'ok.updated'),
  )
  .post(
    '/vouchers/:id/disable',
    describe({
      operationId: 'disableVoucher', summary: "Emergency stop: disable any NGO's voucher",
      tags: TAGS,
      response: VoucherSchema,
      errors: ['NOT_FOUND'],
    }),
    requirePermission('manage_ngo_requests'),
    idParam(),
    emptyBody(),
    async (c) => ok(c, await setAdminDisabled(c, c.req.valid('param').id, true), 'ok.updated'),
  )
  .post(
    '/vouchers/:id/enable',
    describe({ operationId: 'enableVoucher', summary: "Lift an admin's emergency stop", tags: TAGS, response: VoucherSchema, errors: ['NOT_FOUND'] }),
    requirePermission('manage_ngo_requests'),
    idParam(),
    emptyBody(),
    async (c) => ok(c, await setAdminDisabled(c, c.req.valid('param').id, false), 'ok.updated'),
  )
  // ─── the approved NGO ─────────────────────────────────────────────────────────────────────────
  .get(
    '/stats',
    describe({
      operationId: 'getNgoStats', summary: 'Programme totals',
      tags: TAGS,
      response: NgoStatsSchema,
      errors: ['AUTHORIZATION_ERROR'],
    }),
    requireUser,
    async (c) => ok(c, await ngoStats(c.var.db, await requireNgoAccount(c))),
  )
  .get(
    '/vouchers',
    describe({
      operationId: 'listMyVouchers', summary: 'My vouchers',
      tags: TAGS,
      response: VoucherSchema,
      responseKind: 'paginated',
      errors: ['AUTHORIZATION_ERROR'],
    }),
    requireUser,
    query(VoucherListQuery),
    async (c) => {
      const ngoId = approvedNgoIdSql(c.var.user.id);
      const q = c.req.valid('query');
      const { allowed, page } = await listVouchers(c.var.db, pageWindow(c, q), ngoId, q.state, sql`${ngoId} IS NOT NULL`);
      if (!allowed) throw ngoAccessDenied();
      return paginatedJson(c, page);
    },
  )
  .post(
    '/vouchers',
    describe({
      operationId: 'createVoucher', summary: 'Create a voucher',
      tags: TAGS,
      status: 201,
      response: VoucherSchema,
      errors: ['AUTHORIZATION_ERROR'],
    }),
    requireUser,
    body(CreateVoucherBody),
    async (c) => created(c, await createVoucher(c, await requireNgoAccount(c), c.req.valid('json'))),
  )
  .get(
    '/vouchers/:id',
    describe({ operationId: 'getMyVoucher', summary: 'One of my vouchers', tags: TAGS, response: VoucherSchema, errors: ['NOT_FOUND', 'AUTHORIZATION_ERROR'] }),
    requireUser,
    idParam(),
    async (c) => ok(c, await getVoucher(c.var.db, await requireNgoAccount(c), c.req.valid('param').id)),
  )
  .put(
    '/vouchers/:id',
    describe({
      operationId: 'updateMyVoucher', summary: 'Edit one of my vouchers',
      tags: TAGS,
      response: VoucherSchema,
      errors: ['NOT_FOUND', 'INVALID_STATE', 'AUTHORIZATION_ERROR'],
    }),
    requireUser,
    idParam(),
    body(UpdateVoucherBody),
    async (c) => ok(c, await updateVoucher(c, await requireNgoAccount(c), c.req.valid('param').id, c.req.valid('json')), 'ok.updated'),
  )
  .delete(
    '/vouchers/:id',
    describe({
      operationId: 'deleteMyVoucher', summary: 'Delete one of my vouchers',
      tags: TAGS,
      response: DeleteResult,
      errors: ['NOT_FOUND', 'AUTHORIZATION_ERROR'],
    }),
    requireUser,
    idParam(),
    async (c) => {
      const result = await deleteVoucher(c, await requireNgoAccount(c), c.req.valid('param').id);
      return ok(c, result, result.deactivated ? 'ok.deactivated_in_use' : 'ok.deleted');
    },
  )
  .get(
    '/vouchers/:id/analyses',
    describe({
      operationId: 'listVoucherAnalyses', summary: 'Reports linked to one of my vouchers',
      tags: TAGS,
      response: LinkedAnalysisSchema,
      responseKind: 'paginated',
      errors: ['NOT_FOUND', 'AUTHORIZATION_ERROR'],
    }),
    requireUser,
    idParam(),
    query(LinkedAnalysesQuery),
    async (c) => {
      const q = c.req.valid('query');
      return paginatedJson(c, await listLinkedAnalyses(c.var.db, c.var.user.id, pageWindow(c, q), c.req.valid('param').id, q));
    },
  )
  .get(
    '/analyses/:id',
    describe({
      operationId: 'getNgoAnalysis', summary: 'A linked report',
      tags: TAGS,
      response: NgoReportSchema,
      errors: ['NOT_FOUND', 'AUTHORIZATION_ERROR'],
    }),
    requireUser,
    idParam(),
    async (c) => ok(c, await ngoReport(c.var.db, await requireNgoAccount(c), c.req.valid('param').id)),
  )
  .put(
    '/analyses/:id/favourite',
    describe({ operationId: 'setNgoAnalysisFavourite', summary: 'Mark a linked report favourite (idempotent)', tags: TAGS, response: z.object({ is_favourite: z.boolean() }), errors: ['NOT_FOUND', 'AUTHORIZATION_ERROR'] }),
    requireUser,
    idParam(),
    body(FlagBody),
    async (c) => ok(c, await setNgoFlag(c.var.db, await requireNgoAccount(c), c.req.valid('param').id, 'is_favourite', c.req.valid('json').value)),
  )
  .put(
    '/analyses/:id/archive',
    describe({ operationId: 'setNgoAnalysisArchived', summary: 'Archive a linked report (idempotent)', tags: TAGS, response: z.object({ is_archived: z.boolean() }), errors: ['NOT_FOUND', 'AUTHORIZATION_ERROR'] }),
    requireUser,
    idParam(),
    body(FlagBody),
    async (c) => ok(c, await setNgoFlag(c.var.db, await requireNgoAccount(c), c.req.valid('param').id, 'is_archived', c.req.valid('json').value)),
  )
  .put(
    '/analyses/:id/unlink',
    describe({
      operationId: 'unlinkNgoAnalysis', summary: 'Unlink a report from my programme',
      tags: TAGS,
      response: z.object({ analysis_id: z.uuid(), status: z.literal('unlinked') }),
      errors: ['NOT_FOUND', 'CONFLICT', 'AUTHORIZATION_ERROR'],
    }),
    requireUser,
    idParam(),
    emptyBody(),
    async (c) => {
      const ngo = await requireNgoAccount(c);
      const id = c.req.valid('param').id;
      const row = await unlinkRedemption(c, id, 'ngo', sql`v.ngo_request_id = ${ngo.requestId}`);
      if (!row.changed) {
        if (row.status === 'unlinked') throw new AppError('CONFLICT', { message: 'ngo.already_unlinked' });
        throw notFound();
      }
      return ok(c, { analysis_id: id, status: 'unlinked' as const });
    },
  );
