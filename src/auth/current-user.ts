/**
 * Loading the caller: token revocation, deactivation, role and permissions in ONE query
 * (SPEC §10 "Round trips": `GET /auth/me` costs one database round trip in total).
 */
import { and, eq, getTableColumns, gt, isNull, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { jsonStringArray } from '../db/pagination.js';
import { authSessions, roles, users } from '../db/schema.js';
import { isPermission, PERMISSIONS, SUPER_ADMIN_ROLE, type Permission } from './permissions.js';

type UserRow = typeof users.$inferSelect;

export interface AuthUser extends Omit<UserRow, 'profileImage'> {
  /** Loaded only by routes that return the profile (GET/PUT /auth/me); null otherwise. */
  profileImage: string | null;
  role: string;
  permissions: Permission[];
}

const { profileImage: _profileImage, ...userColumnsWithoutImage } = getTableColumns(users);

/** Permissions of a role row; super_admin always has every permission, including ones added later. */
export function effectivePermissions(roleName: string, stored: readonly string[]): Permission[] {
  if (roleName === SUPER_ADMIN_ROLE) return [...PERMISSIONS];
  return stored.filter(isPermission);
}

/** effectivePermissions in SQL, as a compact JSON array (for lists PostgreSQL builds: db/pagination.ts readJsonPage). */
export function effectivePermissionsJson(roleName: AnyColumn | SQL, stored: AnyColumn | SQL): SQL<Permission[]> {
  const known = `{${PERMISSIONS.join(',')}}`;
  return sql`CASE WHEN ${roleName} = ${SUPER_ADMIN_ROLE} THEN ${JSON.stringify(PERMISSIONS)}::json
    ELSE ${jsonStringArray(sql`unnest(${stored}) WITH ORDINALITY AS e(v, o) WHERE e.v = ANY(${known}::text[])`)} END`;
}

export async function loadSessionUser(
  db: Database,
  token: { sub: string; jti: string },
  options: { withProfileImage?: boolean } = {},
): Promise<AuthUser | undefined> {
  const rows = await sessionUserQuery(db, options.withProfileImage ?? false).execute({ jti: token.jti, sub: token.sub });
  const row = rows[0];
  if (!row) return undefined;
  const { roleName, rolePermissions, ...user } = row;
  return { ...user, role: roleName, permissions: effectivePermissions(roleName, rolePermissions) };
}

/**
 * The query runs on every authenticated request, so drizzle builds its SQL once per database handle
 * (a prepared query: only the placeholders are filled per call). Building it per call was ~15 % of
 * the CPU of `GET /auth/me` (bench/profile-route.ts).
 */
function buildSessionUserQuery(db: Database, withProfileImage: boolean) {
  return db
    .select({
      ...userColumnsWithoutImage,
      profileImage: withProfileImage ? users.profileImage : sql<string | null>`NULL::text`,
      roleName: roles.name,
      rolePermissions: roles.permissions,
    })
    .from(authSessions)
    .innerJoin(users, eq(users.id, authSessions.userId))
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(
      and(
        eq(authSessions.jti, sql.placeholder('jti')),
        eq(authSessions.userId, sql.placeholder('sub')),
        isNull(authSessions.revokedAt),
        gt(authSessions.expiresAt, sql`now()`),
        eq(users.isActive, true),
      ),
    )
    .limit(1)
    .prepare(withProfileImage ? 'session_user_with_image' : 'session_user');
}

type SessionUserQuery = ReturnType<typeof buildSessionUserQuery>;
const sessionUserQueries = new WeakMap<Database, { plain?: SessionUserQuery; withImage?: SessionUserQuery }>();

function sessionUserQuery(db: Database, withProfileImage: boolean): SessionUserQuery {
  let queries = sessionUserQueries.get(db);
  if (!queries) sessionUserQueries.set(db, (queries = {}));
  const slot = withProfileImage ? 'withImage' : 'plain';
  return (queries[slot] ??= buildSessionUserQuery(db, withProfileImage));
}
