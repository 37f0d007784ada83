// Issue 15 §2: the competitor catalog. Reads need view_settings, writes manage_settings; name + country
// unique case-insensitively (409); CSV import all or nothing, upserting by name + country.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src/services/competitor-csv.js';
import { createTestApp, expectErrorEnvelope, issuePaths, loginAdmin, registerUser, userWithPermissions, type TestApp, type TestUser } from '../../support/harness.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  admin = await loginAdmin(t);
});
afterAll(() => t.close());

const post = (body: unknown, token = admin.token) => t.request('POST', '/api/competitors', { token, body });
const importCsv = (csv: string, token = admin.token) => t.request('POST', '/api/competitors/import', { token, body: { csv } });

describe('CRUD', () => {
  it('creates (201, country upper-cased), reads, updates, lists with filters, deletes; audited', async () => {
    const created = await post({ name: 'Talabat', country: 'sy', industries: ['Food', 'Delivery'], website_url: 'https://talabat.example', description: 'Delivery app' });
    expect(created.status, created.text).toBe(201);
    const c = created.body.data;
    expect(c).toMatchObject({ name: 'Talabat', country: 'SY', industries: ['Food', 'Delivery'], website_url: 'https://talabat.example', android_url: null, is_active: true });
    expect((await t.request('GET', `/api/competitors/${c.id}`, { token: admin.token })).body.data).toEqual(c);

    const updated = await t.request('PUT', `/api/competitors/${c.id}`, { token: admin.token, body: { is_active: false, ios_url: 'https://apps.example/talabat' } });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({ is_active: false, ios_url: 'https://apps.example/talabat', website_url: 'https://talabat.example' });

    await post({ name: 'Karim Taxi', country: 'JO', industries: ['Transport'] });
    const bySy = await t.request('GET', '/api/competitors?country=sy&industry=food', { token: admin.token });
    expect(bySy.body.data.map((x: { name: string }) => x.name)).toEqual(['Talabat']);
    const active = await t.request('GET', '/api/competitors?is_active=true&q=kar', { token: admin.token });
    expect(active.body.data.map((x: { name: string }) => x.name)).toEqual(['Karim Taxi']);

    expect((await t.request('DELETE', `/api/competitors/${c.id}`, { token: admin.token })).body.data).toEqual({ id: c.id });
    expectErrorEnvelope(await t.request('GET', `/api/competitors/${c.id}`, { token: admin.token }), 404, 'NOT_FOUND');
    expectErrorEnvelope(await t.request('DELETE', `/api/competitors/${c.id}`, { token: admin.token }), 404, 'NOT_FOUND');
    const audits = await t.db.execute<{ action: string }>(sql`SELECT action FROM audit_logs WHERE entity_type = 'competitor' AND entity_id = ${c.id} ORDER BY created_at`);
    expect(audits.rows.map((r) => r.action)).toEqual(['competitor.create', 'competitor.update', 'competitor.delete']);
  });

  it('name + country is unique case-insensitively (409 CONFLICT); the same name in another country is fine', async () => {
    expect((await post({ name: 'Bee Order', country: 'SY' })).status).toBe(201);
    expectErrorEnvelope(await post({ name: 'bee order', country: 'sy' }), 409, 'CONFLICT');
    expect((await post({ name: 'Bee Order', country: 'LB' })).status).toBe(201);
    expect((await post({ name: 'Bee Order' })).status).toBe(201); // regional (no country)
    expectErrorEnvelope(await post({ name: 'BEE ORDER' }), 409, 'CONFLICT');
  });

  it('bad fields are a 400 naming them; unknown fields refused', async () => {
    const res = await post({ name: '', country: 'Syria', website_url: 'javascript:alert(1)', industries: 'Food', owner: 'x' });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toEqual(expect.arrayContaining(['name', 'country', 'website_url', 'industries']));
  });

  it('permissions: reads need view_settings, writes manage_settings', async () => {
    const user = await registerUser(t);
    expectErrorEnvelope(await t.request('GET', '/api/competitors', { token: user.token }), 403, 'AUTHORIZATION_ERROR');
    const viewer = await userWithPermissions(t, ['view_settings']);
    expect((await t.request('GET', '/api/competitors', { token: viewer.token })).status).toBe(200);
    expectErrorEnvelope(await post({ name: 'Nope' }, viewer.token), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(await importCsv('name\nNope', viewer.token), 403, 'AUTHORIZATION_ERROR');
  });
});

describe('CSV import', () => {
  it('parses RFC 4180: quotes, doubled quotes, commas and new lines inside quotes, CRLF, a BOM', () => {
    expect(parseCsv('\ufeffname,description\r\n"A, Inc.","says ""hi""\nthere"\r\nB,\n')).toEqual([
      ['name', 'description'],
      ['A, Inc.', 'says "hi"\nthere'],
      ['B', ''],
    ]);
  });

  it('inserts new rows and updates existing ones (same name and country) in one statement', async () => {
    expect((await post({ name: 'Souq Sham', country: 'SY', description: 'old' })).status).toBe(201);
    const csv = [
      'name,country,industries,description,website_url,android_url,ios_url,is_active',
      'souq sham,SY,E-commerce;Retail,"Marketplace, Damascus",https://souqsham.example,,,true',
      'Kifak,LB,Food,,https://kifak.example,https://play.example/kifak,,',
      'Old App,SY,,,,,,false',
    ].join('\n');
    const res = await importCsv(csv);
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toEqual({ created: 2, updated: 1, total: 3 });
    const list = await t.request('GET', '/api/competitors?q=souq', { token: admin.token });
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({ name: 'souq sham', industries: ['E-commerce', 'Retail'], description: 'Marketplace, Damascus', website_url: 'https://souqsham.example' });
    const old = await t.request('GET', '/api/competitors?q=Old%20App', { token: admin.token });
    expect(old.body.data[0].is_active).toBe(false);
  });

  it('all or nothing: a bad row is a 400 naming rows.<n>.<field>, and nothing is written', async () => {
    const before = (await t.request('GET', '/api/competitors?per_page=1', { token: admin.token })).body.pagination.total;
    const csv = ['name,country,website_url', 'Good One,SY,https://good.example', 'Bad One,Syria,ftp://bad.example', 'Good One,sy,'].join('\n');
    const res = await importCsv(csv);
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toEqual(['rows.2.country', 'rows.2.website_url', 'rows.3.name']);
    expect((await t.request('GET', '/api/competitors?per_page=1', { token: admin.token })).body.pagination.total).toBe(before);
    for (const [bad, message] of [['website,name\nx,y', 'unknown column'], ['country\nSY', 'name column'], ['name', 'no data rows'], ['name\n"unterminated', 'unterminated']]) {
      const r = await importCsv(bad!);
      expectErrorEnvelope(r, 400, 'VALIDATION_ERROR');
      expect(r.body.details.issues[0].message).toContain(message);
    }
  });
});
