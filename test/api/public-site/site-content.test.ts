/**
 * Partners, social links and landing statistics (SPEC-WAVE2 §14.1, §14.2, §14.4, §14.7): public cached
 * reads (ETag, 304, invalidation by admin writes), strict admin bodies (no mass assignment, https only,
 * no SVG, checked styling input), permissions; landing stats from one statement, cached 300 s, excluding
 * deactivated (and unverified) users and deleted analyses, never invented on a database failure.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../../src/db/schema.js';
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
import { completeAnalysis, createAnalysis } from '../content/helpers.js';

let t: TestApp;
let admin: TestUser;
let editor: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  admin = await loginAdmin(t);
  editor = await userWithPermissions(t, ['manage_site_content']);
});
afterAll(async () => {
  await t.close();
});

/** A 1×1 PNG. */
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

const partner = (overrides: Record<string, unknown> = {}) => ({
  name: 'Syrian Startups',
  name_ar: 'الشركات الناشئة السورية',
  logo_url: 'https://cdn.example.com/logo.png',
  ...overrides,
});
const social = (overrides: Record<string, unknown> = {}) => ({ platform: 'LinkedIn', url: 'https://www.linkedin.com/company/planlyze', icon: 'Linkedin', ...overrides });

describe('partners', () => {
  it('admin CRUD: 201 with defaults, strict bodies, update, delete → {id}, audited', async () => {
    const created = await t.request('POST', '/api/partners', { token: editor.token, body: partner({ display_order: 2 }) });
    expect(created.status, created.text).toBe(201);
    expect(created.body.data).toMatchObject({ name: 'Syrian Startups', color: '6B46C1', display_order: 2, is_active: true, website_url: null });
    const id = created.body.data.id;
    const updated = await t.request('PUT', `/api/partners/${id}`, { token: editor.token, body: { color: 'ff0000', website_url: 'https://startups.example.org' } });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({ color: 'ff0000', website_url: 'https://startups.example.org', name: 'Syrian Startups' });
    // Mass assignment is refused: every unknown key is named.
    const sneaky = await t.request('PUT', `/api/partners/${id}`, { token: editor.token, body: { name: 'X', id: crypto.randomUUID(), created_at: 'x' } });
    expectErrorEnvelope(sneaky, 400, 'VALIDATION_ERROR');
    expect(issuePaths(sneaky)).toEqual(expect.arrayContaining(['id', 'created_at']));
    const removed = await t.request('DELETE', `/api/partners/${id}`, { token: editor.token });
    expect(removed.body.data).toEqual({ id });
    expectErrorEnvelope(await t.request('DELETE', `/api/partners/${id}`, { token: editor.token }), 404, 'NOT_FOUND');
    expectErrorEnvelope(await t.request('PUT', `/api/partners/${id}`, { token: editor.token, body: { name: 'Y' } }), 404, 'NOT_FOUND');
    const { rows } = await t.db.execute<{ action: string }>(sql`SELECT action FROM audit_logs WHERE entity_type = 'partner' AND entity_id = ${id} ORDER BY created_at`);
    expect(rows.map((r) => r.action)).toEqual(['partner.create', 'partner.update', 'partner.delete']);
  });

  it('logos: https or a PNG/JPEG/WebP data URL ≤ 32 KiB; SVG, http, private hosts and bad colours are refused', async () => {
    expect((await t.request('POST', '/api/partners', { token: editor.token, body: partner({ logo_url: PNG }) })).status).toBe(201);
    const refused: [Record<string, unknown>, string][] = [
      [partner({ logo_url: 'data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=' }), 'logo_url'],
      [partner({ logo_url: 'http://cdn.example.com/logo.png' }), 'logo_url'],
      [partner({ logo_url: 'https://127.0.0.1/logo.png' }), 'logo_url'],
      [partner({ logo_url: `data:image/png;base64,iVBORw0KGgo${'A'.repeat(44_000)}` }), 'logo_url'],
      [partner({ website_url: 'javascript:alert(1)' }), 'website_url'],
      [partner({ color: '#ff0000' }), 'color'],
      [partner({ name: '' }), 'name'],
    ];
    for (const [body, field] of refused) {
      const res = await t.request('POST', '/api/partners', { token: editor.token, body });
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(issuePaths(res), field).toContain(field);
    }
  });
});

