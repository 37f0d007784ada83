/** /api/analyses/:id/redeem-voucher and /voucher — the beneficiary's side of the NGO programme (SPEC-WAVE2 §13.2). */
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import * as z from 'zod';
import { requireUser, requireVerifiedUser } from '../auth/guards.js';
import { notFound } from '../errors.js';
import { ok } from '../http/envelope.js';
import { describe } from '../http/route-meta.js';
import { body, emptyBody, idParam } from '../http/validate.js';
import { AnalysisSchema } from '../schemas/analysis.js';
import { RedeemVoucherBody } from '../schemas/ngo.js';
import { redeemVoucher, unlinkRedemption } from '../services/voucher-redemption.js';
import type { AppEnv } from '../types.js';

export const voucherRedemptionRoutes = new Hono<AppEnv>()
  .post(
    '/:id/redeem-voucher',
    describe({
      operationId: 'redeemVoucher', summary: "Link my analysis to an NGO's programme with its voucher code",
      tags: ['ngo', 'analyses'],
      response: AnalysisSchema,
      errors: ['NOT_FOUND', 'CONFLICT', 'INVALID_STATE', 'INSUFFICIENT_CREDITS', 'RATE_LIMITED'],
    }),
    requireVerifiedUser,
    idParam(),
    body(RedeemVoucherBody),
    async (c) => ok(c, await redeemVoucher(c, c.req.valid('param').id, c.req.valid('json').code), 'ok.voucher_redeemed'),
  )
  .delete(
    '/:id/voucher',
    describe({
      operationId: 'unlinkMyAnalysisVoucher', summary: "Unlink my analysis from an NGO's programme (consent withdrawn)",
      tags: ['ngo', 'analyses'],
      response: z.object({ id: z.uuid() }),
      errors: ['NOT_FOUND'],
    }),
    requireUser,
    idParam(),
    async (c) => {
      const { user } = c.var;
      const row = await unlinkRedemption(c, c.req.valid('param').id, 'owner', sql`a.user_id = ${user.id} AND r.status = 'linked'`);
      if (!row.changed) throw notFound();
      return ok(c, { id: row.id });
    },
  )
  .post(
    '/:id/voucher/consent',
    describe({
      operationId: 'consentVoucher', summary: 'Consent to share my contact data with the NGO my analysis is linked to',
      tags: ['ngo', 'analyses'],
      response: z.object({ id: z.uuid(), consented_at: z.string() }),
      errors: ['NOT_FOUND'],
    }),
    requireUser,
    idParam(),
    emptyBody(),
    async (c) => {
      const { db, user } = c.var;
      const rows = await db.execute<{ id: string; consented_at: string }>(sql`
        UPDATE ngo_voucher_redemptions r SET consented_at = COALESCE(r.consented_at, now()), updated_at = now()
        FROM analyses a
        WHERE a.id = r.analysis_id AND r.analysis_id = ${c.req.valid('param').id} AND a.user_id = ${user.id}
          AND a.deleted_at IS NULL AND r.status = 'linked'
        RETURNING r.id, r.consented_at`);
      const row = rows.rows[0];
      if (!row) throw notFound();
      return ok(c, { id: row.id, consented_at: new Date(row.consented_at).toISOString() });
    },
  );
