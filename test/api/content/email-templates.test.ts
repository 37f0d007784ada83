import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { escapeHtml, renderTemplate } from '../../../src/services/email-render.js';
import {
  createTestApp,
  expectErrorEnvelope,
  issuePaths,
  userWithPermissions,
  type TestApp,
  type TestUser,
} from '../../support/harness.js';

let t: TestApp;
let viewer: TestUser;
let manager: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  viewer = await userWithPermissions(t, ['view_email_templates']);
  manager = await userWithPermissions(t, ['view_email_templates', 'manage_email_templates']);
});
afterAll(async () => {
  await t.close();
});

const NEW_TEMPLATE = {
  template_key: 'weekly_digest',
  name: 'Weekly digest',
  subject_en: 'Your week, {{name}}',
  subject_ar: 'أسبوعك يا {{name}}',
  body_en: '<p>Hello {{name}}, you have {{count}} new reports.</p>',
  body_ar: '<p>مرحباً {{name}}، لديك {{count}} تقارير جديدة.</p>',
};

async function templateByKey(key: string) {
  const res = await t.request('GET', '/api/email-templates?per_page=100', { token: viewer.token });
  return res.body.data.find((x: any) => x.template_key === key);
}

async function preview(id: string, body: Record<string, unknown>) {
  return t.request('POST', `/api/email-templates/${id}/preview`, { token: manager.token, body });
}

describe('reading templates (view_email_templates)', () => {
  it('lists the seeded product templates with their placeholders', async () => {
    const res = await t.request('GET', '/api/email-templates?sort=template_key&order=asc', { token: viewer.token });
    expect(res.status).toBe(200);
    const keys = res.body.data.map((x: any) => x.template_key);
    expect(keys).toEqual(expect.arrayContaining(['analysis_completed', 'payment_approved', 'payment_rejected', 'referral_reward']));
    expect([...keys].sort()).toEqual(keys);
    const approved = res.body.data.find((x: any) => x.template_key === 'payment_approved');
    expect(approved.variables).toEqual(['name', 'amount_usd', 'credits']);
    expect(approved.body_ar).toMatch(/مرحباً/);
    const one = await t.request('GET', `/api/email-templates/${approved.id}`, { token: viewer.token });
    expect(one.body.data.id).toBe(approved.id);
    expectErrorEnvelope(await t.request('GET', '/api/email-templates/00000000-0000-4000-8000-000000000000', { token: viewer.token }), 404, 'NOT_FOUND');
    expect(issuePaths(await t.request('GET', '/api/email-templates/abc', { token: viewer.token }))).toEqual(['id']);
  });

  it('refuses users without the permission (403), and writes for view-only users', async () => {
    const plain = await userWithPermissions(t, []);
    expectErrorEnvelope(await t.request('GET', '/api/email-templates', { token: plain.token }), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(await t.request('POST', '/api/email-templates', { token: viewer.token, body: NEW_TEMPLATE }), 403, 'AUTHORIZATION_ERROR');
    const approved = await templateByKey('payment_approved');
    const previewByViewer = await t.request('POST', `/api/email-templates/${approved.id}/preview`, { token: viewer.token, body: { language: 'en' } });
    expectErrorEnvelope(previewByViewer, 403, 'AUTHORIZATION_ERROR');
  });
});

describe('writing templates (manage_email_templates)', () => {
  it('creates (201), refuses a duplicate key (409 CONFLICT) and a malformed one (400), audited', async () => {
    const res = await t.request('POST', '/api/email-templates', { token: manager.token, body: NEW_TEMPLATE });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ template_key: 'weekly_digest', is_active: true, description: null, variables: ['name', 'count'] });
    expectErrorEnvelope(await t.request('POST', '/api/email-templates', { token: manager.token, body: NEW_TEMPLATE }), 409, 'CONFLICT');
    const bad = await t.request('POST', '/api/email-templates', { token: manager.token, body: { ...NEW_TEMPLATE, template_key: 'Bad Key!' } });
    expect(issuePaths(bad)).toEqual(['template_key']);
    const logs = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'email_template.create' AND entity_id = ${res.body.data.id}`);
    expect(logs.rows[0]?.n).toBe(1);
  });

  it('edits everything but the key, auditing only the fields that changed', async () => {
    const created = (await t.request('POST', '/api/email-templates', { token: manager.token, body: { ...NEW_TEMPLATE, template_key: 'edit_me' } })).body.data;
    const res = await t.request('PUT', `/api/email-templates/${created.id}`, {
      token: manager.token,
      body: { name: 'Renamed', subject_en: NEW_TEMPLATE.subject_en, is_active: false },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ name: 'Renamed', is_active: false, template_key: 'edit_me' });
    const log = await t.db.execute<{ changes: any }>(sql`SELECT changes FROM audit_logs WHERE action = 'email_template.update' AND entity_id = ${created.id}`);
    expect(log.rows[0]?.changes).toEqual({ before: { name: 'Weekly digest', is_active: true }, after: { name: 'Renamed', is_active: false } });

    const key = await t.request('PUT', `/api/email-templates/${created.id}`, { token: manager.token, body: { template_key: 'other' } });
    expectErrorEnvelope(key, 400, 'VALIDATION_ERROR');
    expect(issuePaths(key)).toEqual(['template_key']);
    expectErrorEnvelope(await t.request('PUT', '/api/email-templates/00000000-0000-4000-8000-000000000000', { token: manager.token, body: { name: 'x' } }), 404, 'NOT_FOUND');
    const nothing = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_logs WHERE entity_id = '00000000-0000-4000-8000-000000000000'`);
    expect(nothing.rows[0]?.n).toBe(0);
  });

  it('deletes a custom template, never one the product sends (409)', async () => {
    const created = (await t.request('POST', '/api/email-templates', { token: manager.token, body: { ...NEW_TEMPLATE, template_key: 'delete_me' } })).body.data;
    const res = await t.request('DELETE', `/api/email-templates/${created.id}`, { token: manager.token });
    expect(res.body.data).toEqual({ id: created.id });
    expectErrorEnvelope(await t.request('DELETE', `/api/email-templates/${created.id}`, { token: manager.token }), 404, 'NOT_FOUND');
    const log = await t.db.execute<{ changes: any }>(sql`SELECT changes FROM audit_logs WHERE action = 'email_template.delete' AND entity_id = ${created.id}`);
    expect(log.rows).toEqual([{ changes: { before: { template_key: 'delete_me', name: 'Weekly digest' }, after: {} } }]);

    const builtin = await templateByKey('payment_rejected');
    expectErrorEnvelope(await t.request('DELETE', `/api/email-templates/${builtin.id}`, { token: manager.token }), 409, 'CONFLICT');
    expect(await templateByKey('payment_rejected')).toBeDefined();
  });
});