describe('social links', () => {
  it('admin CRUD with checked url, icon and hover_color', async () => {
    const created = await t.request('POST', '/api/social-media', { token: editor.token, body: social() });
    expect(created.status).toBe(201);
    expect(created.body.data.hover_color).toBe('hover:bg-orange-500 hover:border-orange-500');
    const id = created.body.data.id;
    const refused: [Record<string, unknown>, string][] = [
      [{ url: 'http://twitter.com/planlyze' }, 'url'],
      [{ icon: 'bad icon!' }, 'icon'],
      [{ hover_color: '" onmouseover="alert(1)' }, 'hover_color'],
      [{ hover_color: 'hover:bg-<b>' }, 'hover_color'],
    ];
    for (const [body, field] of refused) {
      const res = await t.request('PUT', `/api/social-media/${id}`, { token: editor.token, body });
      expect(issuePaths(res), field).toContain(field);
    }
    const ok = await t.request('PUT', `/api/social-media/${id}`, { token: editor.token, body: { hover_color: 'hover:bg-[#0077b5] hover:text-white' } });
    expect(ok.body.data.hover_color).toBe('hover:bg-[#0077b5] hover:text-white');
    expect((await t.request('DELETE', `/api/social-media/${id}`, { token: editor.token })).body.data).toEqual({ id });
  });
});

