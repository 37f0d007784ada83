/**
 * The mapping of SPEC-WAVE2 §16.3: source snapshot + what the target already holds → units to write
 * and the report. Pure: it reads nothing and writes nothing, so a dry run and an apply run make the
 * same decisions and the same report.
 */
import { sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { SECTION_SPECS } from '../ai/sections/index.js';
import { BUILTIN_ROLES, DEFAULT_USER_ROLE, isPermission, SUPER_ADMIN_ROLE } from '../auth/permissions.js';
import {
  activityFeed,
  analyses,
  analysisSections,
  auditLogs,
  chatConversations,
  creditPackages,
  discountCodes,
  discountRedemptions,
  emailTemplates,
  legacyTransactions,
  NOTIFICATION_TYPES,
  notifications,
  paymentMethods,
  payments,
  referrals,
  reportShares,
  roles,
  SECTION_NAMES,
  users,
  type NotificationType,
  type SectionName,
} from '../db/schema.js';
import { httpsUrlOrImageDataUrl } from '../schemas/common.js';
import { ProfileFields } from '../schemas/user.js';
import { sectionsForTier } from '../services/analyses.js';
import { newReferralCode } from '../services/referral-codes.js';
import { isSettingKey, SETTINGS } from '../services/settings.js';
import { isPlainObject, readJson } from './json.js';
import { centsToText, floatToCents, MAX_CENTS } from './money.js';
import {
  emptyTable,
  measure,
  targetIdOf,
  unit,
  uuidv5,
  type ImportReport,
  type Problem,
  type TableReport,
  type Unit,
} from './plan.js';
import type { Snapshot, SourceRow } from './upstream.js';

export interface TargetState {
  /** `${source_table}:${source_id}` → target id, from import_map. */
  mapped: Map<string, string>;
  /** Every target user by email: id, and whether the importer created it. */
  users: Map<string, { id: string; imported: boolean }>;
  roles: Map<string, string>;
  methods: { id: string; name: string; nameAr: string | null }[];
  packages: { id: string; credits: number; priceCents: bigint }[];
  discountCodes: Map<string, string>;
  /** Target email templates by key, with the placeholders their current texts use (the declared variables). */
  templates: Map<string, { id: string; variables: Set<string> }>;
  referralCodes: Set<string>;
  /** Opening balance already booked, per target user id. */
  openingBalances: Map<string, number>;
  /** Columns of `users` that later migrations add (§11: email_verified_at, signup_bonus_due), when present. */
  userColumns: Set<string>;
}

export interface TransformOptions {
  pendingPayments: 'refuse' | 'skip' | 'import';
  /** `prefer-source`: a source template mapping to a product template replaces its texts (first import only). */
  templates?: 'keep-target' | 'prefer-source';
  adminEmail?: string;
  now: Date;
}

export interface Step {
  table: string;
  units: Unit[];
}

export interface Transformed {
  steps: Step[];
  report: Pick<ImportReport, 'tables' | 'totals' | 'problems' | 'warnings'>;
  /** Row-independent refusals found while mapping (§16.4.7, .8, .9). */
  refusals: { code: string; message: string; details?: unknown }[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;
export const UNSET_PASSWORD = '!unset';
const ROLE_NAME = /^[A-Za-z0-9_-]{2,50}$/;
/** A payment proof larger than this (text) cannot travel in one 4 MB batch: dropped and reported. */
const MAX_PROOF_CHARS = 3_500_000;
const LEGACY_PACKAGE_ID = uuidv5('synthetic:credit_packages:legacy_purchase');

/** Upstream template keys → this product's template keys (§16.3). */
const TEMPLATE_KEYS: Record<string, string> = {
  low_credits: 'credits_low',
  shared_report_accessed: 'share_opened',
  referral_bonus_referrer: 'referral_reward',
  ngo_request_status_change: 'ngo_request_reviewed',
  ngo_request_new: 'admin_ngo_request',
};

const PREF_KEYS: Record<string, NotificationType | null> = {
  analysis_complete: 'analysis_completed',
  analysis_failed: 'analysis_failed',
  credits_low: 'credits_low',
  credits_added: 'credits_added',
  credits_deducted: null,
  payment_approved: 'payment_approved',
  payment_rejected: 'payment_rejected',
  referral_joined: 'referral_joined',
  report_shared_opened: 'share_opened',
  system: 'announcement',
  email_notifications: null, // §11.5's `email` master switch is not in this build's vocabulary yet
};

const NOTIFICATION_MAP: Record<string, NotificationType> = {
  analysis_complete: 'analysis_completed',
  report_shared_opened: 'share_opened',
  referral_bonus: 'referral_rewarded',
  payment_approved: 'payment_approved',
  payment_rejected: 'payment_rejected',
  credits_low: 'credits_low',
  credits_added: 'credits_added',
  referral_joined: 'referral_joined',
};

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const int = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
const bool = (v: unknown, fallback: boolean): boolean => (v === null || v === undefined ? fallback : v === true || v === 't');
const lowerEmail = (v: unknown) => (str(v) ?? '').trim().toLowerCase();
const cut = (v: string | null, max: number) => (v === null ? null : [...v].slice(0, max).join(''));
const charLength = (v: string) => [...v].length;

/** Source timestamp (ISO, UTC) → Date, or null. */
const ts = (v: unknown): Date | null => (v ? new Date(String(v)) : null);

export function transform(source: Snapshot, target: TargetState, options: TransformOptions): Transformed {
  const tables: Record<string, TableReport> = {};
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const refusals: Transformed['refusals'] = [];
  const totals: Record<string, unknown> = {};
  const steps: Step[] = [];
  const importTime = options.now;

  const report = (table: string) => (tables[table] ??= emptyTable());
  const problem = (p: Problem) => problems.push(p);
  const skip = (table: string, sourceId: string, reason: string, extra: Omit<Problem, 'table' | 'source_id' | 'reason'> = {}) => {
    const r = report(table);
    r.skipped[reason] = (r.skipped[reason] ?? 0) + 1;
    problem({ table, source_id: sourceId, reason, ...extra });
  };
  const archiveRow = (u: Unit, table: string, sourceId: string, reason: string, payload: unknown) => {
    u.archive.push({ sourceTable: table, sourceId, reason, payload });
  };
  const isMapped = (table: string, id: string) => target.mapped.has(`${table}:${id}`);
  /** A unit for a new source row, or null (counted as already present) when import_map has it. */
  const begin = (table: string, sourceId: string, targetTable: string, targetId: string): Unit | null => {
    if (isMapped(table, sourceId)) {
      report(table).already_present++;
      return null;
    }
    return unit({ map: { sourceTable: table, sourceId, targetTable, targetId } });
  };
  const push = (step: Step, u: Unit) => {
    u.bytes = measure(u);
    step.units.push(u);
    report(step.table).inserted += u.inserts.length > 0 || u.before.length > 0 || u.after.length > 0 || u.opening ? 1 : 0;
    report(step.table).archived += u.archive.length;
  };
  const newStep = (table: string): Step => {
    const s = { table, units: [] as Unit[] };
    steps.push(s);
    report(table);
    return s;
  };
  const archiveOnly = (step: Step, table: string, sourceId: string, reason: string, payload: unknown) => {
    const u = unit();
    archiveRow(u, table, sourceId, reason, payload);
    u.bytes = measure(u);
    step.units.push(u);
    report(table).archived++;
  };
  for (const table of Object.keys(source)) report(table).read = source[table as keyof Snapshot].length;

  // ─── roles ─────────────────────────────────────────────────────────────────
  const roleIds = new Map<string, string>(); // source role id → target role id
  const inactiveRoles = new Set<string>();
  {
    const step = newStep('roles');
    const usedNames = new Set([...target.roles.keys()]);
    for (const row of source.roles) {
      const sid = String(row.id);
      const name = str(row.name) ?? '';
      const builtin = name === 'owner' ? SUPER_ADMIN_ROLE : (Object.hasOwn(BUILTIN_ROLES, name) ? name : null);
      if (!bool(row.is_active, true)) inactiveRoles.add(sid);
      if (builtin) {
        const id = target.roles.get(builtin)!;
        roleIds.set(sid, id);
        const u = begin('roles', sid, 'roles', id);
        if (u) push(step, u); // mapped onto the built-in; its permissions are not changed
        continue;
      }
      const existing = target.mapped.get(`roles:${sid}`);
      if (existing) {
        roleIds.set(sid, existing);
        report('roles').already_present++;
        continue;
      }
      let normalized = name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 50);
      if (normalized.length < 2) normalized = `${normalized}__`.slice(0, 2);
      if (target.roles.has(normalized.toLowerCase())) {
        // Same name already in the target (created there or by an earlier run): map onto it.
        const id = target.roles.get(normalized.toLowerCase())!;
        roleIds.set(sid, id);
        const u = begin('roles', sid, 'roles', id);
        if (u) push(step, u);
        continue;
      }
      let candidate = normalized;
      for (let n = 2; usedNames.has(candidate.toLowerCase()); n++) candidate = `${normalized.slice(0, 46)}_${n}`;
      if (candidate !== name) problem({ table: 'roles', source_id: sid, reason: 'renamed', detail: `${name} → ${candidate}` });
      usedNames.add(candidate.toLowerCase());
      const perms = readJson(row.permissions);
      let listed: string[] = [];
      if (perms.kind === 'value') {
        if (Array.isArray(perms.value)) listed = perms.value.filter((p): p is string => typeof p === 'string');
        else if (isPlainObject(perms.value)) listed = Object.entries(perms.value).filter(([, v]) => v === true).map(([k]) => k);
      }
      const kept = [...new Set(listed.filter(isPermission))];
      const dropped = listed.filter((p) => !isPermission(p));
      if (dropped.length) problem({ table: 'roles', source_id: sid, reason: 'permissions_dropped', detail: dropped.join(', ') });
      const id = targetIdOf('roles', sid);
      roleIds.set(sid, id);
      const u = begin('roles', sid, 'roles', id)!;
      u.inserts.push({
        table: roles,
        values: { id, name: candidate, description: str(row.description), permissions: kept, isBuiltin: false, createdAt: ts(row.created_at) ?? importTime },
      });
      push(step, u);
    }
  }

  // ─── users ─────────────────────────────────────────────────────────────────
  /** lower-cased email → target user id (imported now, earlier, or the bootstrap admin). */
  const userIds = new Map<string, string>();
  const userCreated = new Map<string, Date>();
  {
    const byEmail = new Map<string, SourceRow[]>();
    for (const row of source.users) {
      const email = lowerEmail(row.email);
      if (!EMAIL.test(email)) {
        refusals.push({ code: 'invalid_email', message: `source user ${String(row.id)} has an invalid email`, details: { source_id: String(row.id) } });
        continue;
      }
      byEmail.set(email, [...(byEmail.get(email) ?? []), row]);
    }
    for (const [email, rows] of byEmail) {
      if (rows.length > 1) {
        refusals.push({
          code: 'duplicate_email',
          message: `${rows.length} source users share the email ${email} after trimming and lower-casing`,
          details: { email, source_ids: rows.map((r) => String(r.id)), spellings: rows.map((r) => String(r.email)) },
        });
      }
    }
    for (const row of source.users) {
      const credits = int(row.credits) ?? 0;
      if (credits < 0) {
        refusals.push({ code: 'negative_credits', message: `source user ${String(row.id)} has a negative balance (${credits})`, details: { source_id: String(row.id), email: lowerEmail(row.email), credits } });
      }
    }

    const adminEmail = options.adminEmail?.trim().toLowerCase();
    const step = newStep('users');
    const takenCodes = new Set(target.referralCodes);
    let unusable = 0;
    let verified = 0;
    let openingCount = 0;
    let openingCredits = 0;
    let regenerated = 0;
    let drift = 0;
    for (const row of [...source.users].sort((a, b) => String(a.created_at ?? '').localeCompare(String(b.created_at ?? '')))) {
      const sid = String(row.id);
      const email = lowerEmail(row.email);
      if (!EMAIL.test(email) || (byEmail.get(email)?.length ?? 0) > 1) continue; // refused above
      const existing = target.users.get(email);
      const credits = Math.max(0, int(row.credits) ?? 0);
      if (bool(row.email_verified, false)) verified++;
      if (existing && !existing.imported) {
        if (email === adminEmail) {
          // The bootstrap admin maps onto the existing account; its balance still opens once.
          userIds.set(email, existing.id);
          userCreated.set(email, ts(row.created_at) ?? importTime);
          const u = begin('users', sid, 'users', existing.id);
          if (u) {
            problem({ table: 'users', source_id: sid, reason: 'mapped_to_bootstrap_admin', email });
            if (credits > 0) {
              u.opening = { userId: existing.id, credits };
              openingCount++;
              openingCredits += credits;
            }
            push(step, u);
          }
        } else {
          refusals.push({ code: 'email_exists_in_target', message: `the source email ${email} belongs to a user the importer did not create`, details: { email, source_id: sid } });
        }
        continue;
      }
      const id = existing?.id ?? target.mapped.get(`users:${sid}`) ?? targetIdOf('users', sid);
      userIds.set(email, id);
      userCreated.set(email, ts(row.created_at) ?? importTime);
      const u = begin('users', sid, 'users', id);
      if (!u) {
        // §0.1: no re-sync at cut-over, but a balance that moved in the source since the import is reported.
        if ((target.openingBalances.get(id) ?? 0) !== credits) {
          drift++;
          problem({ table: 'users', source_id: sid, reason: 'balance_drift', email, detail: `${target.openingBalances.get(id) ?? 0} → ${credits}` });
        }
        continue;
      }

      const hash = str(row.password_hash);
      const passwordHash = hash && BCRYPT.test(hash) ? hash : UNSET_PASSWORD;
      if (passwordHash === UNSET_PASSWORD) {
        unusable++;
        problem({ table: 'users', source_id: sid, reason: hash ? 'password_unknown_format' : 'password_missing', email });
      }
      const lang = (str(row.language) ?? '').trim().toLowerCase();
      const language = lang === 'ar' || lang === 'arabic' || lang.startsWith('ar-') ? 'ar' : 'en';

      let profileImage = str(row.profile_image);
      if (profileImage !== null && !httpsUrlOrImageDataUrl(512 * 1024).safeParse(profileImage).success) {
        problem({ table: 'users', source_id: sid, reason: 'profile_image_dropped', email });
        profileImage = null;
      }
      let phone = str(row.phone_number)?.trim() || null;
      if (phone !== null && !ProfileFields.phone_number.safeParse(phone).success) {
        problem({ table: 'users', source_id: sid, reason: 'phone_dropped', email });
        phone = null;
      }
      const prefsIn = readJson(row.notification_preferences);
      const prefs: Record<string, boolean> = {};
      if (prefsIn.kind === 'value' && isPlainObject(prefsIn.value)) {
        for (const [k, v] of Object.entries(prefsIn.value)) {
          const mapped = PREF_KEYS[k];
          if (mapped && (NOTIFICATION_TYPES as readonly string[]).includes(mapped)) prefs[mapped] = v === true || v === 'true' || v === 1;
        }
      }
      let roleId = row.role_id ? roleIds.get(String(row.role_id)) : undefined;
      if (!roleId) {
        roleId = target.roles.get(DEFAULT_USER_ROLE)!;
        problem({ table: 'users', source_id: sid, reason: row.role_id ? 'unknown_role' : 'no_role', email });
      } else if (inactiveRoles.has(String(row.role_id))) {
        problem({ table: 'users', source_id: sid, reason: 'inactive_role', email });
      }
      let code = (str(row.referral_code) ?? '').trim().toUpperCase();
      if (!/^[A-Z0-9]{8}$/.test(code) || takenCodes.has(code)) {
        if (code) problem({ table: 'users', source_id: sid, reason: 'referral_code_regenerated', email });
        if (code) regenerated++;
        do code = stableReferralCode(sid, takenCodes);
        while (takenCodes.has(code));
      }
      takenCodes.add(code);
      let createdAt = ts(row.created_at);
      if (!createdAt) {
        createdAt = ts(row.updated_at) ?? importTime;
        problem({ table: 'users', source_id: sid, reason: 'created_at_missing', email });
      }
      const fullName = str(row.full_name);
      const displayName = str(row.display_name);
      const country = str(row.country);
      const city = str(row.city);
      for (const [field, value, max] of [['full_name', fullName, 120], ['display_name', displayName, 60], ['country', country, 80], ['city', city, 80]] as const) {
        if (value !== null && charLength(value) > max) problem({ table: 'users', source_id: sid, reason: 'field_cut', email, detail: field });
      }
      u.inserts.push({
        table: users,
        values: {
          id,
          email,
          passwordHash,
          fullName: cut(fullName, 120),
          displayName: cut(displayName, 60),
          language,
          profileImage,
          phoneNumber: phone,
          country: cut(country, 80),
          city: cut(city, 80),
          notificationPreferences: prefs,
          onboardingCompleted: true,
          onboardingStep: 0,
          roleId,
          credits: 0,
          referralCode: code,
          isActive: bool(row.is_active, true),
          lastLoginAt: ts(row.last_login),
          createdAt,
          updatedAt: ts(row.updated_at) ?? createdAt,
        },
      });
      // Written only when the email-lifecycle columns exist in this target (SPEC-WAVE2 §11, §16.3).
      if (target.userColumns.has('email_verified_at') && bool(row.email_verified, false)) {
        u.after.push(sql`UPDATE users SET email_verified_at = ${createdAt} WHERE id = ${id} AND email_verified_at IS NULL`);
      }
      if (target.userColumns.has('signup_bonus_due')) u.after.push(sql`UPDATE users SET signup_bonus_due = false WHERE id = ${id}`);
      if (credits > 0) {
        u.opening = { userId: id, credits };
        openingCount++;
        openingCredits += credits;
      }
      push(step, u);
    }
    totals.users_unusable_password = unusable;
    totals.users_verified = verified;
    totals.users_unverified = source.users.length - verified;
    totals.opening_balances = { count: openingCount, credits: openingCredits };
    totals.referral_codes_regenerated = regenerated;
    totals.balance_drift = drift;
  }
  const userOf = (email: unknown) => userIds.get(lowerEmail(email));

  // ─── credit packages ───────────────────────────────────────────────────────
  const packages = [...target.packages];
  {
    const step = newStep('credit_packages');
    const ranked = [...source.credit_packages].sort((a, b) => Number(a.price_usd ?? 0) - Number(b.price_usd ?? 0));
    ranked.forEach((row, rank) => {
      const sid = String(row.id);
      const id = targetIdOf('credit_packages', sid);
      const credits = int(row.credits) ?? 0;
      const price = row.price_usd === null ? 0n : floatToCents(Number(row.price_usd));
      if (credits <= 0 || price <= 0n || price > MAX_CENTS) {
        skip('credit_packages', sid, credits <= 0 ? 'non_positive_credits' : 'non_positive_price');
        return;
      }
      packages.push({ id, credits, priceCents: price });
      const u = begin('credit_packages', sid, 'credit_packages', id);
      if (!u) return;
      const features = (v: unknown) => {
        const j = readJson(v);
        return j.kind === 'value' && Array.isArray(j.value) ? j.value.filter((x): x is string => typeof x === 'string') : [];
      };
      u.inserts.push({
        table: creditPackages,
        values: {
          id, name: str(row.name) ?? 'Package', nameAr: str(row.name_ar), credits, priceUsd: centsToText(price),
          description: str(row.description), descriptionAr: str(row.description_ar), features: features(row.features), featuresAr: features(row.features_ar),
          isActive: bool(row.is_active, true), isPopular: bool(row.is_popular, false), sortOrder: rank, createdAt: ts(row.created_at) ?? importTime,
        },
      });
      push(step, u);
    });
  }

  // ─── payment methods ───────────────────────────────────────────────────────
  const methods = [...target.methods];
  const findMethod = (name: string) => {
    const n = name.trim().toLowerCase();
    return methods.find((m) => m.name.trim().toLowerCase() === n || (m.nameAr ?? '').trim().toLowerCase() === n);
  };
  {
    const step = newStep('payment_methods');
    for (const row of source.payment_methods) {
      const sid = String(row.id);
      const name = str(row.name) ?? 'Unnamed method';
      const match = findMethod(name);
      if (match) {
        const u = begin('payment_methods', sid, 'payment_methods', match.id);
        if (u) push(step, u);
        continue;
      }
      const id = targetIdOf('payment_methods', sid);
      methods.push({ id, name, nameAr: str(row.name_ar) });
      const u = begin('payment_methods', sid, 'payment_methods', id);
      if (!u) continue;
      const details = readJson(row.details);
      u.inserts.push({
        table: paymentMethods,
        values: {
          id, name, nameAr: str(row.name_ar), type: str(row.type) ?? 'other', details: details.kind === 'value' && isPlainObject(details.value) ? details.value : {},
          instructions: str(row.instructions), instructionsAr: str(row.instructions_ar), logoUrl: str(row.logo_url),
          isActive: bool(row.is_active, true), sortOrder: int(row.sort_order) ?? 0, createdAt: ts(row.created_at) ?? importTime,
        },
      });
      push(step, u);
    }
  }

  // ─── payments: decide first (discount counters depend on them) ─────────────
  type PlannedPayment = { row: SourceRow; sid: string; userId: string; status: 'approved' | 'rejected' | 'pending'; codeKey: string | null };
  const plannedPayments: PlannedPayment[] = [];
  let pendingFound = 0;
  for (const row of [...source.payments].sort((a, b) => String(a.created_at ?? '').localeCompare(String(b.created_at ?? '')))) {
    const sid = String(row.id);
    const status = str(row.status) ?? 'pending';
    const userId = userOf(row.user_email);
    if (status === 'pending') pendingFound++;
    if (!userId) {
      skip('payments', sid, 'unknown_user', { email: lowerEmail(row.user_email) });
      continue;
    }
    if (status !== 'approved' && status !== 'rejected' && status !== 'pending') {
      skip('payments', sid, 'unknown_status');
      continue;
    }
    if (status === 'pending' && options.pendingPayments !== 'import') {
      if (options.pendingPayments === 'skip') skip('payments', sid, 'pending_skipped', { email: lowerEmail(row.user_email) });
      continue;
    }
    plannedPayments.push({ row, sid, userId, status, codeKey: str(row.discount_code)?.trim().toUpperCase() || null });
  }
  if (pendingFound > 0 && options.pendingPayments === 'refuse') {
    refusals.push({
      code: 'pending_payments',
      message: `${pendingFound} pending payments exist: choose --pending-payments=skip or --pending-payments=import`,
      details: { source_ids: source.payments.filter((p) => (str(p.status) ?? 'pending') === 'pending').map((p) => String(p.id)) },
    });
  }
  totals.pending_payments = pendingFound;

  // ─── discount codes ────────────────────────────────────────────────────────
  const codeIds = new Map<string, { id: string; perUser: number }>(); // UPPER code → target
  {
    const step = newStep('discount_codes');
    const usesByCodeUser = new Map<string, Map<string, number>>();
    for (const p of plannedPayments) {
      if (!p.codeKey || p.status === 'rejected') continue;
      const perUser = usesByCodeUser.get(p.codeKey) ?? new Map<string, number>();
      perUser.set(p.userId, (perUser.get(p.userId) ?? 0) + 1);
      usesByCodeUser.set(p.codeKey, perUser);
    }
    const seen = new Set<string>();
    for (const row of [...source.discount_codes].sort((a, b) => String(a.created_at ?? '').localeCompare(String(b.created_at ?? '')))) {
      const sid = String(row.id);
      const code = (str(row.code) ?? '').trim().toUpperCase();
      if (code.length < 3 || code.length > 40) {
        skip('discount_codes', sid, 'invalid_code');
        continue;
      }
      if (seen.has(code)) {
        skip('discount_codes', sid, 'case_collision', { detail: code });
        continue;
      }
      seen.add(code);
      let percent = int(row.discount_percent);
      let amount = row.discount_amount === null ? null : floatToCents(Number(row.discount_amount));
      if (percent !== null && percent <= 0) percent = null;
      if (amount !== null && amount <= 0n) amount = null;
      if (percent !== null && amount !== null) {
        problem({ table: 'discount_codes', source_id: sid, reason: 'both_kinds_percent_kept', detail: code });
        amount = null;
      }
      if (percent === null && amount === null) {
        skip('discount_codes', sid, 'no_discount');
        continue;
      }
      if (percent !== null && percent > 100) {
        skip('discount_codes', sid, 'percent_out_of_range');
        continue;
      }
      const perUserUses = usesByCodeUser.get(code) ?? new Map<string, number>();
      const redemptions = [...perUserUses.values()].reduce((a, b) => a + b, 0);
      const perUser = Math.max(1, ...perUserUses.values());
      const usesCount = Math.max(int(row.used_count) ?? 0, redemptions);
      let maxUses = int(row.max_uses);
      if (maxUses !== null && maxUses <= 0) maxUses = null;
      if (maxUses !== null && usesCount > maxUses) {
        problem({ table: 'discount_codes', source_id: sid, reason: 'max_uses_raised', detail: `${code}: ${maxUses} → ${usesCount}` });
        maxUses = usesCount;
      }
      const existing = target.discountCodes.get(code.toLowerCase());
      const id = existing ?? targetIdOf('discount_codes', sid);
      codeIds.set(code, { id, perUser });
      const u = begin('discount_codes', sid, 'discount_codes', id);
      if (!u) continue;
      if (existing) {
        problem({ table: 'discount_codes', source_id: sid, reason: 'mapped_to_existing_code', detail: code });
        push(step, u);
        continue;
      }
      let validFrom = ts(row.valid_from);
      let validUntil = ts(row.valid_until);
      if (validFrom && validUntil && validUntil <= validFrom) {
        problem({ table: 'discount_codes', source_id: sid, reason: 'invalid_window_dropped', detail: code });
        validFrom = null;
        validUntil = null;
      }
      const min = row.min_purchase_amount === null ? null : floatToCents(Number(row.min_purchase_amount));
      u.inserts.push({
        table: discountCodes,
        values: {
          id, code, discountPercent: percent, discountAmount: amount === null ? null : centsToText(amount),
          minPurchaseAmount: min === null || min < 0n ? null : centsToText(min), maxUses, perUserLimit: perUser, usesCount,
          validFrom, validUntil, isActive: bool(row.is_active, true), description: str(row.description_en), descriptionAr: str(row.description_ar),
          createdAt: ts(row.created_at) ?? importTime,
        },
      });
      push(step, u);
    }
  }

  // ─── opening balances are booked with their users; legacy transactions ─────
  {
    const step = newStep('transactions');
    const legacySums = new Map<string, number>();
    for (const row of source.transactions) {
      const sid = String(row.id);
      const userId = userOf(row.user_email);
      if (!userId) {
        skip('transactions', sid, 'unknown_user', { email: lowerEmail(row.user_email) });
        continue;
      }
      const email = lowerEmail(row.user_email);
      legacySums.set(email, (legacySums.get(email) ?? 0) + (int(row.credits) ?? 0));
      const id = targetIdOf('transactions', sid);
      const u = begin('transactions', sid, 'legacy_transactions', id);
      if (!u) continue;
      const amount = row.amount_usd === null ? null : floatToCents(Number(row.amount_usd));
      u.inserts.push({
        table: legacyTransactions,
        values: {
          id, userId, type: str(row.type) ?? 'unknown', credits: int(row.credits) ?? 0,
          amountUsd: amount === null || amount > MAX_CENTS || amount < -MAX_CENTS ? null : centsToText(amount),
          description: str(row.description), referenceId: str(row.reference_id), status: str(row.status), createdAt: ts(row.created_at) ?? importTime,
        },
      });
      push(step, u);
    }
    let mismatches = 0;
    for (const row of source.users) {
      const email = lowerEmail(row.email);
      if ((legacySums.get(email) ?? 0) !== (int(row.credits) ?? 0)) mismatches++;
    }
    totals.legacy_sum_mismatches = mismatches;
  }

  // ─── payments ──────────────────────────────────────────────────────────────
  {
    const step = newStep('payments');
    const legacyMethods = new Map<string, string>();
    let syntheticPackageUsed = false;
    let nonUsd = 0;
    for (const p of plannedPayments) {
      const { row, sid, userId } = p;
      const id = targetIdOf('payments', sid);
      const credits = int(row.credits) ?? 0;
      if (credits <= 0) {
        skip('payments', sid, 'non_positive_credits');
        continue;
      }
      const amount = row.amount_usd === null ? 0n : floatToCents(Number(row.amount_usd));
      const original = row.original_amount === null ? 0n : floatToCents(Number(row.original_amount));
      const list = original > 0n ? original : amount;
      if (list <= 0n || list > MAX_CENTS) {
        skip('payments', sid, 'zero_price');
        continue;
      }
      const u = begin('payments', sid, 'payments', id);
      if (!u) continue;
      let discount = list - amount;
      if (discount < 0n || discount > list) {
        discount = discount < 0n ? 0n : list;
        problem({ table: 'payments', source_id: sid, reason: 'amount_clamped', email: lowerEmail(row.user_email) });
      }
      let packageId = packages.filter((k) => k.credits === credits && k.priceCents === list).map((k) => k.id);
      if (packageId.length !== 1) {
        packageId = [LEGACY_PACKAGE_ID];
        if (!syntheticPackageUsed) {
          syntheticPackageUsed = true;
          u.inserts.push({
            table: creditPackages,
            values: { id: LEGACY_PACKAGE_ID, name: 'Legacy purchase', credits: 1, priceUsd: '0.01', isActive: false, sortOrder: 1000, description: 'Payments imported from Planlyze (Flask) that match no package' },
          });
        }
      }
      const methodName = str(row.payment_method)?.trim() || null;
      let methodId = methodName ? findMethod(methodName)?.id : undefined;
      if (!methodId) {
        const legacyName = methodName ?? 'Unknown (legacy)';
        const key = legacyName.toLowerCase();
        methodId = legacyMethods.get(key);
        if (!methodId) {
          methodId = uuidv5(`synthetic:payment_methods:${key}`);
          legacyMethods.set(key, methodId);
          u.inserts.push({ table: paymentMethods, values: { id: methodId, name: legacyName, type: 'legacy', details: {}, isActive: false, sortOrder: 1000 } });
          problem({ table: 'payments', source_id: sid, reason: 'method_unmatched', detail: legacyName });
        }
      }
      const createdAt = ts(row.created_at) ?? importTime;
      const reviewedBy = p.status === 'pending' ? null : (userOf(row.approved_by) ?? null);
      const code = p.codeKey ? codeIds.get(p.codeKey) : undefined;
      if (p.codeKey && !code) problem({ table: 'payments', source_id: sid, reason: 'discount_code_unknown' });
      let proof = str(row.payment_proof);
      if (proof !== null && proof.length > MAX_PROOF_CHARS) {
        problem({ table: 'payments', source_id: sid, reason: 'proof_too_large', detail: `${proof.length} characters` });
        archiveRow(u, 'payments', sid, 'proof_too_large', { characters: proof.length });
        proof = null;
      }
      const currency = (str(row.currency_code) ?? 'USD').trim().toUpperCase();
      if (currency !== 'USD') {
        nonUsd++;
        // Upstream stored client-sent figures unchecked: flag a currency amount that is not amount × rate (one cent of slack).
        const rate = row.exchange_rate === null ? null : Number(row.exchange_rate);
        const local = row.currency_amount === null ? null : Number(row.currency_amount);
        if (rate !== null && local !== null && Math.abs(Number(row.amount_usd ?? 0) * rate - local) > 0.01) {
          problem({ table: 'payments', source_id: sid, reason: 'currency_amount_mismatch', detail: currency });
        }
        archiveRow(u, 'payments', sid, 'currency_detail', {
          currency_code: currency, currency_amount: row.currency_amount, exchange_rate: row.exchange_rate, amount_usd: row.amount_usd,
        });
      }
      const notes = str(row.notes);
      u.inserts.push({
        table: payments,
        values: {
          id, userId, packageId: packageId[0], paymentMethodId: methodId, quantity: 1, credits,
          listPriceUsd: centsToText(list), discountUsd: centsToText(discount), amountUsd: centsToText(list - discount),
          discountCodeId: code?.id ?? null, paymentProof: proof, source: 'import', status: p.status,
          notes: p.status === 'pending' ? `[imported: verify amount and credits]${notes ? ` ${notes}` : ''}` : p.status === 'rejected' ? null : notes,
          rejectionReason: p.status === 'rejected' ? notes : null,
          reviewedBy, reviewedAt: p.status === 'pending' ? null : (ts(row.approved_at) ?? createdAt), createdAt, updatedAt: createdAt,
        },
      });
      if (code && p.status !== 'rejected') {
        u.inserts.push({
          table: discountRedemptions,
          values: { id: uuidv5(`redemption:${id}`), discountCodeId: code.id, userId, paymentId: id, status: p.status === 'approved' ? 'confirmed' : 'reserved', discountUsd: centsToText(discount), createdAt },
        });
        // Per-user counter: upserted by one; its max is the code's per-user limit (≥ every user's imported uses).
        u.after.push(sql`
          INSERT INTO discount_code_user_uses (discount_code_id, user_id, uses, max_uses) VALUES (${code.id}, ${userId}, 1, ${code.perUser})
          ON CONFLICT (discount_code_id, user_id) DO UPDATE SET uses = discount_code_user_uses.uses + 1,
            max_uses = GREATEST(discount_code_user_uses.max_uses, excluded.max_uses)`);
      }
      push(step, u);
    }
    totals.payments_non_usd = nonUsd;
    totals.payments_imported_pending = plannedPayments.filter((p) => p.status === 'pending').length;
  }

  // ─── analyses (+ sections) ─────────────────────────────────────────────────
  const analysisOwner = new Map<string, { id: string; userId: string; email: string; deleted: boolean; paidPremium: boolean }>();
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
      let idea = (str(row.business_idea) ?? '').trim();
      if (charLength(idea) < 10) {
        skip('analyses', sid, 'idea_too_short');
        const u = unit();
        archiveRow(u, 'analyses', sid, 'idea_too_short', { business_idea: idea, user_email: email });
        u.bytes = measure(u);
        step.units.push(u);
        report('analyses').archived++;
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
      if (row.voucher_id) archiveRow(u, 'analyses', sid, 'voucher_link', { voucher_id: row.voucher_id, is_ngo_favourite: row.is_ngo_favourite, is_ngo_archived: row.is_ngo_archived });

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

  // ─── notifications ─────────────────────────────────────────────────────────
  {
    const step = newStep('notifications');
    for (const row of source.notifications) {
      const sid = String(row.id);
      const userId = userOf(row.user_email);
      if (!userId) {
        skip('notifications', sid, 'unknown_user');
        continue;
      }
      const id = targetIdOf('notifications', sid);
      const u = begin('notifications', sid, 'notifications', id);
      if (!u) continue;
      const sourceType = str(row.type) ?? '';
      const type: NotificationType = NOTIFICATION_MAP[sourceType] ?? 'announcement';
      const meta = readJson(row.meta_data);
      let data: Record<string, unknown> | null = meta.kind === 'value' ? (isPlainObject(meta.value) ? meta.value : { value: meta.value }) : null;
      if (meta.kind === 'malformed' || meta.kind === 'unrepresentable') archiveRow(u, 'notifications', sid, `meta_${meta.kind}`, { meta_data: meta.raw });
      if (type === 'announcement' && sourceType !== 'announcement') data = { ...(data ?? {}), legacy_type: sourceType };
      u.inserts.push({
        table: notifications,
        values: { id, userId, type, title: str(row.title) ?? (sourceType || type), message: str(row.message) ?? '', data, isRead: bool(row.is_read, false), createdAt: ts(row.created_at) ?? importTime },
      });
      push(step, u);
    }
  }

  // ─── chat conversations ────────────────────────────────────────────────────
  {
    const step = newStep('chat_conversations');
    for (const row of source.chat_conversations) {
      const sid = String(row.id);
      const userId = userOf(row.user_email);
      if (!userId) {
        skip('chat_conversations', sid, 'unknown_user');
        continue;
      }
      const id = targetIdOf('chat_conversations', sid);
      const u = begin('chat_conversations', sid, 'chat_conversations', id);
      if (!u) continue;
      const createdAt = ts(row.created_at) ?? importTime;
      const parsed = readJson(row.messages);
      if (parsed.kind === 'malformed' || parsed.kind === 'unrepresentable') {
        problem({ table: 'chat_conversations', source_id: sid, reason: `messages_${parsed.kind}` });
        archiveRow(u, 'chat_conversations', sid, `messages_${parsed.kind}`, { characters: parsed.raw.length });
      }
      const list = parsed.kind === 'value' && Array.isArray(parsed.value) ? parsed.value : [];
      const kept = list
        .filter((m): m is Record<string, unknown> => isPlainObject(m) && (m.role === 'user' || m.role === 'assistant') && typeof m.content === 'string' && m.content.length <= 20000)
        .map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content as string, timestamp: typeof m.timestamp === 'string' && !Number.isNaN(Date.parse(m.timestamp)) ? m.timestamp : createdAt.toISOString() }));
      if (kept.length < list.length) problem({ table: 'chat_conversations', source_id: sid, reason: 'messages_dropped', detail: String(list.length - kept.length) });
      const last = kept.slice(-200);
      if (last.length < kept.length) problem({ table: 'chat_conversations', source_id: sid, reason: 'messages_truncated', detail: `${kept.length} → 200` });
      const owner = row.analysis_id ? analysisOwner.get(String(row.analysis_id)) : undefined;
      u.inserts.push({
        table: chatConversations,
        values: {
          id, userId, analysisId: owner && owner.userId === userId ? owner.id : null, title: cut(str(row.title), 200), messages: last, messageCount: last.length,
          createdAt, updatedAt: ts(row.updated_at) ?? createdAt,
        },
      });
      push(step, u);
    }
  }

  // ─── activity feed, audit logs ─────────────────────────────────────────────
  {
    const step = newStep('activity_feed');
    for (const row of source.activity_feed) {
      const sid = String(row.id);
      const userId = row.user_email ? userOf(row.user_email) : undefined;
      if (!userId) {
        skip('activity_feed', sid, 'unknown_user');
        continue;
      }
      const id = targetIdOf('activity_feed', sid);
      const u = begin('activity_feed', sid, 'activity_feed', id);
      if (!u) continue;
      const meta = readJson(row.meta_data);
      u.inserts.push({
        table: activityFeed,
        values: { id, userId, action: str(row.action_type) ?? 'legacy', data: { title: str(row.title), description: str(row.description), metadata: meta.kind === 'value' ? meta.value : null, legacy: true }, createdAt: ts(row.created_at) ?? importTime },
      });
      push(step, u);
    }
  }
  {
    const step = newStep('audit_logs');
    for (const row of source.audit_logs) {
      const sid = String(row.id);
      const id = targetIdOf('audit_logs', sid);
      const u = begin('audit_logs', sid, 'audit_logs', id);
      if (!u) continue;
      const meta = readJson(row.meta_data);
      u.inserts.push({
        table: auditLogs,
        values: {
          id, actorId: row.performed_by ? (userOf(row.performed_by) ?? null) : null, action: `legacy.${str(row.action_type) ?? 'unknown'}`,
          entityType: str(row.entity_type) ?? 'legacy', entityId: str(row.entity_id),
          changes: { after: { description: str(row.description), user_email: str(row.user_email), meta_data: meta.kind === 'value' ? meta.value : null } },
          createdAt: ts(row.created_at) ?? importTime,
        },
      });
      push(step, u);
    }
  }

  // ─── email templates ───────────────────────────────────────────────────────
  {
    const step = newStep('email_templates');
    const decisions: Record<string, string> = {};
    for (const row of source.email_templates) {
      const sid = String(row.id);
      const sourceKey = str(row.template_key) ?? '';
      const key = sourceKey.toLowerCase().replace(/[^a-z0-9_]/g, '_');
      const product = target.templates.get(TEMPLATE_KEYS[sourceKey] ?? sourceKey);
      if (options.templates === 'prefer-source' && product && row.subject_en && row.subject_ar && row.body_en && row.body_ar) {
        const texts = [row.subject_en, row.subject_ar, row.body_en, row.body_ar].map(String);
        const used = new Set(texts.flatMap((x) => [...x.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]!)));
        const conditional = texts.some((x) => x.includes('{{#'));
        if (!conditional && [...used].every((v) => product.variables.has(v))) {
          const u = begin('email_templates', sid, 'email_templates', product.id);
          if (!u) continue;
          decisions[key] = `replaced the texts of ${TEMPLATE_KEYS[sourceKey] ?? sourceKey}`;
          u.before.push(sql`
            UPDATE email_templates SET subject_en = ${texts[0]}, subject_ar = ${texts[1]}, body_en = ${texts[2]}, body_ar = ${texts[3]}, updated_at = now()
            WHERE id = ${product.id}`);
          push(step, u);
          continue;
        }
        problem({ table: 'email_templates', source_id: sid, reason: conditional ? 'template_conditional' : 'template_undeclared_variable', detail: sourceKey });
      }
      const legacyKey = `legacy_${key}`.slice(0, 64);
      if (!row.subject_en || !row.body_en || !row.subject_ar || !row.body_ar) {
        skip('email_templates', sid, 'missing_text');
        decisions[key] = 'skipped (missing text)';
        continue;
      }
      const id = targetIdOf('email_templates', sid);
      const u = begin('email_templates', sid, 'email_templates', id);
      if (!u) continue;
      decisions[key] = `imported as ${legacyKey} (inactive)`;
      u.inserts.push({
        table: emailTemplates,
        values: {
          id, templateKey: legacyKey, name: `Legacy: ${str(row.name) ?? key}`, subjectEn: String(row.subject_en), subjectAr: String(row.subject_ar),
          bodyEn: String(row.body_en), bodyAr: String(row.body_ar), description: 'Imported from Planlyze (Flask) for reference; not sent.', isActive: false,
          createdAt: ts(row.created_at) ?? importTime,
        },
      });
      push(step, u);
    }
    totals.template_decisions = decisions;
  }

  // ─── system settings ───────────────────────────────────────────────────────
  {
    const step = newStep('system_settings');
    const replaced: Record<string, number> = {};
    for (const row of source.system_settings) {
      const sid = String(row.id);
      const key = str(row.key) ?? '';
      const raw = (str(row.value) ?? '').trim();
      const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
      if (!isSettingKey(key) || !SETTINGS[key].schema.safeParse(value).success) {
        if (isMapped('system_settings', sid)) {
          report('system_settings').already_present++;
          continue;
        }
        skip('system_settings', sid, isSettingKey(key) ? 'invalid_value' : 'unknown_key', { detail: key });
        archiveOnly(step, 'system_settings', sid, isSettingKey(key) ? 'invalid_value' : 'unknown_key', { key, value: raw });
        continue;
      }
      const u = begin('system_settings', sid, 'system_settings', uuidv5(`system_settings:${key}`));
      if (!u) continue;
      replaced[key] = value;
      // The first import of a known key replaces the seeded value (import_map keeps later runs from doing it again).
      u.before.push(sql`
        INSERT INTO system_settings (key, value, updated_at) VALUES (${key}, ${JSON.stringify(value)}::jsonb, now())
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`);
      push(step, u);
    }
    totals.settings_replaced = replaced;
  }

  // ─── tables this build has no place for yet (§12–§14): archived whole ──────
  for (const table of ['currencies', 'ngo_requests', 'project_vouchers', 'partners', 'social_media', 'contact_messages'] as const) {
    const rows = source[table];
    if (!rows.length) continue;
    const step = newStep(table);
    for (const row of rows) {
      const sid = String(row.id);
      if (isMapped(table, sid)) {
        report(table).already_present++;
        continue;
      }
      skip(table, sid, 'no_target_table');
      archiveOnly(step, table, sid, 'no_target_table', row);
    }
    warnings.push(`${table}: ${rows.length} rows archived (this build has no ${table} table yet)`);
  }

  // Not imported by design (§16.3): api_request_logs (bodies, codes, tokens) and seed_versions are never read.
  return { steps, report: { tables, totals, problems, warnings }, refusals };
}

/** A referral code derived from the source id, so a dry run and the apply run pick the same one. */
function stableReferralCode(sourceId: string, taken: Set<string>): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  for (let salt = 0; salt < 50; salt++) {
    const digest = createHash('sha256').update(`referral:${sourceId}:${salt}`).digest();
    let code = '';
    for (let i = 0; i < 8; i++) code += alphabet[digest[i]! & 31];
    if (!taken.has(code)) return code;
  }
  return newReferralCode();
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

