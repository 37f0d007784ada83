/**
 * SPEC-WAVE2 §11.4, the events of §13–§14 that queue mail in the batch of the event itself: a contact
 * message (admin_contact_message, not for spam), an NGO application (admin_ngo_request), its review
 * (ngo_request_reviewed to the applicant), a voucher redemption (ngo_report_linked to the NGO), and a
 * rating (admin_new_rating). Admin alerts go to the permission's holders and ADMIN_ALERT_EMAIL.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeAnalysis, createAnalysis } from '../api/content/helpers.js';
import { createTestApp, loginAdmin, registerUser, type TestApp, type TestUser } from '../support/harness.js';
import { inOneBucket } from './alert-bucket.js';

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await createTestApp({ ADMIN_ALERT_EMAIL: 'ops@planlyze.test' });
  admin = await loginAdmin(t);
});
afterAll(() => t.close());

const mails = async (template: string) =>
  (await t.db.execute<{ to_address: string; user_id: string | null; variables: Record<string, unknown> }>(
    sql`SELECT to_address, user_id, variables FROM email_outbox WHERE template_key = ${template} ORDER BY created_at`,
  )).rows;

describe('mails of the programme and support events', () => {
  it('a contact message alerts the inbox readers and ADMIN_ALERT_EMAIL; spam alerts nobody', async () => {
    const spam = await t.request('POST', '/api/contact', { body: { name: 'Bot', email: 'bot@example.test', message: 'Buy now at my shop!!!', website: 'x' } });
    expect(spam.status).toBe(200);
    expect(await mails('admin_contact_message')).toHaveLength(0);
    const res = await t.request('POST', '/api/contact', { body: { name: 'Rana', email: 'rana@example.test', subject: 'Pricing', message: 'How do I pay in Syrian pounds?' } });
    expect(res.status).toBe(200);
    const sent = await mails('admin_contact_message');
    expect(sent.map((m) => m.to_address).sort()).toEqual([admin.email, 'ops@planlyze.test'].sort());
    expect(sent[0]!.variables).toMatchObject({ sender_name: 'Rana', subject: 'Pricing' });
  });

  it('an NGO application alerts reviewers; its approval mails the applicant; a redemption mails the NGO', async () => {
    const applicant = await registerUser(t);
    const request = await t.request('POST', '/api/ngo/requests', {
      token: applicant.token,
      body: { organization_name: 'Aleppo Relief', organization_type: 'charity', contact_name: 'Huda', contact_email: 'huda@relief.example', contact_phone: '+963 21 555' },
    });
    expect(request.status, request.text).toBe(201);
    expect((await mails('admin_ngo_request')).map((m) => m.variables.organization)).toContain('Aleppo Relief');

    expect((await t.request('POST', `/api/ngo/requests/${request.body.data.id}/approve`, { token: admin.token, body: {} })).status).toBe(200);
    const reviewed = await mails('ngo_request_reviewed');
    expect(reviewed.map((m) => m.user_id)).toEqual([applicant.id]);

    const voucher = await t.request('POST', '/api/ngo/vouchers', { token: applicant.token, body: { name: 'Spring cohort' } });
    expect(voucher.status, voucher.text).toBe(201);
    const founder = await registerUser(t);
    expect((await t.request('PUT', '/api/auth/me', { token: founder.token, body: { full_name: 'Omar', phone_number: '+963 11 222' } })).status).toBe(200);
    const analysis = await createAnalysis(t, founder);
    const redeemed = await t.request('POST', `/api/analyses/${analysis.id}/redeem-voucher`, {
      token: founder.token,
      body: { code: voucher.body.data.code, ngo_consent: true },
    });
    expect(redeemed.status, redeemed.text).toBe(200);
    const linked = await mails('ngo_report_linked');
    expect(linked.map((m) => m.user_id)).toEqual([applicant.id]);
    expect(String(linked[0]!.variables.idea)).toContain('home cooks');
  });

  it('a rating alerts holders of view_analyses, once per 15-minute bucket', async () => {
    const owner = await registerUser(t);
    const analyses = [await createAnalysis(t, owner), await createAnalysis(t, owner)];
    for (const analysis of analyses) await completeAnalysis(t, analysis.id);
    // Both ratings in one mail bucket (across a boundary each recipient would be mailed twice).
    await inOneBucket(async () => {
      for (const [i, analysis] of analyses.entries()) {
        const rated = await t.request('PUT', `/api/analyses/${analysis.id}`, { token: owner.token, body: { user_rating: 4 + i } });
        expect(rated.status, rated.text).toBe(200);
      }
    });
    const alerts = await mails('admin_new_rating');
    expect(alerts.map((m) => m.to_address).sort()).toEqual([admin.email, 'ops@planlyze.test'].sort());
    expect(alerts[0]!.variables).toMatchObject({ rating: 4 });
  });
});
