/**
 * Administrators reading and changing users (SPEC §7, §10 "Identity"). Rules of PUT /users/:id:
 *   - balances are never set here (the body schema has no `credits`);
 *   - a role is assigned by name; nobody grants a permission they lack (→ 403), and only a super
 *     admin assigns, edits or removes super_admin (→ 403);
 *   - nobody changes the role or active state of a user holding a permission they lack (→ 403);
 *   - deactivation revokes every session in the same batch, so it is effective on the next request.
 */
import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import { effectivePermissions, effectivePermissionsJson, type AuthUser } from '../auth/current-user.js';
import { SUPER_ADMIN_ROLE } from '../auth/permissions.js';
import type { Database } from '../db/client.js';
import { isoText, jsonbFlatObject, jsonItem, listItem } from '../db/pagination.js';
import { authSessions, roles, users } from '../db/schema.js';
import { AppError, fieldError, notFound } from '../errors.js';
import type { serializeAdminUserListItem, UpdateUserInput } from '../schemas/admin-user.js';
import { profileColumns } from '../schemas/user.js';
import type { AppEnv } from '../types.js';
import { changedFields } from './audit.js';
import { auditIf } from './conditional-log.js';

const { profileImage: _image, ...columnsWithoutImage } = getTableColumns(users);

function adminUserColumns(options: { withProfileImage: boolean }) {
  return {
    ...columnsWithoutImage,
    profileImage: options.withProfileImage ? users.profileImage : sql<string | null>`NULL::text`,
    roleName: roles.name,
    rolePermissions: roles.permissions,
  };
}
type AdminUserColumns = ReturnType<typeof adminUserColumns>;

/**
 * Users with their role, as AuthUser; the profile image only when asked for (detail views).
 * `extend` adds columns to the same selection, e.g. a list's total: `selectAdminUsers(db, options, withTotal)`.
 */
export function selectAdminUsers<C extends AdminUserColumns = AdminUserColumns>(
  db: Database,
  options: { withProfileImage: boolean },
  extend: (columns: AdminUserColumns) => C = (columns) => columns as C,
) {
  return db
    .select(extend(adminUserColumns(options)))
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId));
}

/** A user of the admin list (no profile image) as readJsonPage builds it: serializeAdminUserListItem in SQL. */
export const adminUserListItem = listItem(() =>
  jsonItem<ReturnType<typeof serializeAdminUserListItem>>({
    id: users.id,
    email: users.email,
    full_name: users.fullName,
    display_name: users.displayName,
    language: users.language,
    phone_number: users.phoneNumber,
    country: users.country,
    city: users.city,
    notification_preferences: jsonbFlatObject(users.notificationPreferences), // booleans under named keys (ProfileFields)
    onboarding_completed: users.onboardingCompleted,
    onboarding_step: users.onboardingStep,
    role: roles.name,
    permissions: effectivePermissionsJson(roles.name, roles.permissions),
    credits: users.credits,
    referral_code: users.referralCode,
    is_active: users.isActive,
    email_verified: sql`${users.emailVerifiedAt} IS NOT NULL`,
    email_verified_at: isoText(users.emailVerifiedAt),
    last_login_at: isoText(users.lastLoginAt),
    created_at: isoText(users.createdAt),
    updated_at: isoText(users.updatedAt),
    referred_by: users.referredBy,
  }));

/** The admin user list's FROM: users with their role. */
export const adminUsersFrom = sql`${users} INNER JOIN ${roles} ON ${roles.id} = ${users.roleId}`;

type AdminUserRow = Awaited<ReturnType<ReturnType<typeof selectAdminUsers<AdminUserColumns>>['execute']>>[number];

export function toAuthUser(row: AdminUserRow): AuthUser {
  const { roleName, rolePermissions, ...user } = row;
  return { ...user, role: roleName, permissions: effectivePermissions(roleName, rolePermissions) };
}

/**
 * Three round trips (auth, one read batch, one write batch): the permission rules and the audit entry
 * need the target's current role and the new role's permissions. The write is guarded by what was
 * read (role and active flag unchanged, under a row lock), so a concurrent change makes it a 409
 * instead of acting on stale facts.
 */
