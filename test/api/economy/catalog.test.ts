/**
 * Credit packages and payment methods (SPEC §4, §10): public catalog reads (in-isolate cache, weak
 * ETag over data + language, 304, Cache-Control), the admin views, CRUD with audit, and
 * "deactivate instead of delete" for rows that payments reference.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createTestApp,
  expectErrorEnvelope,
  issuePaths,
  loginAdmin,
  registerUser,
  userWithPermissions,
  type TestApp,
  type TestUser,
} from '../../support/harness.js';
import { rows, seededCatalog, submitPayment } from './helpers.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  admin = await loginAdmin(t);
});
afterAll(async () => {
  await t.close();
});
afterEach(() => {
  vi.useRealTimers();
});

const createPackage = async (body: Record<string, unknown>) => {
  const res = await t.request('POST', '/api/credit-packages', { token: admin.token, body: { credits: 3, price_usd: 4.5, ...body } });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.text}`);
  return res.body.data;
};

describe('public catalog reads', () => {
  it('lists active packages by sort_order then name, paginated, with ETag and public caching', async () => {
    const res = await t.request('GET', '/api/credit-packages');
    expect(res.status).toBe(200);
    expect(res.body.data.map((p: any) => p.name).slice(0, 2)).toEqual(['Starter', 'Founder']);
    expect(res.body.data[0]).toMatchObject({ credits: 5, price_usd: 9.99, is_active: true, features: ['5 premium reports', 'AI assistant chat'] });
    expect(res.body.pagination).toMatchObject({ page: 1, per_page: 20 });
    expect(res.headers.get('etag')).toMatch(/^W\/"[0-9a-f]{32}"$/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    expect(res.headers.get('vary')).toMatch(/Accept-Language/i);
  });

  it('answers 304 with no body to a matching If-None-Match; the ETag depends on the language', async () => {
    const first = await t.request('GET', '/api/payment-methods');
    const etag = first.headers.get('etag')!;
    const again = await t.request('GET', '/api/payment-methods', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    const list = await t.request('GET', '/api/payment-methods', { headers: { 'if-none-match': `"nope", ${etag.slice(2)}` } });
    expect(list.status).toBe(304);

    const arabic = await t.request('GET', '/api/payment-methods', { headers: { 'accept-language': 'ar', 'if-none-match': etag } });
    expect(arabic.status).toBe(200);
    expect(arabic.headers.get('etag')).not.toBe(etag);
    expect(arabic.body.message).toMatch(/[\u0600-\u06FF]/);
  });

  it('one payment method by id: from the cache, with its own ETag and 304; inactive or unknown → 404', async () => {
    const methods = (await t.request('GET', '/api/payment-methods')).body.data as { id: string }[];
    const one = await t.request('GET', `/api/payment-methods/${methods[0]!.id}`);
    expect(one.status).toBe(200);
    expect(one.body.data).toEqual(methods[0]);
    expect(one.cost.roundTrips).toBe(0);
    const etag = one.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"[0-9a-f]{32}"$/);
    expect(etag).not.toBe((await t.request('GET', '/api/payment-methods')).headers.get('etag'));
    expect((await t.request('GET', `/api/payment-methods/${methods[0]!.id}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expectErrorEnvelope(await t.request('GET', `/api/payment-methods/${crypto.randomUUID()}`), 404, 'NOT_FOUND');
  });

  it('serves from the in-isolate cache (no database round trip) for up to 60 seconds', async () => {
    await t.request('GET', '/api/credit-packages');
    expect(await t.countRoundTrips(() => t.request('GET', '/api/credit-packages'))).toBe(0);
    // A change that bypasses the API (another isolate, say) shows once the entry expires.
    const { starter } = await seededCatalog(t);
    vi.useFakeTimers({ toFake: ['Date'] });
    await t.db.execute(sql`UPDATE credit_packages SET description = 'Changed elsewhere' WHERE id = ${starter.id}`);
    const cached = await t.request('GET', `/api/credit-packages/${starter.id}`);
    expect(cached.body.data.description).not.toBe('Changed elsewhere');
    vi.setSystemTime(Date.now() + 61_000);
    const fresh = await t.request('GET', `/api/credit-packages/${starter.id}`);
    expect(fresh.body.data.description).toBe('Changed elsewhere');
  });

  it('an admin change is visible at once, with a new ETag', async () => {
    const before = await t.request('GET', '/api/credit-packages');
    const created = await createPackage({ name: 'Visible at once', sort_order: 50 });
    const after = await t.request('GET', '/api/credit-packages', { headers: { 'if-none-match': before.headers.get('etag')! } });
    expect(after.status).toBe(200);
    expect(after.body.data.map((p: any) => p.id)).toContain(created.id);
  });

  it('hides inactive entries; include_inactive needs the manage permission and is never cached', async () => {
    const hidden = await createPackage({ name: 'Hidden', is_active: false });
    const pub = await t.request('GET', '/api/credit-packages?per_page=100');
    expect(pub.body.data.map((p: any) => p.id)).not.toContain(hidden.id);
    expectErrorEnvelope(await t.request('GET', `/api/credit-packages/${hidden.id}`), 404, 'NOT_FOUND');

    expectErrorEnvelope(await t.request('GET', '/api/credit-packages?include_inactive=true'), 401, 'AUTHENTICATION_ERROR');
    const plain = await registerUser(t);
    expectErrorEnvelope(await t.request('GET', '/api/credit-packages?include_inactive=true', { token: plain.token }), 403, 'AUTHORIZATION_ERROR');
    const paymentsAdmin = await userWithPermissions(t, ['manage_payments']);
    expectErrorEnvelope(
      await t.request('GET', '/api/credit-packages?include_inactive=true', { token: paymentsAdmin.token }),
      403,
      'AUTHORIZATION_ERROR',
    );

    const all = await t.request('GET', '/api/credit-packages?include_inactive=true&per_page=100', { token: admin.token });
    expect(all.status).toBe(200);
    expect(all.body.data.map((p: any) => p.id)).toContain(hidden.id);
    expect(all.headers.get('cache-control')).toBe('private, no-store');
    expect(all.headers.get('etag')).toBeNull();
    const one = await t.request('GET', `/api/credit-packages/${hidden.id}?include_inactive=true`, { token: admin.token });
    expect(one.status).toBe(200);

    const methods = await t.request('GET', '/api/payment-methods?include_inactive=true', { token: paymentsAdmin.token });
    expect(methods.status).toBe(200);
  });

  it('validates paging and include_inactive', async () => {
    const res = await t.request('GET', '/api/credit-packages?page=0&include_inactive=yes');
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res).sort()).toEqual(['include_inactive', 'page']);
    expectErrorEnvelope(await t.request('GET', '/api/payment-methods/123'), 400, 'VALIDATION_ERROR');
  });
});

describe('credit package administration (manage_settings)', () => {
  it('creates (201), updates and audits both', async () => {
    const created = await createPackage({ name: 'Team', name_ar: 'الفريق', credits: 40, price_usd: 59, features: ['a', 'b'] });
    expect(created).toMatchObject({ name: 'Team', credits: 40, price_usd: 59, is_active: true, is_popular: false, sort_order: 0 });
    const res = await t.request('PUT', `/api/credit-packages/${created.id}`, { token: admin.token, body: { price_usd: 49.5, is_popular: true } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ price_usd: 49.5, is_popular: true, credits: 40 });
    const logs = await rows<{ action: string; changes: any }>(
      t,
      sql`SELECT action, changes FROM audit_logs WHERE entity_id = ${created.id} ORDER BY created_at`,
    );
    expect(logs.map((l) => l.action)).toEqual(['credit_package.create', 'credit_package.update']);
    expect(logs[1]!.changes).toEqual({ before: { price_usd: 59, is_popular: false }, after: { price_usd: 49.5, is_popular: true } });
  });

  it.each([
    [{ name: 'X', credits: 0, price_usd: 1 }, ['credits']],
    [{ name: 'X', credits: 1, price_usd: 0 }, ['price_usd']],
    [{ name: 'X', credits: 1, price_usd: 1.234 }, ['price_usd']],
    [{ name: '', credits: 1, price_usd: 1 }, ['name']],
    [{ name: 'X', credits: 1, price_usd: 1, features: 'many' }, ['features']],
    [{ name: 'X', credits: 1, price_usd: 1, id: crypto.randomUUID() }, ['id']],
  ])('refuses %j naming %j', async (body, paths) => {
    const res = await t.request('POST', '/api/credit-packages', { token: admin.token, body });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toEqual(paths);
  });

  it('deletes an unused package; deactivates one used by a payment', async () => {
    const unused = await createPackage({ name: 'Unused' });
    const del = await t.request('DELETE', `/api/credit-packages/${unused.id}`, { token: admin.token });
    expect(del.body.data).toEqual({ id: unused.id, deactivated: false });
    expect(await rows(t, sql`SELECT 1 FROM credit_packages WHERE id = ${unused.id}`)).toHaveLength(0);

    const used = await createPackage({ name: 'Used' });
    const { methodId } = await seededCatalog(t);
    const buyer = await registerUser(t);
    expect((await submitPayment(t, buyer, { package_id: used.id, payment_method_id: methodId })).status).toBe(201);
    const deact = await t.request('DELETE', `/api/credit-packages/${used.id}`, { token: admin.token });
    expect(deact.status).toBe(200);
    expect(deact.body.data).toEqual({ id: used.id, deactivated: true });
    const [row] = await rows<{ is_active: boolean }>(t, sql`SELECT is_active FROM credit_packages WHERE id = ${used.id}`);
    expect(row!.is_active).toBe(false);
    expect((await t.request('GET', '/api/credit-packages?per_page=100')).body.data.map((p: any) => p.id)).not.toContain(used.id);

    expectErrorEnvelope(await t.request('DELETE', `/api/credit-packages/${unused.id}`, { token: admin.token }), 404, 'NOT_FOUND');
    expectErrorEnvelope(
      await t.request('PUT', `/api/credit-packages/${crypto.randomUUID()}`, { token: admin.token, body: { name: 'x' } }),
      404,
      'NOT_FOUND',
    );
    const actions = await rows<{ action: string }>(t, sql`SELECT action FROM audit_logs WHERE entity_id IN (${unused.id}, ${used.id})`);
    expect(actions.map((a) => a.action).sort()).toEqual([
      'credit_package.create',
      'credit_package.create',
      'credit_package.deactivate',
      'credit_package.delete',
    ]);
  });

  it('needs manage_settings (manage_payments is not enough); writes cost two round trips', async () => {
    const paymentsAdmin = await userWithPermissions(t, ['manage_payments']);
    expectErrorEnvelope(
      await t.request('POST', '/api/credit-packages', { token: paymentsAdmin.token, body: { name: 'X', credits: 1, price_usd: 1 } }),
      403,
      'AUTHORIZATION_ERROR',
    );
    const settingsAdmin = await userWithPermissions(t, ['manage_settings']);
    let id = '';
    expect(
      await t.countRoundTrips(async () => {
        const res = await t.request('POST', '/api/credit-packages', { token: settingsAdmin.token, body: { name: 'RT', credits: 1, price_usd: 1 } });
        id = res.body.data.id;
      }),
    ).toBeLessThanOrEqual(2);
    expect(await t.countRoundTrips(() => t.request('PUT', `/api/credit-packages/${id}`, { token: settingsAdmin.token, body: { name: 'RT2' } }))).toBeLessThanOrEqual(2);
    expect(await t.countRoundTrips(() => t.request('DELETE', `/api/credit-packages/${id}`, { token: settingsAdmin.token }))).toBeLessThanOrEqual(2);
  });
});

describe('payment method administration (manage_payments)', () => {
  it('creates, updates, lists publicly, and deactivates a method in use', async () => {
    const res = await t.request('POST', '/api/payment-methods', {
      token: admin.token,
      body: { name: 'Syriatel Cash', type: 'mobile_wallet', details: { wallet: '0999 000 000' }, logo_url: 'https://cdn.example.com/s.png', sort_order: -1 },
    });
    expect(res.status).toBe(201);
    const method = res.body.data;
    expect(method).toMatchObject({ type: 'mobile_wallet', details: { wallet: '0999 000 000' }, is_active: true });
    const pub = await t.request('GET', '/api/payment-methods');
    expect(pub.body.data[0].id).toBe(method.id); // sort_order -1 comes first

    const upd = await t.request('PUT', `/api/payment-methods/${method.id}`, { token: admin.token, body: { instructions: 'Send to the wallet' } });
    expect(upd.body.data.instructions).toBe('Send to the wallet');

    const { starter } = await seededCatalog(t);
    await submitPayment(t, await registerUser(t), { package_id: starter.id, payment_method_id: method.id });
    const del = await t.request('DELETE', `/api/payment-methods/${method.id}`, { token: admin.token });
    expect(del.body.data).toEqual({ id: method.id, deactivated: true });
    expectErrorEnvelope(await t.request('GET', `/api/payment-methods/${method.id}`), 404, 'NOT_FOUND');
  });

  it.each([
    [{ name: 'X', type: 'Bank Transfer' }, ['type']],
    [{ name: 'X', type: 'cash', logo_url: 'http://x.example.com/a.png' }, ['logo_url']],
    [{ name: 'X', type: 'cash', details: [] }, ['details']],
  ])('refuses %j naming %j', async (body, paths) => {
    const res = await t.request('POST', '/api/payment-methods', { token: admin.token, body });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toEqual(paths);
  });

  it('needs manage_payments', async () => {
    const settingsAdmin = await userWithPermissions(t, ['manage_settings']);
    expectErrorEnvelope(
      await t.request('POST', '/api/payment-methods', { token: settingsAdmin.token, body: { name: 'X', type: 'cash' } }),
      403,
      'AUTHORIZATION_ERROR',
    );
  });
});
