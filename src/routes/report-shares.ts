/**
 * /api/report-shares — links that show a completed report to anyone holding them (SPEC §7, §10).
 * Every owner route is scoped to the caller in its WHERE: someone else's share or analysis is a 404.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import * as z from 'zod';
import { requireUser, requireVerifiedUser } from '../auth/guards.js';
import { analyses, reportShares } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { created, deleted, ok, paginatedJson } from '../http/envelope.js';
import { listQuery, pageWindow } from '../http/pagination.js';
import { orderBy, readJsonPage } from '../db/pagination.js';
import { describe } from '../http/route-meta.js';
import { body, idParam, params, query } from '../http/validate.js';
import {
  CreatedShareSchema,
  CreateShareBody,
  PublicReportSchema,
  ShareSchema,
  TokenParam,
  UpdateShareBody,
} from '../schemas/report-share.js';
import { ownedLiveAnalysis } from '../services/analyses.js';
import { recordActivityIf } from '../services/conditional-log.js';
import { hashShareToken, newShareToken, openSharedReport, PUBLIC_SHARE_PATH, serializeShare, shareItem } from '../services/report-shares.js';
import type { AppEnv } from '../types.js';

const TAGS = ['report-shares'] as const;
const ownShare = (id: string, userId: string) => and(eq(reportShares.id, id), eq(reportShares.userId, userId));
const SORTS = { created_at: reportShares.createdAt, updated_at: reportShares.updatedAt, view_count: reportShares.viewCount };

export const reportSharesRoutes = new Hono<AppEnv>()
  .post(
    '/',
    describe({
      operationId: 'createReportShare',
      summary: 'Share a completed report',
      tags: TAGS,
      status: 201,
      response: CreatedShareSchema,
      errors: ['NOT_FOUND', 'INVALID_STATE'],
    }),
    requireVerifiedUser,
    body(CreateShareBody),
    async (c) => {
      const { analysis_id, expires_at } = c.req.valid('json');
      const { db, user } = c.var;
      const id = crypto.randomUUID();
      const token = newShareToken();
      const tokenHash = await hashShareToken(token);
      // The ownership and completion rule is the INSERT's own WHERE: nothing can change in between.
      const [, , shares, analysisState] = await db.batch([
        db.execute(sql`
          INSERT INTO ${reportShares} (id, analysis_id, user_id, token_hash, expires_at)
          SELECT ${id}::uuid, ${analyses.id}, ${analyses.userId}, ${tokenHash}::text, ${expires_at ?? null}::timestamptz
          FROM ${analyses}
          WHERE ${and(ownedLiveAnalysis(analysis_id, user.id), eq(analyses.status, 'completed'))}`),
        recordActivityIf(
          db,
          { userId: user.id, action: 'share_created', entityType: 'report_share', entityId: id, data: { analysis_id } },
          sql`EXISTS (SELECT 1 FROM ${reportShares} WHERE ${eq(reportShares.id, id)})`,
        ),
        db.select().from(reportShares).where(eq(reportShares.id, id)),
        db.select({ status: analyses.status }).from(analyses).where(ownedLiveAnalysis(analysis_id, user.id)),
      ]);
      const share = shares[0];
      if (!share) {
        if (analysisState.length === 0) throw notFound();
        throw new AppError('INVALID_STATE', { message: 'share.analysis_not_completed', details: { status: analysisState[0]!.status } });
      }
      return created(c, { ...serializeShare(share), token, url: `${PUBLIC_SHARE_PATH}${token}` }, 'ok.share_created');
    },
  )
  .get(
    '/',
    describe({
      operationId: 'listReportShares',
      summary: 'List own share links',
      tags: TAGS,
      response: ShareSchema,
      responseKind: 'paginated',
      sort: ['view_count'],
    }),
    requireUser,
    query(listQuery(['view_count']).extend({ analysis_id: z.uuid().optional() })),
    async (c) => {
      const input = c.req.valid('query');
      const { db, user } = c.var;
      const window = pageWindow(c, input);
      const where = and(
        eq(reportShares.userId, user.id),
        input.analysis_id ? eq(reportShares.analysisId, input.analysis_id) : undefined,
        sql`EXISTS (SELECT 1 FROM ${analyses} WHERE ${and(eq(analyses.id, reportShares.analysisId), isNull(analyses.deletedAt))})`,
      );
      const page = await readJsonPage(db, window, {
        item: shareItem(),
        from: sql`${reportShares}`,
        where,
        orderBy: orderBy(SORTS, input.sort, input.order, reportShares.id),
      });
      return paginatedJson(c, page);
    },
  )
  .get(
    '/public/:token',
    describe({
      operationId: 'getSharedReport',
      summary: 'Open a shared report (no sign-in)',
      tags: TAGS,
      response: PublicReportSchema,
      errors: ['NOT_FOUND'],
    }),
    params(TokenParam),
    async (c) => {
      // HEAD (link checkers, chat previews) answers the same status without counting a view.
      const view = await openSharedReport(c.var.db, c.req.valid('param').token, { countView: c.req.method !== 'HEAD' });
      if (!view) throw notFound('share.link_unavailable');
      // Every request must reach us (views are counted) and the content is not for shared caches.
      c.header('Cache-Control', 'private, no-store');
      c.header('X-Robots-Tag', 'noindex');
      return ok(c, view);
    },
  )
  .put(
    '/:id',
    describe({
      operationId: 'updateReportShare',
      summary: 'Pause, resume or re-date a share link',
      tags: TAGS,
      response: ShareSchema,
      errors: ['NOT_FOUND'],
    }),
    requireUser,
    idParam(),
    body(UpdateShareBody),
    async (c) => {
      const input = c.req.valid('json');
      const { db, user } = c.var;
      const [row] = await db
        .update(reportShares)
        .set({
          isActive: input.is_active,
          expiresAt: input.expires_at === undefined ? undefined : input.expires_at === null ? null : new Date(input.expires_at),
          updatedAt: sql`now()`,
        })
        .where(ownShare(c.req.valid('param').id, user.id))
        .returning();
      if (!row) throw notFound();
      return ok(c, serializeShare(row));
    },
  )
  .delete(
    '/:id',
    describe({
      operationId: 'deleteReportShare',
      summary: 'Revoke a share link',
      tags: TAGS,
      response: z.object({ id: z.uuid() }),
      errors: ['NOT_FOUND'],
    }),
    requireUser,
    idParam(),
    async (c) => {
      const { id } = c.req.valid('param');
      const { db, user } = c.var;
      const [, , removed] = await db.batch([
        db.select({ id: reportShares.id }).from(reportShares).where(ownShare(id, user.id)).for('update'),
        recordActivityIf(
          db,
          { userId: user.id, action: 'share_revoked', entityType: 'report_share', entityId: id },
          sql`EXISTS (SELECT 1 FROM ${reportShares} WHERE ${ownShare(id, user.id)})`,
        ),
        db.delete(reportShares).where(ownShare(id, user.id)).returning({ id: reportShares.id }),
      ]);
      if (removed.length === 0) throw notFound();
      return deleted(c, id);
    },
  );