export async function updateUser(c: Context<AppEnv>, id: string, input: UpdateUserInput): Promise<AuthUser> {
  const { db, user: actor } = c.var;
  const actorIsSuper = actor.role === SUPER_ADMIN_ROLE;
  const [targetRows, newRoleRows] = await db.batch([
    selectAdminUsers(db, { withProfileImage: true }).where(eq(users.id, id)).limit(1),
    db
      .select()
      .from(roles)
      .where(sql`lower(${roles.name}) = lower(${input.role ?? ''})`)
      .limit(1),
  ]);
  const target = targetRows[0];
  if (!target) throw notFound('credits.unknown_user');
  if (target.roleName === SUPER_ADMIN_ROLE && !actorIsSuper) {
    throw new AppError('AUTHORIZATION_ERROR', { message: 'role.super_admin_only' });
  }
  // Nobody demotes or deactivates someone who holds a permission they lack (a custom role with
  // manage_users must not be able to disarm an admin): changing role or active state needs all of
  // the target's permissions.
  if (input.role !== undefined || input.is_active !== undefined) {
    const outranks = effectivePermissions(target.roleName, target.rolePermissions).find((p) => !actor.permissions.includes(p));
    if (outranks) throw new AppError('AUTHORIZATION_ERROR', { message: 'role.target_outranks', params: { permission: outranks } });
  }
  const newRole = input.role === undefined ? undefined : newRoleRows[0];
  if (input.role !== undefined && !newRole) throw fieldError('role', 'unknown_role', 'role.unknown');
  if (newRole) {
    if (newRole.name === SUPER_ADMIN_ROLE && !actorIsSuper) {
      throw new AppError('AUTHORIZATION_ERROR', { message: 'role.super_admin_only' });
    }
    const lacking = effectivePermissions(newRole.name, newRole.permissions).find((p) => !actor.permissions.includes(p));
    if (lacking) throw new AppError('AUTHORIZATION_ERROR', { message: 'role.cannot_grant', params: { permission: lacking } });
  }

  const values = { ...profileColumns(input), roleId: newRole?.id, isActive: input.is_active };
  const before = { role: target.roleName, is_active: target.isActive, ...pick(target, input) };
  const after = {
    role: newRole?.name ?? target.roleName,
    is_active: input.is_active ?? target.isActive,
    ...Object.fromEntries(Object.entries(input).filter(([k]) => k !== 'role' && k !== 'is_active')),
  };
  const change = changedFields(before, after);
  // The facts the decision was made on, re-checked under the row lock by every statement below.
  const unchanged: SQL = and(eq(users.id, id), eq(users.roleId, target.roleId), eq(users.isActive, target.isActive))!;
  const stillUnchanged = sql`EXISTS (SELECT 1 FROM ${users} WHERE ${unchanged})`;
  const deactivating = input.is_active === false;

  const [, , updated] = await db.batch([
    db.select({ id: users.id }).from(users).where(eq(users.id, id)).for('update'),
    auditIf(db, c, { action: 'user.update', entityType: 'user', entityId: id, ...redactImages(change) }, stillUnchanged),
    db
      .update(users)
      .set({ ...values, updatedAt: sql`now()` })
      .where(unchanged)
      .returning({ id: users.id }),
    // Revoked in the same transaction as the flag: the next request with any old token is a 401.
    ...(deactivating
      ? [
          db
            .update(authSessions)
            .set({ revokedAt: sql`now()`, revokedReason: 'deactivated' })
            .where(
              and(
                eq(authSessions.userId, id),
                sql`${authSessions.revokedAt} IS NULL`,
                sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${id} AND NOT ${users.isActive})`,
              ),
            ),
        ]
      : []),
  ]);
  if (updated.length === 0) throw new AppError('INVALID_STATE', { message: 'state.changed_concurrently' });

  const role = newRole ?? { name: target.roleName, permissions: target.rolePermissions };
  return toAuthUser({
    ...target,
    ...Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)),
    roleName: role.name,
    rolePermissions: role.permissions,
    updatedAt: new Date(),
  } as AdminUserRow);
}

/** The target's current values of the profile fields present in the body, under their API names. */
function pick(target: AdminUserRow, input: UpdateUserInput): Record<string, unknown> {
  const current: Record<string, unknown> = {
    full_name: target.fullName,
    display_name: target.displayName,
    language: target.language,
    profile_image: target.profileImage,
    phone_number: target.phoneNumber,
    country: target.country,
    city: target.city,
    notification_preferences: target.notificationPreferences,
    onboarding_completed: target.onboardingCompleted,
    onboarding_step: target.onboardingStep,
  };
  return Object.fromEntries(Object.keys(input).filter((k) => k in current).map((k) => [k, current[k]]));
}

/** Audit entries keep a short description of an image, not a half-megabyte data URL. */
function redactImages(change: { before: Record<string, unknown>; after: Record<string, unknown> }) {
  const describe = (v: unknown) =>
    typeof v === 'string' && v.startsWith('data:') ? `${v.slice(0, v.indexOf(',') + 1)}… (${v.length} characters)` : v;
  const redact = (side: Record<string, unknown>) =>
    'profile_image' in side ? { ...side, profile_image: describe(side.profile_image) } : side;
  return { before: redact(change.before), after: redact(change.after) };
}
