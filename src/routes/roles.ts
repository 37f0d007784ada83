/**
 * /api/roles — custom roles as sets of permissions (SPEC §2, §10). Built-in roles cannot be changed or
 * deleted (super_admin: 403 for anyone but a super admin, else 409 INVALID_STATE); nobody grants a
 * permission they lack (403); a name is unique case-insensitively (409); a role in use stays (409).
 */
import { and, eq, not, sql, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { effectivePermissions, effectivePermissionsJson } from '../auth/current-user.js';
import { requireAnyPermission, requirePermission } from '../auth/guards.js';
import { SUPER_ADMIN_ROLE, type Permission } from '../auth/permissions.js';
import { isForeignKeyViolation, isUniqueViolation } from '../db/errors.js';
import { roles } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { created, deleted, ok, paginatedJson } from '../http/envelope.js';
import { pageWindow } from '../http/pagination.js';
import { isoText, jsonItem, listItem, orderBy, readJsonPage } from '../db/pagination.js';
import { describe } from '../http/route-meta.js';
import { body, idParam, query } from '../http/validate.js';
import { toIso } from '../schemas/common.js';
import { CreateRoleBody, RoleListQuery, RoleSchema, UpdateRoleBody } from '../schemas/admin.js';
import { audit } from '../services/audit.js';
import { auditRowChange } from '../services/conditional-log.js';
import type { AppEnv } from '../types.js';

const ENTITY = 'role';
// Raw names: drizzle renders a column unqualified in some clauses (RETURNING), which a subquery would misread.
const userCount = sql<number>`(SELECT count(*)::int FROM users u WHERE u.role_id = roles.id)`;
const roleFields = {
  id: roles.id,
  name: roles.name,
  description: roles.description,
  permissions: roles.permissions,
  isBuiltin: roles.isBuiltin,
  createdAt: roles.createdAt,
  updatedAt: roles.updatedAt,
  userCount,
};
type RoleRow = { [K in keyof typeof roleFields]: K extends 'userCount' ? number : unknown } & {
  name: string;
  permissions: string[];
};

function serializeRole(row: RoleRow) {
  return {
    id: row.id as string,
    name: row.name,
    description: (row.description as string | null) ?? null,
    permissions: effectivePermissions(row.name, row.permissions),
    is_builtin: row.isBuiltin as boolean,
    user_count: Number(row.userCount),
    created_at: toIso(row.createdAt as Date)!,
    updated_at: toIso(row.updatedAt as Date)!,
  };
}

/** A role as readJsonPage builds it: serializeRole in SQL. */
const roleItem = listItem(() =>
  jsonItem<ReturnType<typeof serializeRole>>({
    id: roles.id,
    name: roles.name,
    description: roles.description,
    permissions: effectivePermissionsJson(roles.name, roles.permissions),
    is_builtin: roles.isBuiltin,
    user_count: userCount,
    created_at: isoText(roles.createdAt),
    updated_at: isoText(roles.updatedAt),
  }));

const SORTS = { created_at: roles.createdAt, updated_at: roles.updatedAt, name: roles.name };

/** Nobody grants a permission they do not hold (SPEC §2). */
function assertCanGrant(c: Context<AppEnv>, permissions: readonly Permission[]) {
  const lacking = permissions.find((p) => !c.var.user.permissions.includes(p));
  if (lacking) throw new AppError('AUTHORIZATION_ERROR', { message: 'role.cannot_grant', params: { permission: lacking } });
}

/** Why a locked built-in role refused the change. */
function builtinRefusal(c: Context<AppEnv>, name: string): AppError {
  if (name === SUPER_ADMIN_ROLE && c.var.user.role !== SUPER_ADMIN_ROLE) {
    return new AppError('AUTHORIZATION_ERROR', { message: 'role.super_admin_only' });
  }
  return new AppError('INVALID_STATE', { message: 'role.builtin' });
}

const nameTaken = () => new AppError('CONFLICT', { message: 'role.name_taken', details: { field: 'name' } });
const permissionsLiteral = (list: readonly string[]) => `{${list.join(',')}}`;

export const roleRoutes = new Hono<AppEnv>()
  .get(
    '/',
    describe({ operationId: 'listRoles', summary: 'List roles', tags: ['roles'], response: RoleSchema, responseKind: 'paginated', sort: ['name'] }),
    requireAnyPermission('view_users', 'manage_roles'),
    query(RoleListQuery),
    async (c) => {
      const q = c.req.valid('query');
      const { db } = c.var;
      const window = pageWindow(c, q);
      const page = await readJsonPage(db, window, {
        item: roleItem(),
        from: sql`${roles}`,
        where: undefined,
        orderBy: orderBy(SORTS, q.sort, q.order, roles.id),
      });
      return paginatedJson(c, page);
    },
  )
  .get(
    '/:id',
    describe({ operationId: 'getRole', summary: 'One role', tags: ['roles'], response: RoleSchema, errors: ['NOT_FOUND'] }),
    requireAnyPermission('view_users', 'manage_roles'),
    idParam(),
    async (c) => {
      const [row] = await c.var.db.select(roleFields).from(roles).where(eq(roles.id, c.req.valid('param').id)).limit(1);
      if (!row) throw notFound();
      return ok(c, serializeRole(row));
    },
  )
  .post(
    '/',
    describe({
      operationId: 'createRole',
      summary: 'Create a custom role',
      tags: ['roles'],
      status: 201,
      response: RoleSchema,
      errors: ['CONFLICT'],
    }),
    requirePermission('manage_roles'),
    body(CreateRoleBody),
    async (c) => {
      const input = c.req.valid('json');
      assertCanGrant(c, input.permissions);
      const { db } = c.var;
      const id = crypto.randomUUID();
      try {
        const [inserted] = await db.batch([
          db
            .insert(roles)
            .values({
              id,
              name: input.name,
              description: input.description ?? null,
              permissions: sql`${permissionsLiteral(input.permissions)}::text[]`,
            })
            .returning(roleFields),
          audit(db, c, { action: `${ENTITY}.create`, entityType: ENTITY, entityId: id, after: input }),
        ]);
        return created(c, serializeRole(inserted[0]!));
      } catch (error) {
        if (isUniqueViolation(error, 'roles_name_lower_unique')) throw nameTaken();
        throw error;
      }
    },
  )
  .put(
    '/:id',
    describe({
      operationId: 'updateRole',
      summary: 'Update a custom role',
      tags: ['roles'],
      response: RoleSchema,
      errors: ['NOT_FOUND', 'CONFLICT', 'INVALID_STATE'],
    }),
    requirePermission('manage_roles'),
    idParam(),
    body(UpdateRoleBody),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      if (input.permissions) assertCanGrant(c, input.permissions);
      const { db } = c.var;
      const editable: SQL = and(eq(roles.id, id), not(roles.isBuiltin))!;
      try {
        const [locked, , updated] = await db.batch([
          db.select({ name: roles.name, isBuiltin: roles.isBuiltin }).from(roles).where(eq(roles.id, id)).for('update'),
          auditRowChange(db, c, { table: roles, where: editable, action: `${ENTITY}.update`, entityType: ENTITY, entityId: id, after: input }),
          db
            .update(roles)
            .set({
              name: input.name,
              description: input.description,
              permissions: input.permissions ? sql`${permissionsLiteral(input.permissions)}::text[]` : undefined,
              updatedAt: sql`now()`,
            })
            .where(editable)
            .returning(roleFields),
        ]);
        if (updated[0]) return ok(c, serializeRole(updated[0]), 'ok.updated');
        if (!locked[0]) throw notFound();
        throw builtinRefusal(c, locked[0].name);
      } catch (error) {
        if (isUniqueViolation(error, 'roles_name_lower_unique')) throw nameTaken();
        throw error;
      }
    },
  )
  .delete(
    '/:id',
    describe({
      operationId: 'deleteRole',
      summary: 'Delete a custom role',
      tags: ['roles'],
      response: RoleSchema.pick({ id: true }),
      errors: ['NOT_FOUND', 'CONFLICT', 'INVALID_STATE'],
    }),
    requirePermission('manage_roles'),
    idParam(),
    async (c) => {
      const { id } = c.req.valid('param');
      const { db } = c.var;
      // Locked first: a user being assigned this role at the same moment needs a key-share lock on it.
      const removable: SQL = and(eq(roles.id, id), not(roles.isBuiltin), sql`${userCount} = 0`)!;
      try {
        const [locked, , removed] = await db.batch([
          db.select({ name: roles.name, isBuiltin: roles.isBuiltin, userCount }).from(roles).where(eq(roles.id, id)).for('update'),
          auditRowChange(db, c, {
            table: roles,
            where: removable,
            action: `${ENTITY}.delete`,
            entityType: ENTITY,
            entityId: id,
            fields: ['name', 'description', 'permissions'],
          }),
          db.delete(roles).where(removable).returning({ id: roles.id }),
        ]);
        if (removed[0]) return deleted(c, id);
        const role = locked[0];
        if (!role) throw notFound();
        if (role.isBuiltin) throw builtinRefusal(c, role.name);
        throw new AppError('CONFLICT', { message: 'role.in_use', details: { user_count: Number(role.userCount) } });
      } catch (error) {
        if (isForeignKeyViolation(error)) throw new AppError('CONFLICT', { message: 'role.in_use' });
        throw error;
      }
    },
  );
