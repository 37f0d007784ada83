/**
 * Idempotent bootstrap (SPEC §2 "Bootstrap"): built-in roles (their permissions re-synced from code),
 * default settings, two credit packages and one payment method when none exist, and the
 * ADMIN_EMAIL user as super_admin. Safe to run on every start and on every deploy.
 *
 * The admin outcome is logged (one line, never the password) and returned:
 * - `created`: no user had ADMIN_EMAIL; one was created with ADMIN_PASSWORD;
 * - `exists`: the user exists (kept an active super admin). When ADMIN_PASSWORD no longer matches the
 *   stored password, that is said (warn) and the stored password is KEPT: an admin who changed it
 *   through the API is not silently reverted by an old deploy setting. ADMIN_PASSWORD_RESET=true sets
 *   ADMIN_PASSWORD and revokes every session of that admin (outcome `password_reset`), in one batch;
 * - `missing`: ADMIN_EMAIL is not set, so no admin is bootstrapped.
 */
import { count, eq, sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import { scryptParamsFor } from '../auth/credentials.js';
import { hashPassword, verifyPassword } from '../auth/password.js';
import { revokeUserSessions } from '../auth/sessions.js';
import { log } from '../http/logger.js';
import { BUILTIN_ROLES, SUPER_ADMIN_ROLE } from '../auth/permissions.js';
import { newReferralCode } from '../services/referral-codes.js';
import { SETTING_KEYS, SETTINGS } from '../services/settings.js';
import type { Database } from './client.js';
import { authSessions, creditPackages, paymentMethods, roles, systemSettings, users } from './schema.js';
import { SEED_EMAIL_TEMPLATES } from './seed-email-templates.js';

/** A Postgres array literal for a list of plain identifiers (drizzle would expand a JS array into a row). */
const textArrayLiteral = (values: readonly string[]) => `{${values.join(',')}}`;

const ROLE_DESCRIPTIONS: Record<keyof typeof BUILTIN_ROLES, string> = {
  super_admin: 'Every permission; only a super admin can assign or change this role.',
  admin: 'Administers users, payments, content and settings; cannot manage roles or call the raw LLM.',
  user: 'A regular customer.',
};

export type AdminOutcome =
  | { status: 'created'; email: string }
  | { status: 'exists'; email: string; passwordMatches: boolean }
  | { status: 'password_reset'; email: string; sessionsRevoked: number }
  | { status: 'missing' };

export interface SeedOutcome {
  admin: AdminOutcome;
}

type SeedConfig = Pick<Config, 'admin' | 'appEnv'> & Partial<Pick<Config, 'logLevel'>>;

export async function seedDatabase(db: Database, config: SeedConfig): Promise<SeedOutcome> {
  const roleStatements = Object.entries(BUILTIN_ROLES).map(([name, permissions]) =>
    db.execute(sql`
      INSERT INTO roles (name, description, permissions, is_builtin)
      VALUES (${name}, ${ROLE_DESCRIPTIONS[name as keyof typeof BUILTIN_ROLES]}, ${textArrayLiteral(permissions)}::text[], true)
      ON CONFLICT (lower(name)) DO UPDATE SET permissions = excluded.permissions, is_builtin = true`),
  );
  const [packageCount, methodCount] = await db.batch([
    db.select({ n: count() }).from(creditPackages),
    db.select({ n: count() }).from(paymentMethods),
    ...roleStatements,
    db
      .insert(systemSettings)
      .values(SETTING_KEYS.map((key) => ({ key, value: SETTINGS[key].default })))
      .onConflictDoNothing(),
    ...SEED_EMAIL_TEMPLATES.map((t) => db.execute(sql`
      INSERT INTO email_templates (template_key, name, subject_en, subject_ar, body_en, body_ar, description)
      VALUES (${t.template_key}, ${t.name}, ${t.subject_en}, ${t.subject_ar}, ${t.body_en}, ${t.body_ar}, ${t.description})
      ON CONFLICT (template_key) DO NOTHING`)),
  ]);

  const catalog = [];
  if ((packageCount[0]?.n ?? 0) === 0) {
    catalog.push(
      db.insert(creditPackages).values([
        {
          name: 'Starter',
          nameAr: 'المبتدئ',
          credits: 5,
          priceUsd: '9.99',
          description: 'Five premium reports.',
          descriptionAr: 'خمسة تقارير مميزة.',
          features: ['5 premium reports', 'AI assistant chat'],
          featuresAr: ['5 تقارير مميزة', 'محادثة مع المساعد الذكي'],
          sortOrder: 1,
        },
        {
          name: 'Founder',
          nameAr: 'المؤسس',
          credits: 15,
          priceUsd: '24.99',
          description: 'Fifteen premium reports at a better price.',
          descriptionAr: 'خمسة عشر تقريراً مميزاً بسعر أفضل.',
          features: ['15 premium reports', 'AI assistant chat', 'Best value'],
          featuresAr: ['15 تقريراً مميزاً', 'محادثة مع المساعد الذكي', 'أفضل قيمة'],
          isPopular: true,
          sortOrder: 2,
        },
      ]),
    );
  }
  if ((methodCount[0]?.n ?? 0) === 0) {
    catalog.push(
      db.insert(paymentMethods).values({
        name: 'Bank transfer',
        nameAr: 'حوالة مصرفية',
        type: 'bank_transfer',
        details: { bank_name: 'Example Bank', account_name: 'Planlyze', account_number: '0000000000' },
        instructions: 'Transfer the amount and upload a photo of the receipt as proof.',
        instructionsAr: 'حوّل المبلغ وارفع صورة الإيصال كإثبات.',
        sortOrder: 1,
      }),
    );
  }
  if (catalog.length > 0) await db.batch(catalog as [ (typeof catalog)[number], ...(typeof catalog)[number][] ]);

  const admin: AdminOutcome = config.admin
    ? await ensureSuperAdmin(db, config as Pick<Config, 'appEnv'> & { admin: NonNullable<Config['admin']> })
    : { status: 'missing' };
  logAdminOutcome(admin, config.logLevel);
  return { admin };
}

async function ensureSuperAdmin(
  db: Database,
  config: Pick<Config, 'appEnv'> & { admin: NonNullable<Config['admin']> },
): Promise<AdminOutcome> {
  const { email, password, resetPassword = false } = config.admin;
  const params = scryptParamsFor(config);
  const superAdminRole = sql`(SELECT id FROM roles WHERE name = ${SUPER_ADMIN_ROLE})`;
  const existing = await db
    .select({ id: users.id, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.email, email))
    .limit(1);
  const found = existing[0];
  if (found) {
    // The account exists: make sure it is an active super admin.
    const keepSuperAdmin = db
      .update(users)
      .set({ roleId: superAdminRole, isActive: true, emailVerifiedAt: sql`COALESCE(${users.emailVerifiedAt}, now())`, updatedAt: sql`now()` })
      .where(eq(users.id, found.id));
    const { ok: passwordMatches } = await verifyPassword(password, found.passwordHash, params);
    if (passwordMatches || !resetPassword) {
      await keepSuperAdmin;
      return { status: 'exists', email, passwordMatches };
    }
    // ADMIN_PASSWORD_RESET=true and a different password: set it and end every session, atomically.
    const passwordHash = await hashPassword(password, params);
    const [, , revoked] = await db.batch([
      keepSuperAdmin,
      db.update(users).set({ passwordHash, updatedAt: sql`now()` }).where(eq(users.id, found.id)),
      revokeUserSessions(db, found.id, 'admin_password_reset').returning({ jti: authSessions.jti }),
    ]);
    return { status: 'password_reset', email, sessionsRevoked: revoked.length };
  }
  const passwordHash = await hashPassword(password, params);
  await db
    .insert(users)
    .values({ email, passwordHash, fullName: 'Administrator', roleId: superAdminRole, referralCode: newReferralCode(), emailVerifiedAt: sql`now()` })
    .onConflictDoNothing();
  return { status: 'created', email };
}

/** One line about the bootstrap admin; the password never appears, only whether it matches. */
function logAdminOutcome(outcome: AdminOutcome, level: Config['logLevel'] = 'info'): void {
  switch (outcome.status) {
    case 'created':
      log('info', 'admin created', { email: outcome.email }, level);
      break;
    case 'exists':
      if (outcome.passwordMatches) log('info', 'admin exists', { email: outcome.email }, level);
      else
        log(
          'warn',
          'admin exists',
          {
            email: outcome.email,
            note: 'ADMIN_PASSWORD differs from the stored password, which is kept; set ADMIN_PASSWORD_RESET=true once to replace it',
          },
          level,
        );
      break;
    case 'password_reset':
      log('warn', 'admin password reset', { email: outcome.email, sessions_revoked: outcome.sessionsRevoked }, level);
      break;
    case 'missing':
      log('info', 'admin missing', { hint: 'set ADMIN_EMAIL and ADMIN_PASSWORD to bootstrap a super admin' }, level);
      break;
  }
}
