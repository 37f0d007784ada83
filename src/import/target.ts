/**
 * What an import run reads from the target before it plans (SPEC-WAVE2 §16.2, §16.4): the rows already
 * mapped or present (so re-runs insert nothing), the migrations applied, runs still marked running, and the
 * target's identity (a source that is the target is refused).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { TargetState } from './transform.js';

export interface TargetRead {
  state: TargetState;
  migrations: { count: number; lastWhen: number } | null;
  running: { id: string; started_at: string }[];
  identity: { addr: string | null; port: number | null; database: string };
}

export async function readTarget(db: Database): Promise<TargetRead> {
  let migrations: TargetRead['migrations'] = null;
  try {
    const res = await db.execute<{ n: number; last: string | null }>(sql`SELECT count(*)::int AS n, max(created_at)::text AS last FROM drizzle.__drizzle_migrations`);
    migrations = { count: Number(res.rows[0]?.n ?? 0), lastWhen: Number(res.rows[0]?.last ?? 0) };
  } catch {
    return {
      state: {
        mapped: new Map(), users: new Map(), roles: new Map(), methods: [], packages: [], discountCodes: new Map(), templates: new Map(), referralCodes: new Set(),
        userColumns: new Set(), openingBalances: new Map(), currencies: new Map(), liveNgoRequests: new Map(), voucherCodes: new Map(),
        vouchers: new Map(), redemptionPairs: new Set(),
      },
      migrations: null,
      running: [],
      identity: { addr: null, port: null, database: '' },
    };
  }
  const [maps, users, roles, methods, packages, codes, templates, running, identity, columns, opening, currencyRows, liveRequests, voucherRows, redemptionRows] = await db.batch([
    db.execute<{ k: string; target_id: string }>(sql`SELECT source_table || ':' || source_id AS k, target_id FROM import_map`),
    db.execute<{ id: string; email: string; referral_code: string; imported: boolean }>(sql`
      SELECT u.id, u.email, u.referral_code, EXISTS (SELECT 1 FROM import_map m WHERE m.target_table = 'users' AND m.target_id = u.id) AS imported FROM users u`),
    db.execute<{ id: string; name: string }>(sql`SELECT id, lower(name) AS name FROM roles`),
    db.execute<{ id: string; name: string; name_ar: string | null }>(sql`SELECT id, name, name_ar FROM payment_methods`),
    db.execute<{ id: string; credits: number; cents: string }>(sql`SELECT id, credits, (price_usd * 100)::bigint::text AS cents FROM credit_packages`),
    db.execute<{ id: string; code: string }>(sql`SELECT id, lower(code) AS code FROM discount_codes`),
    db.execute<{ id: string; template_key: string; texts: string }>(sql`
      SELECT id, template_key, concat_ws(' ', subject_en, subject_ar, body_en, body_ar) AS texts FROM email_templates WHERE template_key NOT LIKE 'legacy\_%'`),
    db.execute<{ id: string; started_at: string }>(sql`SELECT id, started_at::text FROM import_runs WHERE status = 'running'`),
    db.execute<{ addr: string | null; port: number | null; database: string }>(sql`SELECT host(inet_server_addr()) AS addr, inet_server_port() AS port, current_database() AS database`),
    db.execute<{ column_name: string }>(sql`
      SELECT column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'users' AND column_name IN ('email_verified_at', 'signup_bonus_due')`),
    db.execute<{ user_id: string; credits: number }>(sql`SELECT user_id, credits FROM transactions WHERE type = 'opening_balance'`),
    db.execute<{ id: string; code: string; decimals: number; rate: string; increment: number; is_active: boolean }>(sql`
      SELECT id, code, decimals, rate_per_usd::text AS rate, rounding_increment_minor AS increment, is_active FROM currencies`),
    db.execute<{ id: string; user_id: string }>(sql`SELECT id, user_id FROM ngo_requests WHERE status IN ('pending', 'approved', 'suspended')`),
    db.execute<{ id: string; code: string; max_redemptions: number | null; redeemed_count: number }>(sql`SELECT id, code, max_redemptions, redeemed_count FROM ngo_vouchers`),
    db.execute<{ k: string }>(sql`SELECT voucher_id::text || ':' || user_id::text AS k FROM ngo_voucher_redemptions`),
  ]);
  return {
    migrations,
    running: running.rows,
    identity: identity.rows[0] ?? { addr: null, port: null, database: '' },
    state: {
      mapped: new Map(maps.rows.map((r) => [r.k, r.target_id])),
      users: new Map(users.rows.map((r) => [r.email, { id: r.id, imported: r.imported === true || (r.imported as unknown) === 't' }])),
      roles: new Map(roles.rows.map((r) => [r.name, r.id])),
      methods: methods.rows.map((r) => ({ id: r.id, name: r.name, nameAr: r.name_ar })),
      packages: packages.rows.map((r) => ({ id: r.id, credits: Number(r.credits), priceCents: BigInt(r.cents) })),
      discountCodes: new Map(codes.rows.map((r) => [r.code, r.id])),
      templates: new Map(
        templates.rows.map((r) => [
          r.template_key,
          { id: r.id, variables: new Set([...r.texts.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]!)) },
        ]),
      ),
      referralCodes: new Set(users.rows.map((r) => r.referral_code)),
      userColumns: new Set(columns.rows.map((r) => r.column_name)),
      openingBalances: new Map(opening.rows.map((r) => [r.user_id, Number(r.credits)])),
      currencies: new Map(
        currencyRows.rows.map((r) => [
          r.code,
          { id: r.id, decimals: Number(r.decimals), rate: r.rate, increment: Number(r.increment), isActive: r.is_active === true || (r.is_active as unknown) === 't' },
        ]),
      ),
      liveNgoRequests: new Map(liveRequests.rows.map((r) => [r.user_id, r.id])),
      voucherCodes: new Map(voucherRows.rows.map((r) => [r.code, r.id])),
      vouchers: new Map(
        voucherRows.rows.map((r) => [r.id, { maxRedemptions: r.max_redemptions === null ? null : Number(r.max_redemptions), redeemedCount: Number(r.redeemed_count) }]),
      ),
      redemptionPairs: new Set(redemptionRows.rows.map((r) => r.k)),
    },
  };
}
