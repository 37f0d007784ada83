/** Import mapping: roles and users (§16.3): built-in roles mapped, others normalised; users with their password, profile and opening balance. */
import { sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { BUILTIN_ROLES, DEFAULT_USER_ROLE, isPermission, SUPER_ADMIN_ROLE } from '../auth/permissions.js';
import { NOTIFICATION_TYPES, roles, users, type NotificationType } from '../db/schema.js';
import { httpsUrlOrImageDataUrl } from '../schemas/common.js';
import { ProfileFields } from '../schemas/user.js';
import { newReferralCode } from '../services/referral-codes.js';
import { isPlainObject, readJson } from './json.js';
import { targetIdOf } from './plan.js';
import type { SourceRow } from './upstream.js';
import { bool, charLength, cut, EMAIL, int, lowerEmail, str, ts, type Ctx } from './context.js';

const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;
export const UNSET_PASSWORD = '!unset';
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

export function mapAccounts(c: Ctx): void {
  const { source, target, options, importTime, totals, refusals, report, problem, begin, push, newStep, roleIds, inactiveRoles, userIds, userCreated } = c;
  // ─── roles ─────────────────────────────────────────────────────────────────
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
        if (u) push(step, u, 'mapped_existing'); // mapped onto the built-in; its permissions are not changed
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
        if (u) push(step, u, 'mapped_existing');
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
            push(step, u, 'mapped_existing');
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

