/**
 * The permission vocabulary (SPEC §2) and the built-in roles (SPEC §10 "Identity").
 * Admin routes check permissions, never role names.
 */
export const PERMISSIONS = [
  'view_users',
  'manage_users',
  'view_credits',
  'manage_credits',
  'view_payments',
  'manage_payments',
  'view_analyses',
  'manage_analyses',
  'view_settings',
  'manage_settings',
  'manage_roles',
  'view_audit_logs',
  'view_notifications',
  'manage_notifications',
  'view_email_templates',
  'manage_email_templates',
  'view_discounts',
  'manage_discounts',
  // SPEC-WAVE2 §0 (§13 NGO programme)
  'view_ngo_requests',
  'manage_ngo_requests',
  'view_email_outbox',
  'manage_email_outbox',
  'invoke_llm',
  // SPEC-WAVE2 §14, §15
  'manage_site_content',
  'view_contact_messages',
  'manage_contact_messages',
  'view_request_logs',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

const permissionSet: ReadonlySet<string> = new Set(PERMISSIONS);

export function isPermission(name: string): name is Permission {
  return permissionSet.has(name);
}

export const BUILTIN_ROLES = {
  super_admin: [...PERMISSIONS],
  admin: PERMISSIONS.filter((p) => p !== 'manage_roles' && p !== 'invoke_llm'),
  user: [] as Permission[],
} satisfies Record<string, Permission[]>;

export type BuiltinRoleName = keyof typeof BUILTIN_ROLES;

export const SUPER_ADMIN_ROLE: BuiltinRoleName = 'super_admin';
export const DEFAULT_USER_ROLE: BuiltinRoleName = 'user';
