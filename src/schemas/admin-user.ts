/** Users as administrators see and change them (SPEC §7 "Users (admin)"). */
import * as z from 'zod';
import type { AuthUser } from '../auth/current-user.js';
import { listQuery } from '../http/pagination.js';
import { queryBoolean } from './query-boolean.js';
import { ProfileFields, serializeUser, UserSchema, type UserDto } from './user.js';
import { named } from './registry.js';

export const AdminUserSchema = named('AdminUser', UserSchema.extend({ referred_by: z.uuid().nullable() }));
/** List items leave out the profile image (a data URL can be half a megabyte); GET /users/:id has it. */
export const AdminUserListItem = named('AdminUserSummary', AdminUserSchema.omit({ profile_image: true }));

export function serializeAdminUser(user: AuthUser): UserDto & { referred_by: string | null } {
  return { ...serializeUser(user), referred_by: user.referredBy };
}

export function serializeAdminUserListItem(user: AuthUser) {
  const { profile_image: _image, ...rest } = serializeAdminUser(user);
  return rest;
}

export const UserListQuery = listQuery(['email', 'credits', 'last_login_at']).extend({
  q: z.string().trim().min(1).max(100).optional().describe('Case-insensitive search in email, full name and display name'),
  role: z.string().trim().min(1).max(50).optional().describe('Role name'),
  is_active: queryBoolean.optional(),
});

const profileUpdates = Object.fromEntries(Object.entries(ProfileFields).map(([k, v]) => [k, v.optional()])) as {
  [K in keyof typeof ProfileFields]: z.ZodOptional<(typeof ProfileFields)[K]>;
};

/** `credits` is deliberately absent: balances change only through the ledger (adjust-credits). */
export const UpdateUserBody = z
  .strictObject({
    role: z.string().trim().min(2).max(50).optional().describe('Role name, e.g. "admin"'),
    is_active: z.boolean().optional().describe('false revokes every session of the user at once'),
    ...profileUpdates,
  })
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required');
export type UpdateUserInput = z.infer<typeof UpdateUserBody>;
