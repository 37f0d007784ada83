/**
 * SPEC §10 "Round trips": every authenticated read ≤ 2 and every write ≤ 2 database round trips in
 * total (the auth lookup included); the public share view ≤ 2 without auth. Each content route is
 * measured once on its success path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, registerUser, userWithPermissions, type TestApp, type TestUser } from '../../support/harness.js';
import { completeAnalysis, createAnalysis } from './helpers.js';

let t: TestApp;
let user: TestUser;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  user = await registerUser(t);
  admin = await userWithPermissions(t, [
    'view_analyses',
    'manage_analyses',
    'view_notifications',
    'manage_notifications',
    'view_email_templates',
    'manage_email_templates',
  ]);
});
afterAll(async () => {
  await t.close();
});

async function measure(method: string, path: string, token: string | undefined, body?: unknown) {
  let status = 0;
  let data: any;
  const trips = await t.countRoundTrips(async () => {
    const res = await t.request(method, path, { ...(token ? { token } : {}), body });
    status = res.status;
    data = res.body?.data;
  });
  expect(status, `${method} ${path}`).toBeLessThan(300);
  return { trips, data };
}

describe('database round trips per content route', () => {
  it('stays within 2 on every route', async () => {
    const table: Record<string, number> = {};
    const run = async (label: string, method: string, path: string, token: string | undefined, body?: unknown) => {
      const { trips, data } = await measure(method, path, token, body);
      table[label] = trips;
      return data;
    };

    const a = await run('POST /analyses', 'POST', '/api/analyses', user.token, { business_idea: 'A bakery delivering fresh bread at dawn.', report_language: 'en' });
    await run('GET /analyses', 'GET', '/api/analyses?q=bakery&status=pending', user.token);
    await run('GET /analyses/all', 'GET', '/api/analyses/all', admin.token);
    await run('GET /analyses/:id', 'GET', `/api/analyses/${a.id}`, user.token);
    await run('PUT /analyses/:id', 'PUT', `/api/analyses/${a.id}`, user.token, { location: 'Homs' });
    await completeAnalysis(t, a.id);

    const s = await run('POST /report-shares', 'POST', '/api/report-shares', user.token, { analysis_id: a.id });
    await run('GET /report-shares', 'GET', '/api/report-shares', user.token);
    await run('GET /report-shares/public/:token (first view, notifies)', 'GET', `/api/report-shares/public/${s.token}`, undefined);
    await run('GET /report-shares/public/:token (later view)', 'GET', `/api/report-shares/public/${s.token}`, undefined);
    await run('PUT /report-shares/:id', 'PUT', `/api/report-shares/${s.id}`, user.token, { is_active: true });
    await run('DELETE /report-shares/:id', 'DELETE', `/api/report-shares/${s.id}`, user.token);

    const n = await run('POST /notifications (one user)', 'POST', '/api/notifications', admin.token, { user_id: user.id, type: 'announcement', title: 't', message: 'm' });
    await run('POST /notifications (broadcast)', 'POST', '/api/notifications', admin.token, { broadcast: true, type: 'announcement', title: 't', message: 'm' });
    await run('GET /notifications', 'GET', '/api/notifications?unread=true', user.token);
    await run('GET /notifications?user_id=', 'GET', `/api/notifications?user_id=${user.id}`, admin.token);
    await run('POST /notifications/:id/read', 'POST', `/api/notifications/${n.id}/read`, user.token);
    await run('POST /notifications/mark-all-read', 'POST', '/api/notifications/mark-all-read', user.token);
    await run('DELETE /notifications/:id', 'DELETE', `/api/notifications/${n.id}`, user.token);

    await run('GET /activity-feed', 'GET', '/api/activity-feed', user.token);

    const conv = await run('POST /chat-conversations', 'POST', '/api/chat-conversations', user.token, { analysis_id: a.id });
    await run('GET /chat-conversations', 'GET', '/api/chat-conversations', user.token);
    await run('GET /chat-conversations/:id', 'GET', `/api/chat-conversations/${conv.id}`, user.token);
    await run('PUT /chat-conversations/:id', 'PUT', `/api/chat-conversations/${conv.id}`, user.token, { title: 'x' });
    await run('DELETE /chat-conversations/:id', 'DELETE', `/api/chat-conversations/${conv.id}`, user.token);

    const tpl = await run('POST /email-templates', 'POST', '/api/email-templates', admin.token, {
      template_key: 'rt_probe', name: 'n', subject_en: 's', subject_ar: 's', body_en: '{{x}}', body_ar: '{{x}}',
    });
    await run('GET /email-templates', 'GET', '/api/email-templates', admin.token);
    await run('GET /email-templates/:id', 'GET', `/api/email-templates/${tpl.id}`, admin.token);
    await run('PUT /email-templates/:id', 'PUT', `/api/email-templates/${tpl.id}`, admin.token, { name: 'm' });
    await run('POST /email-templates/:id/preview', 'POST', `/api/email-templates/${tpl.id}/preview`, admin.token, { language: 'en', variables: { x: 1 } });
    await run('DELETE /email-templates/:id', 'DELETE', `/api/email-templates/${tpl.id}`, admin.token);

    await run('DELETE /analyses/:id', 'DELETE', `/api/analyses/${a.id}`, user.token);
    const other = await createAnalysis(t, user);
    await run('DELETE /analyses/:id (admin, audited)', 'DELETE', `/api/analyses/${other.id}`, admin.token);

    const over = Object.entries(table).filter(([, trips]) => trips > 2);
    expect(over).toEqual([]);
    expect(table['GET /report-shares/public/:token (later view)']).toBe(1);
    if (process.env.PRINT_ROUND_TRIPS) console.table(table);
  });
});
