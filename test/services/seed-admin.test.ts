/**
 * Issue 10 §3: the admin bootstrap says what it did (created / exists / missing, never the password),
 * keeps a stored password that ADMIN_PASSWORD no longer matches (and says so), and replaces it only
 * with ADMIN_PASSWORD_RESET=true, which also revokes the admin's sessions.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config.js';
import { seedDatabase } from '../../src/db/seed.js';
import { setLogSink } from '../../src/http/logger.js';
import { ADMIN, createTestApp, loginAdmin, type TestApp } from '../support/harness.js';

let t: TestApp;
let lines: { level: string; entry: Record<string, unknown> }[] = [];

beforeAll(async () => {
  t = await createTestApp();
  setLogSink((line, level) => lines.push({ level, entry: JSON.parse(line) as Record<string, unknown> }));
});
afterEach(() => {
  lines = [];
});
afterAll(async () => {
  setLogSink(null);
  await t.close();
});

const withAdmin = (admin: Config['admin']): Config => ({ ...t.config, logLevel: 'info', admin });
const login = (email: string, password: string) => t.request('POST', '/api/auth/login', { body: { email, password } });
const adminLines = () => lines.filter((l) => String(l.entry.msg).startsWith('admin '));

describe('admin bootstrap outcome', () => {
  it('logs "admin created" for a new ADMIN_EMAIL, without the password', async () => {
    const admin = { email: 'bootstrap.new@example.com', password: 'Bootstrap-new-pass-1' };
    const outcome = await seedDatabase(t.db, withAdmin(admin));
    expect(outcome.admin).toEqual({ status: 'created', email: admin.email });
    expect(adminLines().map((l) => [l.level, l.entry.msg, l.entry.email])).toEqual([['info', 'admin created', admin.email]]);
    expect(JSON.stringify(lines)).not.toContain(admin.password);
    expect((await login(admin.email, admin.password)).status).toBe(200);
  });

  it('logs "admin exists" when it exists with the same password', async () => {
    const outcome = await seedDatabase(t.db, withAdmin({ email: ADMIN.email, password: ADMIN.password }));
    expect(outcome.admin).toEqual({ status: 'exists', email: ADMIN.email, passwordMatches: true });
    expect(adminLines().map((l) => [l.level, l.entry.msg])).toEqual([['info', 'admin exists']]);
    expect(JSON.stringify(lines)).not.toContain(ADMIN.password);
  });

  it('logs "admin missing" when ADMIN_EMAIL is not set', async () => {
    const outcome = await seedDatabase(t.db, withAdmin(undefined));
    expect(outcome.admin).toEqual({ status: 'missing' });
    expect(adminLines().map((l) => [l.level, l.entry.msg])).toEqual([['info', 'admin missing']]);
  });

  it('a changed ADMIN_PASSWORD is reported (warn) and NOT applied without ADMIN_PASSWORD_RESET', async () => {
    const session = await loginAdmin(t);
    const changed = 'Changed-admin-pass-2';
    const outcome = await seedDatabase(t.db, withAdmin({ email: ADMIN.email, password: changed }));
    expect(outcome.admin).toEqual({ status: 'exists', email: ADMIN.email, passwordMatches: false });
    const [line] = adminLines();
    expect(line?.level).toBe('warn');
    expect(String(line?.entry.note)).toContain('ADMIN_PASSWORD_RESET=true');
    expect(JSON.stringify(lines)).not.toContain(changed);
    // The stored password is kept, and the admin's session still works.
    expect((await login(ADMIN.email, ADMIN.password)).status).toBe(200);
    expect((await login(ADMIN.email, changed)).status).toBe(401);
    expect((await t.request('GET', '/api/auth/me', { token: session.token })).status).toBe(200);
  });

  it('ADMIN_PASSWORD_RESET=true sets the new password and revokes every session of the admin', async () => {
    const sessions = [await loginAdmin(t), await loginAdmin(t)];
    const changed = 'Reset-admin-pass-3';
    const outcome = await seedDatabase(t.db, withAdmin({ email: ADMIN.email, password: changed, resetPassword: true }));
    expect(outcome.admin).toMatchObject({ status: 'password_reset', email: ADMIN.email });
    expect((outcome.admin as { sessionsRevoked: number }).sessionsRevoked).toBeGreaterThanOrEqual(2);
    expect(adminLines().map((l) => [l.level, l.entry.msg])).toEqual([['warn', 'admin password reset']]);
    expect(JSON.stringify(lines)).not.toContain(changed);
    for (const s of sessions) expect((await t.request('GET', '/api/auth/me', { token: s.token })).status).toBe(401);
    expect((await login(ADMIN.email, ADMIN.password)).status).toBe(401);
    expect((await login(ADMIN.email, changed)).status).toBe(200);

    // Running it again with the same settings changes nothing more: the password matches now.
    lines = [];
    const again = await seedDatabase(t.db, withAdmin({ email: ADMIN.email, password: changed, resetPassword: true }));
    expect(again.admin).toEqual({ status: 'exists', email: ADMIN.email, passwordMatches: true });
    // Back to the harness password for any later test.
    await seedDatabase(t.db, withAdmin({ email: ADMIN.email, password: ADMIN.password, resetPassword: true }));
  });

  it('ADMIN_PASSWORD_RESET is parsed from the environment (default false)', () => {
    const base = { APP_ENV: 'test', ADMIN_EMAIL: 'a@example.com', ADMIN_PASSWORD: 'Long-enough-1' };
    expect(parseConfig(base).admin?.resetPassword).toBe(false);
    expect(parseConfig({ ...base, ADMIN_PASSWORD_RESET: 'true' }).admin?.resetPassword).toBe(true);
    expect(() => parseConfig({ ...base, ADMIN_PASSWORD_RESET: 'maybe' })).toThrow(/ADMIN_PASSWORD_RESET/);
  });
});
