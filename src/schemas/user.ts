/** The user object as the API returns it (SPEC §2): never the password hash or other secrets. */
import * as z from 'zod';
import type { AuthUser } from '../auth/current-user.js';
import { NOTIFICATION_TYPES } from '../db/schema.js';
import { httpsUrlOrImageDataUrl, isoDate, language, text, toIso } from './common.js';
import { named } from './registry.js';

export const NotificationPreferences = named(
  'NotificationPreferences',
  z
    .partialRecord(z.enum([...NOTIFICATION_TYPES, 'email']), z.boolean())
    .describe('Per notification type: false turns it off; a missing key means on. `email: false` turns off every optional email.'),
);

export const UserSchema = named(
  'User',
  z.object({
    id: z.uuid(),
    email: z.email(),
    full_name: z.string().nullable(),
    display_name: z.string().nullable(),
    language,
    profile_image: z.string().nullable(),
    phone_number: z.string().nullable(),
    country: z.string().nullable(),
    city: z.string().nullable(),
    notification_preferences: NotificationPreferences,
    onboarding_completed: z.boolean(),
    onboarding_step: z.number().int(),
    role: z.string(),
    permissions: z.array(z.string()),
    credits: z.number().int(),
    referral_code: z.string(),
    is_active: z.boolean(),
    email_verified: z.boolean(),
    email_verified_at: isoDate.nullable(),
    last_login_at: isoDate.nullable(),
    created_at: isoDate,
    updated_at: isoDate,
  }),
);
export type UserDto = z.infer<typeof UserSchema>;

export function serializeUser(user: AuthUser): UserDto {
  return {
    id: user.id,
    email: user.email,
    full_name: user.fullName,
    display_name: user.displayName,
    language: user.language as UserDto['language'],
    profile_image: user.profileImage,
    phone_number: user.phoneNumber,
    country: user.country,
    city: user.city,
    notification_preferences: user.notificationPreferences,
    onboarding_completed: user.onboardingCompleted,
    onboarding_step: user.onboardingStep,
    role: user.role,
    permissions: user.permissions,
    credits: user.credits,
    referral_code: user.referralCode,
    is_active: user.isActive,
    email_verified: user.emailVerifiedAt !== null && user.emailVerifiedAt !== undefined,
    email_verified_at: toIso(user.emailVerifiedAt ?? null),
    last_login_at: toIso(user.lastLoginAt),
    created_at: toIso(user.createdAt)!,
    updated_at: toIso(user.updatedAt)!,
  };
}

/** Profile fields a user may change about themselves (PUT /auth/me) — and admins via PUT /users/:id. */
export const ProfileFields = {
  full_name: text(120).nullable(),
  display_name: text(60).nullable(),
  language,
  profile_image: httpsUrlOrImageDataUrl(512 * 1024).nullable(),
  phone_number: z
    .string()
    .trim()
    .max(32)
    .regex(/^[0-9 +()-]+$/, 'only digits, spaces and + - ( ) are allowed')
    .nullable(),
  country: text(80).nullable(),
  city: text(80).nullable(),
  notification_preferences: z.strictObject(
    Object.fromEntries([...NOTIFICATION_TYPES, 'email'].map((t) => [t, z.boolean().optional()])) as Record<
      (typeof NOTIFICATION_TYPES)[number] | 'email',
      z.ZodOptional<z.ZodBoolean>
    >,
  ),
  onboarding_completed: z.boolean(),
  onboarding_step: z.number().int().min(0).max(20),
};

type ProfileInput = { [K in keyof typeof ProfileFields]?: z.infer<(typeof ProfileFields)[K]> };

/** Profile fields of a request body → drizzle columns (undefined = unchanged). Shared by /auth/me and /users/:id. */
export function profileColumns(input: ProfileInput) {
  return {
    fullName: input.full_name,
    displayName: input.display_name,
    language: input.language,
    profileImage: input.profile_image,
    phoneNumber: input.phone_number,
    country: input.country,
    city: input.city,
    notificationPreferences: input.notification_preferences as Record<string, boolean> | undefined,
    onboardingCompleted: input.onboarding_completed,
    onboardingStep: input.onboarding_step,
  };
}
