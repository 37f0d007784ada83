/** Roles and audit logs as administrators see them (SPEC §2, §7, §10 "Roles and settings"). */
import * as z from 'zod';
import { PERMISSIONS } from '../auth/permissions.js';
import { listQuery } from '../http/pagination.js';
import { isoDate, text } from './common.js';
import { named } from './registry.js';

const roleName = z.string().trim().regex(/^[A-Za-z0-9_-]{2,50}$/, 'letters, digits, _ and - (2–50)');
const permissionList = z
  .array(z.enum(PERMISSIONS, { error: 'unknown permission name' }))
  .max(PERMISSIONS.length * 2)
  .transform((list) => [...new Set(list)]);

export const CreateRoleBody = z.strictObject({
  name: roleName,
  description: text(500).nullable().optional(),
  permissions: permissionList,
});

export const UpdateRoleBody = z
  .strictObject({ name: roleName, description: text(500).nullable(), permissions: permissionList })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required');

export const RoleSchema = named(
  'Role',
  z.object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    permissions: z.array(z.enum(PERMISSIONS)),
    is_builtin: z.boolean(),
    user_count: z.number().int(),
    created_at: isoDate,
    updated_at: isoDate,
  }),
);

export const RoleListQuery = listQuery(['name']);

export const AuditLogSchema = named(
  'AuditLogEntry',
  z.object({
    id: z.uuid(),
    actor_id: z.uuid().nullable(),
    actor_email: z.string().nullable(),
    action: z.string(),
    entity_type: z.string(),
    entity_id: z.string().nullable(),
    changes: z
      .object({ before: z.record(z.string(), z.unknown()).optional(), after: z.record(z.string(), z.unknown()).optional() })
      .nullable(),
    request_id: z.string().nullable(),
    ip_address: z.string().nullable(),
    created_at: isoDate,
  }),
);

export const AuditLogListQuery = listQuery()
  .extend({
    actor_id: z.uuid().optional(),
    action: z.string().trim().min(1).max(100).optional().describe('Exact action, e.g. payment.approve'),
    entity_type: z.string().trim().min(1).max(50).optional(),
    entity_id: z.string().trim().min(1).max(100).optional(),
    from: z.iso.datetime().optional().describe('Inclusive lower bound of created_at'),
    to: z.iso.datetime().optional().describe('Exclusive upper bound of created_at'),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.to) > Date.parse(q.from), { message: 'must be after from', path: ['to'] });
