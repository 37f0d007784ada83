/**
 * Administration (SPEC §2, §4, §7, §10): settings (typed, audited, public subset), roles (built-ins
 * protected, no granting what you lack, unique names, in use stays), users (search, filters, role by
 * name, deactivation effective at once, never credits), audit logs (filters, read-only), OpenAPI.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  expectErrorEnvelope,
  issuePaths,
  loginAdmin,
  registerUser,
  uniqueEmail,
  userWithPermissions,
  type TestApp,
  type TestUser,
} from '../../support/harness.js';
import { dereference } from '../../support/openapi.js';
import { rows } from './helpers.js';

let t: TestApp;
let superAdmin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  superAdmin = await loginAdmin(t);
});
afterAll(async () => {
  await t.close();
});

const roleName = () => `role_${crypto.randomUUID().slice(0, 8)}`;
async function withRole(u: TestUser, name: string) {
  await t.db.execute(sql`UPDATE users SET role_id = (SELECT id FROM roles WHERE name = ${name}) WHERE id = ${u.id}`);
  return u;
}

describe('settings', () => {
  it('lists every key with value, default and bounds; reads one; unknown key → 404', async () => {
    const viewer = await userWithPermissions(t, ['view_settings']);
    const list = await t.request('GET', '/api/system-settings', { token: viewer.token });
    expect(list.status).toBe(200);
    expect(list.body.data.map((s: any) => s.key)).toEqual([
      'chat_daily_limit',
      'low_credit_threshold',
      'premium_report_cost',
      'referral_bonus_credits',
      'signup_bonus_credits',
      'syrian_apps_count',
    ]);
    const one = await t.request('GET', '/api/system-settings/premium_report_cost', { token: viewer.token });
    expect(one.body.data).toMatchObject({ key: 'premium_report_cost', value: 1, default: 1, minimum: 1, is_public: true });
    expectErrorEnvelope(await t.request('GET', '/api/system-settings/jwt_secret', { token: viewer.token }), 404, 'NOT_FOUND');
    expectErrorEnvelope(
      await t.request('PUT', '/api/system-settings/premium_report_cost', { token: viewer.token, body: { value: 2 } }),
      403,
      'AUTHORIZATION_ERROR',
    );
  });

  it('PUT validates per key (400 naming value), 404 for an unknown key, audits the change', async () => {
    const put = (key: string, body: unknown) => t.request('PUT', `/api/system-settings/${key}`, { token: superAdmin.token, body });
    for (const bad of [0, 1.5, '2', null, 100000]) {
      const res = await put('premium_report_cost', { value: bad });
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(issuePaths(res)).toEqual(['value']);
    }
    expect(issuePaths(await put('premium_report_cost', { value: 2, extra: 1 }))).toEqual(['extra']);
    expectErrorEnvelope(await put('no_such_key', { value: 1 }), 404, 'NOT_FOUND');

    const ok = await put('chat_daily_limit', { value: 25 });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toMatchObject({ key: 'chat_daily_limit', value: 25, updated_by: superAdmin.id });
    const logs = await rows(t, sql`SELECT action, changes FROM audit_logs WHERE entity_type = 'setting' AND entity_id = 'chat_daily_limit'`);
    expect(logs).toEqual([{ action: 'setting.update', changes: { before: { value: 50 }, after: { value: 25 } } }]);
    expect(await t.countRoundTrips(() => put('chat_daily_limit', { value: 30 }))).toBeLessThanOrEqual(2);
  });

  it('GET /settings: the public keys only, as an object, with ETag / 304 and instant invalidation', async () => {
    const res = await t.request('GET', '/api/settings');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.data).sort()).toEqual(['premium_report_cost', 'referral_bonus_credits', 'signup_bonus_credits', 'syrian_apps_count']);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    const etag = res.headers.get('etag')!;
    expect((await t.request('GET', '/api/settings', { headers: { 'if-none-match': etag } })).status).toBe(304);

    await t.request('PUT', '/api/system-settings/signup_bonus_credits', { token: superAdmin.token, body: { value: 4 } });
    const after = await t.request('GET', '/api/settings', { headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    expect(after.body.data.signup_bonus_credits).toBe(4);
    await t.request('PUT', '/api/system-settings/signup_bonus_credits', { token: superAdmin.token, body: { value: 3 } });
  });
});

describe('roles', () => {
  it('lists (view_users or manage_roles) with built-ins and user counts', async () => {
    const viewer = await userWithPermissions(t, ['view_users']);
    await registerUser(t);
    const res = await t.request('GET', '/api/roles?sort=name&order=asc&per_page=100', { token: viewer.token });
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.data.map((r: any) => [r.name, r]));
    expect(byName.super_admin).toMatchObject({ is_builtin: true });
    expect(byName.super_admin.permissions).toContain('manage_roles');
    expect(byName.admin.permissions).not.toContain('manage_roles');
    expect(byName.user.user_count).toBeGreaterThan(0);
    const plain = await registerUser(t);
    expectErrorEnvelope(await t.request('GET', '/api/roles', { token: plain.token }), 403, 'AUTHORIZATION_ERROR');
    expect((await t.request('GET', `/api/roles/${byName.admin.id}`, { token: viewer.token })).body.data.name).toBe('admin');
  });

  it('creates (201), names unique case-insensitively (409), unknown permissions → 400', async () => {
    const name = roleName();
    const res = await t.request('POST', '/api/roles', {
      token: superAdmin.token,
      body: { name, description: 'Support desk', permissions: ['view_users', 'view_payments', 'view_users'] },
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ name, permissions: ['view_users', 'view_payments'], is_builtin: false, user_count: 0 });
    expectErrorEnvelope(
      await t.request('POST', '/api/roles', { token: superAdmin.token, body: { name: name.toUpperCase(), permissions: [] } }),
      409,
      'CONFLICT',
    );
    const unknown = await t.request('POST', '/api/roles', { token: superAdmin.token, body: { name: roleName(), permissions: ['view_users', 'root'] } });
    expectErrorEnvelope(unknown, 400, 'VALIDATION_ERROR');
    expect(issuePaths(unknown)).toEqual(['permissions.1']);
    const badName = await t.request('POST', '/api/roles', { token: superAdmin.token, body: { name: 'has space', permissions: [] } });
    expect(issuePaths(badName)).toEqual(['name']);
  });

  it('nobody grants a permission they lack (403), on create and update', async () => {
    const manager = await userWithPermissions(t, ['manage_roles', 'view_users']);
    const denied = await t.request('POST', '/api/roles', { token: manager.token, body: { name: roleName(), permissions: ['manage_payments'] } });
    expectErrorEnvelope(denied, 403, 'AUTHORIZATION_ERROR');
    expect(denied.body.error).toContain('manage_payments');
    const okRes = await t.request('POST', '/api/roles', { token: manager.token, body: { name: roleName(), permissions: ['view_users'] } });
    expect(okRes.status).toBe(201);
    expectErrorEnvelope(
      await t.request('PUT', `/api/roles/${okRes.body.data.id}`, { token: manager.token, body: { permissions: ['view_users', 'invoke_llm'] } }),
      403,
      'AUTHORIZATION_ERROR',
    );
  });

  it('built-in roles cannot be changed or deleted (super_admin: 403 unless super admin; else 409)', async () => {
    const list = await t.request('GET', '/api/roles?per_page=100', { token: superAdmin.token });
    const id = (n: string) => list.body.data.find((r: any) => r.name === n).id;
    const manager = await userWithPermissions(t, ['manage_roles']);
    expectErrorEnvelope(
      await t.request('PUT', `/api/roles/${id('super_admin')}`, { token: manager.token, body: { description: 'x' } }),
      403,
      'AUTHORIZATION_ERROR',
    );
    expectErrorEnvelope(await t.request('DELETE', `/api/roles/${id('super_admin')}`, { token: manager.token }), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(
      await t.request('PUT', `/api/roles/${id('super_admin')}`, { token: superAdmin.token, body: { description: 'x' } }),
      409,
      'INVALID_STATE',
    );
    expectErrorEnvelope(
      await t.request('PUT', `/api/roles/${id('admin')}`, { token: superAdmin.token, body: { permissions: [] } }),
      409,
      'INVALID_STATE',
    );
    expectErrorEnvelope(await t.request('DELETE', `/api/roles/${id('user')}`, { token: superAdmin.token }), 409, 'INVALID_STATE');
    const [admin] = await rows<{ permissions: string[] }>(t, sql`SELECT permissions FROM roles WHERE name = 'admin'`);
    expect(admin!.permissions.length).toBeGreaterThan(10);
  });

  it('updates a custom role (audited); deletes it unless in use (409)', async () => {
    const created = await t.request('POST', '/api/roles', { token: superAdmin.token, body: { name: roleName(), permissions: ['view_users'] } });
    const roleId = created.body.data.id;
    const upd = await t.request('PUT', `/api/roles/${roleId}`, { token: superAdmin.token, body: { permissions: ['view_users', 'view_audit_logs'] } });
    expect(upd.status).toBe(200);
    expect(upd.body.data.permissions).toEqual(['view_users', 'view_audit_logs']);

    const member = await registerUser(t);
    await t.request('PUT', `/api/users/${member.id}`, { token: superAdmin.token, body: { role: created.body.data.name } });
    const inUse = await t.request('DELETE', `/api/roles/${roleId}`, { token: superAdmin.token });
    expectErrorEnvelope(inUse, 409, 'CONFLICT');
    await t.request('PUT', `/api/users/${member.id}`, { token: superAdmin.token, body: { role: 'user' } });
    const del = await t.request('DELETE', `/api/roles/${roleId}`, { token: superAdmin.token });
    expect(del.status).toBe(200);
    expect(del.body.data).toEqual({ id: roleId });
    expectErrorEnvelope(await t.request('GET', `/api/roles/${roleId}`, { token: superAdmin.token }), 404, 'NOT_FOUND');
    const actions = await rows<{ action: string }>(t, sql`SELECT action FROM audit_logs WHERE entity_id = ${roleId} ORDER BY created_at`);
    expect(actions.map((a) => a.action)).toEqual(['role.create', 'role.update', 'role.delete']);
  });
});

describe('users (admin)', () => {
  it('lists with q search, role and is_active filters; no profile image in lists', async () => {
    const viewer = await userWithPermissions(t, ['view_users']);
    const tag = `needle${Date.now().toString(36)}`;
    const a = await registerUser(t, { email: uniqueEmail(tag), full_name: 'Needle One' });
    await registerUser(t, { full_name: `Someone ${tag}` });
    await t.db.execute(sql`UPDATE users SET is_active = false WHERE id = ${a.id}`);
    const res = await t.request('GET', `/api/users?q=${tag}`, { token: viewer.token });
    expect(res.status).toBe(200);
    expect(res.body.pagination.total).toBe(2);
    expect(res.body.data[0]).not.toHaveProperty('profile_image');
    expect(res.body.data[0]).not.toHaveProperty('password_hash');
    const inactive = await t.request('GET', `/api/users?q=${tag}&is_active=false`, { token: viewer.token });
    expect(inactive.body.data.map((u: any) => u.id)).toEqual([a.id]);
    const supers = await t.request('GET', '/api/users?role=SUPER_ADMIN', { token: viewer.token });
    expect(supers.body.data.map((u: any) => u.email)).toEqual([superAdmin.email]);
    const wild = await t.request('GET', '/api/users?q=%25', { token: viewer.token });
    expect(wild.body.pagination.total).toBe(0);
    expect(await t.countRoundTrips(() => t.request('GET', '/api/users', { token: viewer.token }))).toBeLessThanOrEqual(2);
  });

  it('reads one user (404 for unknown); needs view_users', async () => {
    const viewer = await userWithPermissions(t, ['view_users']);
    const u = await registerUser(t);
    const res = await t.request('GET', `/api/users/${u.id}`, { token: viewer.token });
    expect(res.body.data).toMatchObject({ id: u.id, email: u.email, role: 'user', credits: 3, referred_by: null });
    expect(res.body.data).toHaveProperty('profile_image');
    expectErrorEnvelope(await t.request('GET', `/api/users/${crypto.randomUUID()}`, { token: viewer.token }), 404, 'NOT_FOUND');
    expectErrorEnvelope(await t.request('GET', `/api/users/${u.id}`, { token: u.token }), 403, 'AUTHORIZATION_ERROR');
  });

  it('assigns a role by name, effective on the next request, audited', async () => {
    const u = await registerUser(t);
    const res = await t.request('PUT', `/api/users/${u.id}`, { token: superAdmin.token, body: { role: 'admin', city: 'Aleppo' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ role: 'admin', city: 'Aleppo' });
    expect(res.body.data.permissions).toContain('view_payments');
    expect((await t.request('GET', '/api/payments/stats', { token: u.token })).status).toBe(200);
    const [log] = await rows<{ changes: any }>(t, sql`SELECT changes FROM audit_logs WHERE action = 'user.update' AND entity_id = ${u.id}`);
    expect(log!.changes).toEqual({ before: { role: 'user', city: null }, after: { role: 'admin', city: 'Aleppo' } });
    expectErrorEnvelope(
      await t.request('PUT', `/api/users/${u.id}`, { token: superAdmin.token, body: { role: 'no_such_role' } }),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('never sets credits or other server-owned fields (400 naming each)', async () => {
    const u = await registerUser(t);
    const res = await t.request('PUT', `/api/users/${u.id}`, {
      token: superAdmin.token,
      body: { city: 'Homs', credits: 1000, email: 'x@example.com', referral_code: 'AAAAAAAA' },
    });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res).sort()).toEqual(['credits', 'email', 'referral_code']);
    const [row] = await rows<{ credits: number }>(t, sql`SELECT credits FROM users WHERE id = ${u.id}`);
    expect(row!.credits).toBe(3);
  });

  it('deactivation revokes every session: the very next request is a 401', async () => {
    const u = await registerUser(t);
    expect((await t.request('GET', '/api/auth/me', { token: u.token })).status).toBe(200);
    const res = await t.request('PUT', `/api/users/${u.id}`, { token: superAdmin.token, body: { is_active: false } });
    expect(res.body.data.is_active).toBe(false);
    expectErrorEnvelope(await t.request('GET', '/api/auth/me', { token: u.token }), 401, 'AUTHENTICATION_ERROR');
    const live = await rows(t, sql`SELECT 1 FROM auth_sessions WHERE user_id = ${u.id} AND revoked_at IS NULL`);
    expect(live).toHaveLength(0);
  });

  it('only a super admin assigns, changes or removes super_admin; nobody assigns a role with permissions they lack', async () => {
    const admin = await withRole(await registerUser(t), 'admin');
    const target = await registerUser(t);
    expectErrorEnvelope(
      await t.request('PUT', `/api/users/${target.id}`, { token: admin.token, body: { role: 'super_admin' } }),
      403,
      'AUTHORIZATION_ERROR',
    );
    expectErrorEnvelope(
      await t.request('PUT', `/api/users/${superAdmin.id}`, { token: admin.token, body: { is_active: false } }),
      403,
      'AUTHORIZATION_ERROR',
    );
    // A custom role holding manage_roles (which admin lacks) cannot be handed out by an admin.
    const name = roleName();
    await t.request('POST', '/api/roles', { token: superAdmin.token, body: { name, permissions: ['manage_roles'] } });
    const denied = await t.request('PUT', `/api/users/${target.id}`, { token: admin.token, body: { role: name } });
    expectErrorEnvelope(denied, 403, 'AUTHORIZATION_ERROR');
    expect(denied.body.error).toContain('manage_roles');
    // An admin may hand out roles within their own permissions.
    expect((await t.request('PUT', `/api/users/${target.id}`, { token: admin.token, body: { role: 'admin' } })).status).toBe(200);
    // A super admin may create another.
    const promoted = await t.request('PUT', `/api/users/${target.id}`, { token: superAdmin.token, body: { role: 'super_admin' } });
    expect(promoted.body.data.role).toBe('super_admin');
    expectErrorEnvelope(
      await t.request('PUT', `/api/users/${target.id}`, { token: admin.token, body: { role: 'user' } }),
      403,
      'AUTHORIZATION_ERROR',
    );
  });

  it('needs manage_users (view_users is not enough); unknown user → 404', async () => {
    const viewer = await userWithPermissions(t, ['view_users']);
    const u = await registerUser(t);
    expectErrorEnvelope(await t.request('PUT', `/api/users/${u.id}`, { token: viewer.token, body: { city: 'Homs' } }), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(
      await t.request('PUT', `/api/users/${crypto.randomUUID()}`, { token: superAdmin.token, body: { city: 'Homs' } }),
      404,
      'NOT_FOUND',
    );
  });
});

describe('round trips of admin writes', () => {
  it('role writes cost two (auth + one batch); PUT /users/:id three (auth, read, guarded write)', async () => {
    let id = '';
    expect(
      await t.countRoundTrips(async () => {
        id = (await t.request('POST', '/api/roles', { token: superAdmin.token, body: { name: roleName(), permissions: [] } })).body.data.id;
      }),
    ).toBeLessThanOrEqual(2);
    expect(await t.countRoundTrips(() => t.request('PUT', `/api/roles/${id}`, { token: superAdmin.token, body: { description: 'd' } }))).toBeLessThanOrEqual(2);
    expect(await t.countRoundTrips(() => t.request('DELETE', `/api/roles/${id}`, { token: superAdmin.token }))).toBeLessThanOrEqual(2);
    const u = await registerUser(t);
    expect(await t.countRoundTrips(() => t.request('PUT', `/api/users/${u.id}`, { token: superAdmin.token, body: { role: 'admin' } }))).toBeLessThanOrEqual(3);
    expect(await t.countRoundTrips(() => t.request('GET', '/api/roles', { token: superAdmin.token }))).toBeLessThanOrEqual(2);
    expect(await t.countRoundTrips(() => t.request('GET', `/api/users/${u.id}`, { token: superAdmin.token }))).toBeLessThanOrEqual(2);
    expect(await t.countRoundTrips(() => t.request('GET', '/api/system-settings', { token: superAdmin.token }))).toBeLessThanOrEqual(2);
  });
});

describe('audit logs', () => {
  it('lists entries written by admin mutations, with filters and the actor’s email', async () => {
    const viewer = await userWithPermissions(t, ['view_audit_logs']);
    const u = await registerUser(t);
    const from = new Date(Date.now() - 1000).toISOString();
    await t.request('PUT', `/api/users/${u.id}`, { token: superAdmin.token, body: { country: 'Syria' } });
    await t.request('POST', `/api/users/${u.id}/adjust-credits`, { token: superAdmin.token, body: { credits: 2, reason: 'gift' } });

    const byEntity = await t.request('GET', `/api/audit-logs?entity_type=user&entity_id=${u.id}`, { token: viewer.token });
    expect(byEntity.status).toBe(200);
    expect(byEntity.body.data.map((l: any) => l.action).sort()).toEqual(['user.adjust_credits', 'user.update']);
    expect(byEntity.body.data[0]).toMatchObject({ actor_id: superAdmin.id, actor_email: superAdmin.email, entity_id: u.id });
    expect(byEntity.body.data[0].request_id).toEqual(expect.any(String));

    const byAction = await t.request('GET', `/api/audit-logs?action=user.adjust_credits&actor_id=${superAdmin.id}&from=${from}`, { token: viewer.token });
    expect(byAction.body.data.every((l: any) => l.action === 'user.adjust_credits')).toBe(true);
    expect(byAction.body.data.length).toBeGreaterThan(0);
    const future = new Date(Date.now() + 3600_000).toISOString();
    const none = await t.request('GET', `/api/audit-logs?from=${future}`, { token: viewer.token });
    expect(none.body.pagination.total).toBe(0);
    expect(await t.countRoundTrips(() => t.request('GET', '/api/audit-logs', { token: viewer.token }))).toBeLessThanOrEqual(2);
  });

  it('validates filters; needs view_audit_logs; has no write route', async () => {
    const viewer = await userWithPermissions(t, ['view_audit_logs']);
    const bad = await t.request('GET', '/api/audit-logs?actor_id=x&from=yesterday', { token: viewer.token });
    expectErrorEnvelope(bad, 400, 'VALIDATION_ERROR');
    expect(issuePaths(bad).sort()).toEqual(['actor_id', 'from']);
    const order = await t.request('GET', `/api/audit-logs?from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z`, { token: viewer.token });
    expect(issuePaths(order)).toEqual(['to']);
    const plain = await registerUser(t);
    expectErrorEnvelope(await t.request('GET', '/api/audit-logs', { token: plain.token }), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(await t.request('POST', '/api/audit-logs', { token: superAdmin.token, body: { action: 'x' } }), 404, 'NOT_FOUND');
  });
});

describe('OpenAPI', () => {
  it('documents every economy route with its request and response schemas', async () => {
    const doc = dereference((await t.request('GET', '/api/openapi.json')).body);
    const expected: [string, string][] = [
      ['get', '/api/transactions'],
      ['post', '/api/users/{id}/adjust-credits'],
      ['get', '/api/users'],
      ['get', '/api/users/{id}'],
      ['put', '/api/users/{id}'],
      ['get', '/api/credit-packages'],
      ['post', '/api/credit-packages'],
      ['get', '/api/credit-packages/{id}'],
      ['put', '/api/credit-packages/{id}'],
      ['delete', '/api/credit-packages/{id}'],
      ['get', '/api/payment-methods'],
      ['post', '/api/payment-methods'],
      ['delete', '/api/payment-methods/{id}'],
      ['post', '/api/payments'],
      ['get', '/api/payments'],
      ['get', '/api/payments/stats'],
      ['get', '/api/payments/{id}'],
      ['post', '/api/payments/{id}/approve'],
      ['post', '/api/payments/{id}/reject'],
      ['get', '/api/discount-codes'],
      ['post', '/api/discount-codes'],
      ['post', '/api/discount-codes/validate'],
      ['get', '/api/discount-codes/{id}/usage'],
      ['put', '/api/discount-codes/{id}'],
      ['post', '/api/referrals/apply'],
      ['get', '/api/referrals'],
      ['get', '/api/system-settings'],
      ['put', '/api/system-settings/{key}'],
      ['get', '/api/settings'],
      ['get', '/api/roles'],
      ['post', '/api/roles'],
      ['delete', '/api/roles/{id}'],
      ['get', '/api/audit-logs'],
    ];
    for (const [method, path] of expected) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      const success = op.responses['200'] ?? op.responses['201'];
      expect(success.content['application/json'].schema.properties.data, `${method} ${path}`).toBeDefined();
    }
    const create = doc.paths['/api/payments'].post;
    const props = create.requestBody.content['application/json'].schema.properties;
    expect(Object.keys(props).sort()).toEqual(['currency_code', 'discount_code', 'expected_amount', 'notes', 'package_id', 'payment_method_id', 'payment_proof', 'quantity']);
    expect(create.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(doc.paths['/api/payments/{id}/approve'].post.responses['409']).toBeDefined();
    expect(doc.paths['/api/referrals'].get.responses['200'].content['application/json'].schema.properties.meta).toBeDefined();
  });
});
