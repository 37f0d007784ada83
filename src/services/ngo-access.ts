/**
 * Who is an NGO account, who pays an analysis's charges, and a voucher's state (SPEC-WAVE2 §13): the rules
 * every NGO service and route shares. Applications and their review: ngo.ts.
 *
 * - A user is an NGO account while they own an `approved` request; NGO routes called by anyone else are
 *   403 `ngo_access_required`; another NGO's vouchers and reports are 404 (every NGO query is scoped by the
 *   caller's approved request).
 * - The payer of an analysis's charges is the NGO account while a linked sponsored redemption exists,
 *   otherwise its owner (`analysisPayerSql`, used by every charge of that analysis).
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import { ngoRequests } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { AppEnv } from '../types.js';

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

/** A voucher's derived state (SPEC-WAVE2 §13.1), over an alias of ngo_vouchers. Dates are UTC days. */
export function voucherStateSql(v: SQL): SQL {
  return sql`(CASE
    WHEN NOT ${v}.is_active OR ${v}.admin_disabled THEN 'inactive'
    WHEN ${v}.activation_start IS NOT NULL AND (now() AT TIME ZONE 'UTC')::date < ${v}.activation_start THEN 'scheduled'
    WHEN ${v}.activation_end IS NOT NULL AND (now() AT TIME ZONE 'UTC')::date > ${v}.activation_end THEN 'expired'
    WHEN ${v}.max_redemptions IS NOT NULL AND ${v}.redeemed_count >= ${v}.max_redemptions THEN 'exhausted'
    ELSE 'active' END)`;
}
