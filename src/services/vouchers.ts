/**
 * NGO vouchers (SPEC-WAVE2 §13.1, §13.3): codes from a CSPRNG, the NGO's own CRUD (scoped to its approved
 * request: another NGO's voucher is a 404), the admin's emergency stop, and the listings.
 *
 * Codes: `<up to 8 upper-case alphanumerics of the organisation name | NGO>-<8 Crockford base32 chars>` =
 * 40 random bits from crypto.getRandomValues; the UNIQUE index refuses a collision (retried with a new code).
 */
import { and, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import type * as z from 'zod';
import type { Database } from '../db/client.js';
import { isCheckViolation, isUniqueViolation, pgErrorOf } from '../db/errors.js';
import { ngoVouchers } from '../db/schema.js';
import { AppError, fieldError, notFound } from '../errors.js';
import { isoText, jsonItem, listItem, type PageWindow, readJsonPage } from '../db/pagination.js';
import { toIso } from '../schemas/common.js';
import type { CreateVoucherBody, UpdateVoucherBody, VOUCHER_STATES, VoucherListQuery } from '../schemas/ngo.js';
import type { AppEnv } from '../types.js';
import { audit } from './audit.js';
import { failedGuard, guard } from './batch-guards.js';
import { voucherStateSql, type NgoAccount } from './ngo-access.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 40 random bits as 8 Crockford base32 characters. */
function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 7; i >= 0; i--) out += CROCKFORD[Number((bits >> BigInt(i * 5)) & 31n)];
  return out;
}

export function newVoucherCode(organizationName: string): string {
  const prefix = organizationName.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 8) || 'NGO';
  return `${prefix}-${randomSuffix()}`;
}

type VoucherRow = typeof ngoVouchers.$inferSelect;
type VoucherState = (typeof VOUCHER_STATES)[number];

export const voucherColumns = { ...getTableColumns(ngoVouchers), state: sql<VoucherState>`${voucherStateSql(sql`ngo_vouchers`)}` };

export function serializeVoucher(row: VoucherRow & { state: VoucherState }) {
  return {
    id: row.id,
    ngo_request_id: row.ngoRequestId,
    code: row.code,
    name: row.name,
    description: row.description,
    activation_start: row.activationStart,
    activation_end: row.activationEnd,
    max_redemptions: row.maxRedemptions,
    redeemed_count: row.redeemedCount,
    remaining: row.maxRedemptions === null ? null : Math.max(0, row.maxRedemptions - row.redeemedCount),
    funding: row.funding,
    is_active: row.isActive,
    admin_disabled: row.adminDisabled,
    state: row.state,
    created_at: toIso(row.createdAt)!,
    updated_at: toIso(row.updatedAt)!,
  };
}

/** A voucher as readJsonPage builds it: serializeVoucher in SQL. */
const voucherItem = listItem(() =>
  jsonItem<ReturnType<typeof serializeVoucher>>({
    id: ngoVouchers.id,
    ngo_request_id: ngoVouchers.ngoRequestId,
    code: ngoVouchers.code,
    name: ngoVouchers.name,
    description: ngoVouchers.description,
    activation_start: ngoVouchers.activationStart,
    activation_end: ngoVouchers.activationEnd,
    max_redemptions: ngoVouchers.maxRedemptions,
    redeemed_count: ngoVouchers.redeemedCount,
    remaining: sql`CASE WHEN ${ngoVouchers.maxRedemptions} IS NOT NULL THEN greatest(0, ${ngoVouchers.maxRedemptions} - ${ngoVouchers.redeemedCount}) END`,
    funding: ngoVouchers.funding,
    is_active: ngoVouchers.isActive,
    admin_disabled: ngoVouchers.adminDisabled,
    state: voucherColumns.state,
    created_at: isoText(ngoVouchers.createdAt),
    updated_at: isoText(ngoVouchers.updatedAt),
  }));

const CHECK_FIELDS: Record<string, string> = {
  ngo_vouchers_redeemed_within_max: 'max_redemptions',
  ngo_vouchers_sponsored_capped: 'max_redemptions',
  ngo_vouchers_window: 'activation_end',
  ngo_vouchers_max_redemptions_positive: 'max_redemptions',
};

function mapWriteError(error: unknown): never {
  const field = isCheckViolation(error) ? CHECK_FIELDS[pgErrorOf(error)?.constraint ?? ''] : undefined;
  if (field) throw fieldError(field, 'invalid', 'ngo.invalid_voucher');
  throw error;
}

export async function createVoucher(c: Context<AppEnv>, ngo: NgoAccount, input: z.infer<typeof CreateVoucherBody>) {
  const { db } = c.var;
  for (let attempt = 1; ; attempt++) {
    const id = crypto.randomUUID();
    try {
      const [inserted] = await db.batch([
        db
          .insert(ngoVouchers)
          .values({
            id,
            ngoRequestId: ngo.requestId,
            code: newVoucherCode(ngo.organizationName),
            name: input.name,
            description: input.description ?? null,
            activationStart: input.activation_start ?? null,
            activationEnd: input.activation_end ?? null,
            maxRedemptions: input.max_redemptions ?? null,
            funding: input.funding,
          })
          .returning(voucherColumns),
        audit(db, c, { action: 'ngo_voucher.create', entityType: 'ngo_voucher', entityId: id, after: input }),
      ]);
      return serializeVoucher(inserted[0]!);
    } catch (error) {
      if (attempt < 3 && isUniqueViolation(error, 'ngo_vouchers_code_unique')) continue;
      mapWriteError(error);
    }
  }
}

const ownVoucher = (ngo: NgoAccount, id: string) => and(eq(ngoVouchers.id, id), eq(ngoVouchers.ngoRequestId, ngo.requestId))!;