describe.each([
  ['partners', '/api/partners', partner, 'name'],
  ['social links', '/api/social-media', social, 'platform'],
] as const)('public reads of %s', (_name, path, make, label) => {
  it('active rows only, by display_order then name; ETag/304; admin writes invalidate at once', async () => {
    const a = (await t.request('POST', path, { token: editor.token, body: make({ [label]: 'Zeta', display_order: -10 }) })).body.data;
    const b = (await t.request('POST', path, { token: editor.token, body: make({ [label]: 'Alpha', display_order: -10 }) })).body.data;
    const hidden = (await t.request('POST', path, { token: editor.token, body: make({ [label]: 'Hidden', display_order: -20, is_active: false }) })).body.data;

    const first = await t.request('GET', path);
    expect(first.status).toBe(200);
    const ids = first.body.data.map((r: any) => r.id);
    expect(ids.slice(0, 2)).toEqual([b.id, a.id]);
    expect(ids).not.toContain(hidden.id);
    expect(first.headers.get('cache-control')).toBe('public, max-age=60');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"[0-9a-f]{32}"$/);
    const cached = await t.request('GET', path, { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    expect(cached.cost.roundTrips).toBe(0);

    expect((await t.request('PUT', `${path}/${a.id}`, { token: editor.token, body: { display_order: -30 } })).status).toBe(200);
    const after = await t.request('GET', path, { headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    expect(after.body.data[0].id).toBe(a.id);

    const all = await t.request('GET', `${path}?include_inactive=true`, { token: editor.token });
    expect(all.headers.get('cache-control')).toBe('private, no-store');
    expect(all.body.data.map((r: any) => r.id)).toContain(hidden.id);
  });

  it('public reads need no sign-in; include_inactive and writes need manage_site_content', async () => {
    const plain = await registerUser(t);
    expect((await t.request('GET', path)).status).toBe(200);
    expectErrorEnvelope(await t.request('GET', `${path}?include_inactive=true`), 401, 'AUTHENTICATION_ERROR');
    expectErrorEnvelope(await t.request('GET', `${path}?include_inactive=true`, { token: plain.token }), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(await t.request('POST', path, { token: plain.token, body: make() }), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(await t.request('DELETE', `${path}/${crypto.randomUUID()}`, { token: plain.token }), 403, 'AUTHORIZATION_ERROR');
  });
});

describe('landing statistics', () => {
  /** Fresh stats: the in-isolate cache is dropped by changing the setting (what an admin does). */
  async function freshStats(apps = 350) {
    expect((await t.request('PUT', '/api/system-settings/syrian_apps_count', { token: admin.token, body: { value: apps } })).status).toBe(200);
    const res = await t.request('GET', '/api/landing-stats');
    expect(res.status, res.text).toBe(200);
    return res;
  }

  it('counts active users and completed, non-deleted analyses, in one statement, with the setting', async () => {
    const before = (await freshStats(351)).body.data;
    expect(before.syrian_apps_count).toBe(351);

    const author = await registerUser(t);
    const gone = await registerUser(t);
    await t.db.execute(sql`UPDATE users SET is_active = false WHERE id = ${gone.id}`);
    // Once email verification exists (SPEC-WAVE2 §11.6), only verified users count: verify both.
    if ('emailVerifiedAt' in users) await t.db.execute(sql`UPDATE users SET email_verified_at = now() WHERE id IN (${author.id}, ${gone.id})`);
    const done = await createAnalysis(t, author);
    await completeAnalysis(t, done.id);
    const deleted = await createAnalysis(t, author);
    await completeAnalysis(t, deleted.id);
    await t.db.execute(sql`UPDATE analyses SET deleted_at = now() WHERE id = ${deleted.id}`);
    await createAnalysis(t, author); // pending: not a report

    const res = await freshStats(352);
    expect(res.body.data).toEqual({ users_count: before.users_count + 1, reports_count: before.reports_count + 1, syrian_apps_count: 352 });
    expect(res.cost).toEqual({ roundTrips: 1, statements: 1 });
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    const again = await t.request('GET', '/api/landing-stats', { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect(again.cost.roundTrips).toBe(0);
  });

  it.runIf('emailVerifiedAt' in users)('excludes users whose email is not verified', async () => {
    const before = (await freshStats()).body.data.users_count;
    const user = await registerUser(t);
    await t.db.execute(sql`UPDATE users SET email_verified_at = NULL WHERE id = ${user.id}`);
    expect((await freshStats()).body.data.users_count).toBe(before);
    await t.db.execute(sql`UPDATE users SET email_verified_at = now() WHERE id = ${user.id}`);
    expect((await freshStats()).body.data.users_count).toBe(before + 1);
  });

  it('is cached: a new report does not show until the cache is invalidated (or 300 s pass)', async () => {
    const shown = (await freshStats()).body.data.reports_count;
    const author = await registerUser(t);
    const analysis = await createAnalysis(t, author);
    await completeAnalysis(t, analysis.id);
    const cached = await t.request('GET', '/api/landing-stats');
    expect(cached.body.data.reports_count).toBe(shown);
    expect(cached.cost.roundTrips).toBe(0);
  });

  it('a database failure is a 503, never made-up numbers', async () => {
    await t.request('PUT', '/api/system-settings/syrian_apps_count', { token: admin.token, body: { value: 353 } });
    t.database.endpoint.setFault(() => ({ type: 'status', status: 500 }));
    try {
      const res = await t.request('GET', '/api/landing-stats');
      expectErrorEnvelope(res, 503, 'SERVICE_UNAVAILABLE');
      expect(res.body.data).toBeUndefined();
    } finally {
      t.database.endpoint.setFault(null);
    }
  });

  it('syrian_apps_count is a typed setting 0..100000', async () => {
    for (const value of [-1, 100001, 'many']) {
      const res = await t.request('PUT', '/api/system-settings/syrian_apps_count', { token: admin.token, body: { value } });
      expect(issuePaths(res)).toEqual(['value']);
    }
  });
});
