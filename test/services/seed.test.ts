/** SPEC §2 bootstrap: idempotent seeding of roles, settings, catalog and the super admin. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { BUILTIN_ROLES } from '../../src/auth/permissions.js';
import { seedDatabase } from '../../src/db/seed.js';
import { ADMIN, createTestApp, type TestApp } from '../support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(); // seeds once
});
afterAll(async () => {
  await t.close();
});

const counts = async () =>
  (
    await t.db.execute<Record<string, string>>(sql`SELECT
      (SELECT count(*) FROM roles)::text AS roles,
      (SELECT count(*) FROM system_settings)::text AS settings,
      (SELECT count(*) FROM credit_packages)::text AS packages,
      (SELECT count(*) FROM payment_methods)::text AS methods,
      (SELECT count(*) FROM email_templates)::text AS templates,
      (SELECT count(*) FROM users WHERE email = ${ADMIN.email})::text AS admins`)
  ).rows[0];

describe('seed', () => {
  it('creates the built-in roles, settings, two packages, one method, templates and the admin', async () => {
    expect(await counts()).toEqual({ roles: '3', settings: '6', packages: '2', methods: '1', templates: '19', admins: '1' });
    const roles = await t.db.execute<{ name: string; permissions: string[]; is_builtin: boolean }>(sql`SELECT name, permissions, is_builtin FROM roles ORDER BY name`);
    for (const role of roles.rows) {
      expect(role.is_builtin).toBe(true);
      expect([...role.permissions].sort()).toEqual([...BUILTIN_ROLES[role.name as keyof typeof BUILTIN_ROLES]].sort());
    }
  });

  it('is idempotent and repairs drift: running it again adds nothing and restores built-in permissions', async () => {
    await t.db.execute(sql`UPDATE roles SET permissions = '{}' WHERE name = 'admin'`);
    await t.db.execute(sql`UPDATE users SET is_active = false, role_id = (SELECT id FROM roles WHERE name = 'user') WHERE email = ${ADMIN.email}`);
    await seedDatabase(t.db, t.config);
    await seedDatabase(t.db, t.config);
    expect(await counts()).toEqual({ roles: '3', settings: '6', packages: '2', methods: '1', templates: '19', admins: '1' });
    const admin = await t.db.execute<{ name: string; is_active: boolean }>(sql`SELECT r.name, u.is_active FROM users u JOIN roles r ON r.id = u.role_id WHERE u.email = ${ADMIN.email}`);
    expect(admin.rows[0]).toEqual({ name: 'super_admin', is_active: true });
    const adminRole = await t.db.execute<{ permissions: string[] }>(sql`SELECT permissions FROM roles WHERE name = 'admin'`);
    expect(adminRole.rows[0]!.permissions.length).toBe(BUILTIN_ROLES.admin.length);
  });

  it('does not overwrite settings an admin changed', async () => {
    await t.db.execute(sql`UPDATE system_settings SET value = '7'::jsonb WHERE key = 'signup_bonus_credits'`);
    await seedDatabase(t.db, t.config);
    const row = await t.db.execute<{ value: number }>(sql`SELECT value FROM system_settings WHERE key = 'signup_bonus_credits'`);
    expect(row.rows[0]!.value).toBe(7);
  });
});