export async function getVoucher(db: Database, ngo: NgoAccount, id: string) {
  const [row] = await db.select(voucherColumns).from(ngoVouchers).where(ownVoucher(ngo, id)).limit(1);
  if (!row) throw notFound('ngo.not_found');
  return serializeVoucher(row);
}

/**
 * A page of an NGO's vouchers in ONE round trip: `ngoRequestId` may be SQL (the caller's approved request,
 * `approvedNgoIdSql`), and `access` an existence check read in the same batch (null row → the caller decides).
 */
export async function listVouchers(
  db: Database,
  window: PageWindow,
  ngoRequestId: string | SQL,
  state: z.infer<typeof VoucherListQuery>['state'],
  access: SQL,
) {
  const where: SQL = and(
    sql`${ngoVouchers.ngoRequestId} = ${ngoRequestId}`,
    state ? sql`${voucherStateSql(sql`ngo_vouchers`)} = ${state}` : undefined,
  )!;
  const page = await readJsonPage(db, window, {
    item: voucherItem(),
    from: sql`${ngoVouchers}`,
    where,
    orderBy: [desc(ngoVouchers.createdAt), desc(ngoVouchers.id)],
    extras: { allowed: sql<boolean | null>`SELECT ${access}` },
  });
  return { allowed: page.extras.allowed === true, page };
}

export async function updateVoucher(c: Context<AppEnv>, ngo: NgoAccount, id: string, input: z.infer<typeof UpdateVoucherBody>) {
  const { db } = c.var;
  const where = ownVoucher(ngo, id);
  // Switching to sponsored issues a fresh code (SPEC-WAVE2 §0.1): the old one stops working.
  const freshCode = newVoucherCode(ngo.organizationName);
  try {
    const results = await db.batch([
      db.select({ id: ngoVouchers.id }).from(ngoVouchers).where(where).for('update'),
      guard(db, sql`EXISTS (SELECT 1 FROM ngo_vouchers WHERE ${where})`, 'not_found'),
      ...(input.funding !== undefined
        ? [guard(db, sql`EXISTS (SELECT 1 FROM ngo_vouchers WHERE ${where} AND (funding = ${input.funding} OR redeemed_count = 0))`, 'funding_locked')]
        : []),
      audit(db, c, { action: 'ngo_voucher.update', entityType: 'ngo_voucher', entityId: id, after: input }),
      db
        .update(ngoVouchers)
        .set({
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.activation_start !== undefined ? { activationStart: input.activation_start } : {}),
          ...(input.activation_end !== undefined ? { activationEnd: input.activation_end } : {}),
          ...(input.max_redemptions !== undefined ? { maxRedemptions: input.max_redemptions } : {}),
          ...(input.is_active !== undefined ? { isActive: input.is_active } : {}),
          ...(input.funding !== undefined
            ? {
                funding: input.funding,
                code: sql`CASE WHEN ${ngoVouchers.funding} <> 'sponsored' AND ${input.funding} = 'sponsored' THEN ${freshCode} ELSE ${ngoVouchers.code} END`,
              }
            : {}),
          updatedAt: sql`now()`,
        })
        .where(where)
        .returning(voucherColumns),
    ]);
    const updated = results[results.length - 1] as (VoucherRow & { state: VoucherState })[];
    return serializeVoucher(updated[0]!);
  } catch (error) {
    const reason = failedGuard(error);
    if (reason === 'not_found') throw notFound('ngo.not_found');
    if (reason === 'funding_locked') throw new AppError('INVALID_STATE', { message: 'ngo.funding_locked', details: { reason: 'funding_locked', field: 'funding' } });
    mapWriteError(error);
  }
}

/** Never redeemed → deleted; else deactivated (redemptions keep referencing it). */
export async function deleteVoucher(c: Context<AppEnv>, ngo: NgoAccount, id: string) {
  const { db } = c.var;
  const where = ownVoucher(ngo, id);
  const unused = sql`${where} AND NOT EXISTS (SELECT 1 FROM ngo_voucher_redemptions r WHERE r.voucher_id = ${id})`;
  const used = sql`${where} AND EXISTS (SELECT 1 FROM ngo_voucher_redemptions r WHERE r.voucher_id = ${id})`;
  const [locked, , removed, deactivated] = await db.batch([
    db.select({ id: ngoVouchers.id }).from(ngoVouchers).where(where).for('update'),
    audit(db, c, { action: 'ngo_voucher.delete', entityType: 'ngo_voucher', entityId: id }),
    db.delete(ngoVouchers).where(unused).returning({ id: ngoVouchers.id }),
    db.update(ngoVouchers).set({ isActive: false, updatedAt: sql`now()` }).where(used).returning({ id: ngoVouchers.id }),
  ]);
  if (locked.length === 0) throw notFound('ngo.not_found');
  return { id, deactivated: removed.length === 0 && deactivated.length > 0 };
}

/** The admin's emergency stop (SPEC-WAVE2 §0.1): `admin_disabled`, which the NGO cannot clear. */
export async function setAdminDisabled(c: Context<AppEnv>, id: string, disabled: boolean) {
  const { db } = c.var;
  const [, updated] = await db.batch([
    audit(db, c, { action: disabled ? 'ngo_voucher.disable' : 'ngo_voucher.enable', entityType: 'ngo_voucher', entityId: id, after: { admin_disabled: disabled } }),
    db.update(ngoVouchers).set({ adminDisabled: disabled, updatedAt: sql`now()` }).where(eq(ngoVouchers.id, id)).returning(voucherColumns),
  ]);
  if (!updated[0]) throw notFound('ngo.not_found');
  return serializeVoucher(updated[0]);
}
