/**
 * The outbox end to end with the fake provider (SPEC-WAVE2 §11.2–§11.5, §11.9; §11.12 "Atomic enqueue",
 * "Both runtimes" (Node), "Preferences", "Rendering", "Outbox admin").
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { dispatchOutbox } from '../../src/email/dispatch.js';
import { settleDispatches, startOutboxInterval } from '../../src/email/delivery.js';
import { enqueueUserMail } from '../../src/email/outbox.js';
import {
  createTestApp,
  expectErrorEnvelope,
  loginAdmin,
  registerUnverifiedUser,
  registerUser,
  userWithPermissions,
  type TestApp,
  type TestUser,
} from '../support/harness.js';
import { seededCatalog, submitPayment } from '../api/economy/helpers.js';
import { emailEnv, startFakeZeptomail, type FakeZeptomail } from './fake-zeptomail.js';

let t: TestApp;
let fake: FakeZeptomail;
let admin: TestUser;

beforeAll(async () => {
  fake = await startFakeZeptomail();
  t = await createTestApp(emailEnv(fake));
  admin = await loginAdmin(t);
});
afterAll(async () => {
  await settleDispatches();
  await t.close();
  await fake.close();
});
beforeEach(async () => {
  await settleDispatches();
  fake.clear();
});

const mailsTo = (address: string) => fake.requests.filter((r) => r.body.to?.[0]?.email_address?.address === address);

describe('delivery after the response (Node)', () => {
  it('a request that queues mail answers first; the mail leaves on the next turn of the event loop', async () => {
    const res = await t.request('POST', '/api/auth/register', { body: { email: `after.${Date.now()}@example.test`, password: 'Password-1' } });
    expect(res.status).toBe(201);
    expect(fake.requests).toHaveLength(0);
    const row = await t.db.execute<any>(sql`SELECT status FROM email_outbox WHERE user_id = ${res.body.data.user.id}`);
    expect(['pending', 'sending']).toContain(row.rows[0].status);
    await settleDispatches();
    expect(mailsTo(res.body.data.user.email)).toHaveLength(1);
    const sent = await t.db.execute<any>(sql`SELECT status FROM email_outbox WHERE user_id = ${res.body.data.user.id}`);
    expect(sent.rows[0].status).toBe('sent');
  });

  it('the Node interval drains due rows', async () => {
    const user = await registerUser(t);
    await settleDispatches();
    fake.clear();
    const id = crypto.randomUUID();
    await t.db.batch([enqueueUserMail(t.db, t.config, { id, eventKey: `credits_added:${id}`, template: 'credits_added', userId: user.id, variables: { credits: 1, balance: 4 } })]);
    const interval = startOutboxInterval(t.db, parseConfig({ ...t.env, EMAIL_DISPATCH_INTERVAL_MS: '1000' }));
    try {
      for (let i = 0; i < 50 && fake.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await interval.stop();
    }
    expect(fake.requests.map((r) => r.body.client_reference)).toEqual([id]);
  });
});

describe('atomic enqueue', () => {
  it('approving a payment twice, even concurrently, queues exactly one payment_approved mail', async () => {
    const buyer = await registerUser(t);
    const { starter, methodId } = await seededCatalog(t);
    const payment = await submitPayment(t, buyer, { package_id: starter.id, payment_method_id: methodId });
    expect(payment.status).toBe(201);
    const id = payment.body.data.id;
    const results = await Promise.all([1, 2, 3].map(() => t.request('POST', `/api/payments/${id}/approve`, { token: admin.token, body: {} })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const rows = await t.db.execute<any>(sql`SELECT event_key, variables FROM email_outbox WHERE template_key = 'payment_approved' AND user_id = ${buyer.id}`);
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0].event_key).toBe(`payment_approved:${id}`);
    expect(rows.rows[0].variables).toMatchObject({ credits: starter.credits, amount_usd: expect.any(String) });
  });

  it('a batch failing at a later statement leaves no outbox row', async () => {
    const user = await registerUser(t);
    const id = crypto.randomUUID();
    await expect(
      t.db.batch([
        enqueueUserMail(t.db, t.config, { id, eventKey: `credits_added:${id}`, template: 'credits_added', userId: user.id, variables: { credits: 1, balance: 1 } }),
        t.db.execute(sql`SELECT 1 / 0`),
      ]),
    ).rejects.toThrow();
    expect((await t.db.execute(sql`SELECT 1 FROM email_outbox WHERE id = ${id}`)).rows).toHaveLength(0);
  });
});

describe('preferences and recipients', () => {
  async function queue(user: TestUser) {
    const id = crypto.randomUUID();
    const [res] = await t.db.batch([
      enqueueUserMail(t.db, t.config, { id, eventKey: `credits_added:${id}`, template: 'credits_added', userId: user.id, variables: { credits: 1, balance: 1 } }),
    ]);
    return res.rows.length;
  }

  it('per type and by the email master switch; account mail ignores them; unverified or deactivated users get no optional mail', async () => {
    const user = await registerUser(t);
    expect(await queue(user)).toBe(1);
    await t.request('PUT', '/api/auth/me', { token: user.token, body: { notification_preferences: { credits_added: false } } });
    expect(await queue(user)).toBe(0);
    await t.request('PUT', '/api/auth/me', { token: user.token, body: { notification_preferences: { credits_added: true, email: false } } });
    expect(await queue(user)).toBe(0);
    // Account mail is sent whatever the preferences say.
    const changed = await t.request('POST', '/api/auth/change-password', { token: user.token, body: { current_password: user.password, new_password: 'Changed-password-9' } });
    expect(changed.status).toBe(200);
    expect((await t.db.execute(sql`SELECT 1 FROM email_outbox WHERE user_id = ${user.id} AND template_key = 'password_changed'`)).rows).toHaveLength(1);

    const unverified = await registerUnverifiedUser(t);
    expect(await queue(unverified)).toBe(0);
    const inactive = await registerUser(t);
    await t.db.execute(sql`UPDATE users SET is_active = false WHERE id = ${inactive.id}`);
    expect(await queue(inactive)).toBe(0);
  });
});

describe('rendering', () => {
  it('Arabic users get Arabic mail with dir="rtl"; <script> in a name is escaped in the body and verbatim (no CR/LF) in the subject', async () => {
    const name = '<script>alert(1)</script>\r\nBcc: x@evil.test';
    const user = await registerUnverifiedUser(t, { language: 'ar', full_name: 'سامي' });
    await settleDispatches();
    const [arabic] = mailsTo(user.email);
    expect(arabic!.body.htmlbody).toContain('dir="rtl"');
    expect(arabic!.body.htmlbody).toContain('lang="ar"');
    expect(arabic!.body.subject).toBe('رمز التحقق الخاص بك في Planlyze');
    expect(arabic!.body.htmlbody).toContain('سامي');

    await t.db.execute(sql`UPDATE email_templates SET subject_en = 'Hi {{name}}, your code' WHERE template_key = 'email_verification'`);
    try {
      const tricky = await registerUnverifiedUser(t, { full_name: 'placeholder' });
      await settleDispatches();
      fake.clear();
      // The name as stored by an older client (the API refuses control characters in names today).
      await t.db.execute(sql`UPDATE email_outbox SET variables = jsonb_set(variables, '{name}', to_jsonb(${name}::text)), status = 'pending', attempts = 0, next_attempt_at = now(),
        secret_ciphertext = NULL WHERE user_id = ${tricky.id}`);
      await dispatchOutbox(t.db, t.config);
      const [mail] = mailsTo(tricky.email);
      expect(mail!.body.subject).toBe('Hi <script>alert(1)</script> Bcc: x@evil.test, your code');
      expect(mail!.body.subject).not.toMatch(/[\r\n]/);
      expect(mail!.body.htmlbody).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(mail!.body.htmlbody).not.toContain('<script>');
      expect(mail!.body.htmlbody).toContain('dir="ltr"');
    } finally {
      await t.db.execute(sql`UPDATE email_templates SET subject_en = 'Your {{app_name}} verification code' WHERE template_key = 'email_verification'`);
    }
  });
});

describe('outbox admin', () => {
  async function failedRow(template = 'credits_added', user?: TestUser) {
    const owner = user ?? (await registerUser(t));
    await settleDispatches();
    const id = crypto.randomUUID();
    await t.db.batch([enqueueUserMail(t.db, t.config, { id, eventKey: `${template}:${id}`, template: template as 'credits_added', userId: owner.id, variables: { credits: 1, balance: 1 } })]);
    await t.db.execute(sql`UPDATE email_outbox SET status = 'failed', attempts = max_attempts, last_error = 'http_400' WHERE id = ${id}`);
    return id;
  }

  it('retry: failed → pending with attempts 0; a pending row → 409; cancel: pending → cancelled, else 409; audited', async () => {
    const id = await failedRow();
    const retried = await t.request('POST', `/api/email-outbox/${id}/retry`, { token: admin.token, body: {} });
    expect(retried.status).toBe(200);
    expect(retried.body.data).toMatchObject({ id, status: 'pending', attempts: 0, last_error: 'http_400' });
    expectErrorEnvelope(await t.request('POST', `/api/email-outbox/${id}/retry`, { token: admin.token, body: {} }), 409, 'INVALID_STATE');
    const cancelled = await t.request('POST', `/api/email-outbox/${id}/cancel`, { token: admin.token, body: {} });
    expect(cancelled.body.data.status).toBe('cancelled');
    expectErrorEnvelope(await t.request('POST', `/api/email-outbox/${id}/cancel`, { token: admin.token, body: {} }), 409, 'INVALID_STATE');
    expectErrorEnvelope(await t.request('POST', `/api/email-outbox/00000000-0000-4000-8000-000000000000/retry`, { token: admin.token, body: {} }), 404, 'NOT_FOUND');
    const audit = await t.db.execute<any>(sql`SELECT action FROM audit_logs WHERE entity_id = ${id} ORDER BY created_at`);
    expect(audit.rows.map((r: any) => r.action)).toEqual(['email_outbox.retry', 'email_outbox.cancel']);
  });

  it('retrying a mail that carried a secret → 409 secret_discarded; bulk retry skips it', async () => {
    const user = await registerUnverifiedUser(t);
    await settleDispatches();
    await t.db.execute(sql`UPDATE email_outbox SET status = 'failed', secret_ciphertext = NULL WHERE user_id = ${user.id}`);
    const [{ id }] = (await t.db.execute<{ id: string }>(sql`SELECT id FROM email_outbox WHERE user_id = ${user.id}`)).rows as [{ id: string }];
    const res = await t.request('POST', `/api/email-outbox/${id}/retry`, { token: admin.token, body: {} });
    expectErrorEnvelope(res, 409, 'INVALID_STATE');
    expect(res.body.details.reason).toBe('secret_discarded');

    const plain = await failedRow();
    const bulk = await t.request('POST', '/api/email-outbox/retry-failed', { token: admin.token, body: {} });
    expect(bulk.status).toBe(200);
    expect(bulk.body.data.count).toBeGreaterThanOrEqual(1);
    const states = await t.db.execute<any>(sql`SELECT id, status FROM email_outbox WHERE id IN (${id}, ${plain})`);
    expect(Object.fromEntries(states.rows.map((r: any) => [r.id, r.status]))).toEqual({ [id]: 'failed', [plain]: 'pending' });
  });

  it('stats count by status; the routes need their permissions', async () => {
    const stats = await t.request('GET', '/api/email-outbox/stats', { token: admin.token });
    expect(stats.status).toBe(200);
    expect(Object.keys(stats.body.data.by_status).sort()).toEqual(['cancelled', 'failed', 'pending', 'sending', 'sent']);
    expect(stats.body.data.by_status.sent).toBeGreaterThan(0);
    const viewer = await userWithPermissions(t, ['view_email_outbox']);
    expect((await t.request('GET', '/api/email-outbox', { token: viewer.token })).status).toBe(200);
    const id = await failedRow();
    expectErrorEnvelope(await t.request('POST', `/api/email-outbox/${id}/retry`, { token: viewer.token, body: {} }), 403, 'AUTHORIZATION_ERROR');
  });

  it('test-send goes only to the caller’s own address, checks the variables and is limited to 10 per hour', async () => {
    const templates = await t.request('GET', '/api/email-templates?per_page=100', { token: admin.token });
    const template = templates.body.data.find((x: any) => x.template_key === 'payment_approved');
    const missing = await t.request('POST', `/api/email-templates/${template.id}/test-send`, { token: admin.token, body: { language: 'en', variables: { credits: 5 } } });
    expectErrorEnvelope(missing, 400, 'VALIDATION_ERROR');
    expect(missing.body.details.missing).toEqual(['amount_usd']);
    const bodyWithAddress = await t.request('POST', `/api/email-templates/${template.id}/test-send`, { token: admin.token, body: { language: 'en', to: 'victim@example.test' } });
    expectErrorEnvelope(bodyWithAddress, 400, 'VALIDATION_ERROR');

    const res = await t.request('POST', `/api/email-templates/${template.id}/test-send`, { token: admin.token, body: { language: 'ar', variables: { credits: 5, amount_usd: '9.99' } } });
    expect(res.status).toBe(200);
    await settleDispatches();
    expect(fake.requests.map((r) => r.body.to[0].email_address.address)).toEqual([admin.email]);
    expect(fake.requests[0]!.body.client_reference).toBe(res.body.data.outbox_id);
    for (let i = 1; i < 10; i++) await t.request('POST', `/api/email-templates/${template.id}/test-send`, { token: admin.token, body: { language: 'en', variables: { credits: 5, amount_usd: '1' } } });
    expectErrorEnvelope(
      await t.request('POST', `/api/email-templates/${template.id}/test-send`, { token: admin.token, body: { language: 'en', variables: { credits: 5, amount_usd: '1' } } }),
      429,
      'RATE_LIMITED',
    );
  });
});

describe('product templates (§11.3)', () => {
  async function templateId(key: string): Promise<string> {
    const list = await t.request('GET', '/api/email-templates?per_page=100', { token: admin.token });
    return list.body.data.find((x: any) => x.template_key === key).id;
  }

  it('every registry key is seeded, marked is_product with its declared variables, and cannot be deleted', async () => {
    const list = await t.request('GET', '/api/email-templates?per_page=100', { token: admin.token });
    const product = list.body.data.filter((x: any) => x.is_product).map((x: any) => x.template_key);
    expect(product).toEqual(expect.arrayContaining(['email_verification', 'password_reset_code', 'password_changed', 'credits_low', 'admin_server_error']));
    const verification = list.body.data.find((x: any) => x.template_key === 'email_verification');
    expect(verification.variables).toEqual(['name', 'expires_minutes']);
    expectErrorEnvelope(await t.request('DELETE', `/api/email-templates/${verification.id}`, { token: admin.token }), 409, 'CONFLICT');
  });

  it('an edit using an undeclared placeholder is a 400 naming the field and the names; a secret placeholder or a foreign link too', async () => {
    const id = await templateId('payment_approved');
    const bad = await t.request('PUT', `/api/email-templates/${id}`, { token: admin.token, body: { body_ar: '<p>{{name}} {{iban}}</p>' } });
    expectErrorEnvelope(bad, 400, 'VALIDATION_ERROR');
    expect(bad.body.details.issues.map((i: any) => i.path)).toEqual(['body_ar']);
    expect(bad.body.details.unknown).toEqual(['iban']);
    const secret = await t.request('PUT', `/api/email-templates/${id}`, { token: admin.token, body: { body_en: '<p>{{code}}</p>' } });
    expectErrorEnvelope(secret, 400, 'VALIDATION_ERROR');
    expect(secret.body.details.issues[0]).toMatchObject({ path: 'body_en', code: 'secret_placeholder' });
    const link = await t.request('PUT', `/api/email-templates/${id}`, { token: admin.token, body: { body_en: '<a href="https://evil.test/x">x</a>' } });
    expect(link.body.details.issues[0]).toMatchObject({ path: 'body_en', code: 'foreign_link' });
    const good = await t.request('PUT', `/api/email-templates/${id}`, {
      token: admin.token,
      body: { body_en: '<p>Hi {{name}}: ${{amount_usd}} → {{credits}}. <a href="https://app.planlyze.test/credits">See</a></p>' },
    });
    expect(good.status).toBe(200);
  });
});