describe('POST /api/email-templates/:id/preview', () => {
  it('HTML-escapes every value, so a <script> variable renders as text', async () => {
    const approved = await templateByKey('payment_approved');
    const res = await preview(approved.id, {
      language: 'en',
      variables: { name: '<script>alert("x")</script>', amount_usd: 9.99, credits: 5 },
    });
    expect(res.status).toBe(200);
    const p = res.body.data;
    expect(p.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(p.body).not.toContain('<script>');
    expect(p.body).toContain('$9.99');
    expect(p.errors).toEqual([]);
    expect(p.subject).toBe('Your payment was approved');
  });

  it('leaves unknown variables visible and reports them; renders Arabic', async () => {
    const approved = await templateByKey('payment_approved');
    const res = await preview(approved.id, { language: 'ar', variables: { name: 'لينا', colour: 'blue' } });
    const p = res.body.data;
    expect(p.language).toBe('ar');
    expect(p.body).toContain('مرحباً لينا');
    expect(p.body).toContain('{{amount_usd}}');
    expect(p.body).toContain('{{credits}}');
    expect(p.errors.map((e: any) => [e.variable, e.code])).toEqual([
      ['amount_usd', 'missing_variable'],
      ['credits', 'missing_variable'],
    ]);
    expect(p.unused_variables).toEqual(['colour']);
    const none = await preview(approved.id, { language: 'en' });
    expect(none.body.data.errors).toHaveLength(3);
  });

  it('validates the body and the template id', async () => {
    const approved = await templateByKey('payment_approved');
    expect(issuePaths(await preview(approved.id, { variables: { name: 'x' } }))).toEqual(['language']);
    expect(issuePaths(await preview(approved.id, { language: 'fr' }))).toEqual(['language']);
    expect(issuePaths(await preview(approved.id, { language: 'en', variables: { name: { nested: true } } }))).toEqual(['variables.name']);
    expect(issuePaths(await preview(approved.id, { language: 'en', variables: { 'bad key': 'x' } }))).toEqual(['variables.bad key']);
    expectErrorEnvelope(await preview('00000000-0000-4000-8000-000000000000', { language: 'en' }), 404, 'NOT_FOUND');
  });
});

describe('renderTemplate', () => {
  it('escapes & < > " \' and `, in one pass, and never reads inherited properties', () => {
    expect(escapeHtml(`&<>"'\``)).toBe('&amp;&lt;&gt;&quot;&#39;&#96;');
    const r = renderTemplate('{{a}} {{ b }} {{constructor}} {{toString}}', { a: '{{b}}', b: null });
    expect(r.text).toBe('{{b}}  {{constructor}} {{toString}}');
    expect(r.missing).toEqual(['constructor', 'toString']);
    expect(renderTemplate('<a href="{{url}}">', { url: '" onmouseover="x' }).text).toBe('<a href="&quot; onmouseover=&quot;x">');
  });
});
