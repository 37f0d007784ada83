/**
 * Admin alerts (SPEC-WAVE2 §11.4 notes, §0.1, §13.3, §14.3): every admin event writes, in its own batch and
 * in the same statement as the mail fan-out, one in-app `admin_*` notification per event to each active,
 * verified holder of the permission (super_admin implied) whose preference for the type is not off — while
 * the mail to the same people is bucketed (one per type and recipient per 15 minutes). The contact alert's
 * mail carries the sender as Reply-To, down to the provider's wire format.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { dispatchOutbox } from '../../src/email/dispatch.js';
import { announceOutcome } from '../../src/services/report-outcome.js';
import { completeAnalysis, createAnalysis } from '../api/content/helpers.js';
import { seededCatalog, submitPayment } from '../api/economy/helpers.js';
import {
  createTestApp,
  expectErrorEnvelope,
  loginAdmin,
  registerUnverifiedUser,
  registerUser,
  uniqueEmail,
  userWithPermissions,
  type TestApp,
  type TestUser,
} from '../support/harness.js';
import { inOneBucket } from './alert-bucket.js';
import { emailEnv, startFakeZeptomail, type FakeZeptomail } from './fake-zeptomail.js';

let t: TestApp;
let admin: TestUser;
let fake: FakeZeptomail;

beforeAll(async () => {
  fake = await startFakeZeptomail();
  t = await createTestApp({ ADMIN_ALERT_EMAIL: 'ops@planlyze.test', TRUST_PROXY: 'true' });
  admin = await loginAdmin(t);
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

type Note = {
  user_id: string;
  title: string;
  message: string;
  title_ar: string;
  message_ar: string;
  data: Record<string, unknown>;
};

async function notes(type: string, userIds: string[]): Promise<Note[]> {
  const { rows } = await t.db.execute<Note>(sql`
    SELECT user_id, title, message, title_ar, message_ar, data FROM notifications
    WHERE type = ${type} AND user_id = ANY(${`{${userIds.join(',')}}`}::uuid[]) ORDER BY created_at, id`);
  return rows;
}

async function mailsTo(template: string, userId: string) {
  const { rows } = await t.db.execute<{ id: string; reply_to: string | null }>(
    sql`SELECT id, reply_to FROM email_outbox WHERE template_key = ${template} AND user_id = ${userId}`,
  );
  return rows;
}

/** A holder of `permission` (verified), one whose preference for `type` is off, one whose mail switch is off, an unverified holder. */
async function audience(permission: string, type: string) {
  const holder = await userWithPermissions(t, [permission]);
  const muted = await userWithPermissions(t, [permission]);
  await t.db.execute(sql`UPDATE users SET notification_preferences = ${JSON.stringify({ [type]: false })}::jsonb WHERE id = ${muted.id}`);
  const noMail = await userWithPermissions(t, [permission]);
  await t.db.execute(sql`UPDATE users SET notification_preferences = '{"email": false}'::jsonb WHERE id = ${noMail.id}`);
  const unverified = await registerUnverifiedUser(t);
  await t.db.execute(sql`UPDATE users SET role_id = (SELECT role_id FROM users WHERE id = ${holder.id}) WHERE id = ${unverified.id}`);
  const bystander = await registerUser(t);
  return { holder, muted, noMail, unverified, bystander };
}

describe('in-app admin_* notifications, one per event, beside the bucketed mail', () => {
  it('admin_new_payment: each payment notifies every payment reviewer in-app; the mail stays one per bucket', async () => {
    const { holder, muted, noMail, unverified, bystander } = await audience('manage_payments', 'admin_new_payment');
    const viewer = await userWithPermissions(t, ['view_payments']);
    const buyer = await registerUser(t);
    const { starter, methodId } = await seededCatalog(t);
    // Both payments in one mail bucket, so the count of mail below is one, never a boundary's two.
    const [first, second] = await inOneBucket(async () => [
      await submitPayment(t, buyer, { package_id: starter.id, payment_method_id: methodId }),
      await submitPayment(t, buyer, { package_id: starter.id, payment_method_id: methodId }),
    ]);
    expect([first!.status, second!.status]).toEqual([201, 201]);

    const everyone = [admin.id, holder.id, muted.id, noMail.id, unverified.id, bystander.id, viewer.id, buyer.id];
    const got = await notes('admin_new_payment', everyone);
    const paymentsOf = (id: string) => got.filter((n) => n.user_id === id).map((n) => n.data.payment_id);
    const both = [first!.body.data.id, second!.body.data.id];
    expect(paymentsOf(holder.id)).toEqual(both);
    expect(paymentsOf(admin.id)).toEqual(both); // super_admin implied
    expect(paymentsOf(noMail.id)).toEqual(both); // the email switch governs mail only
    for (const silent of [muted, unverified, bystander, viewer, buyer]) expect(paymentsOf(silent.id)).toEqual([]);
    const note = got.find((n) => n.user_id === holder.id)!;
    expect(note.title).toBe('New payment to review');
    expect(note.message).toBe(`${buyer.email} submitted a payment of $${first!.body.data.amount_usd}.`);
    expect(note.message_ar).toContain(String(first!.body.data.amount_usd));

    expect(await mailsTo('admin_new_payment', holder.id)).toHaveLength(1);
    expect(await mailsTo('admin_new_payment', noMail.id)).toHaveLength(0);
  });

  it('admin_new_payment: a payer email holding a placeholder ({amount_usd}) is shown as written, the amount filled in once', async () => {
    const holder = await userWithPermissions(t, ['manage_payments']);
    const buyer = await registerUser(t);
    // Sign-up refuses braces; an account imported from upstream may have them (RFC 5322 allows them).
    const email = `{amount_usd}.{payer_email}.${buyer.email}`;
    await t.db.execute(sql`UPDATE users SET email = ${email} WHERE id = ${buyer.id}`);
    const { starter, methodId } = await seededCatalog(t);
    const paid = await submitPayment(t, buyer, { package_id: starter.id, payment_method_id: methodId });
    expect(paid.status, paid.text).toBe(201);
    const [note] = await notes('admin_new_payment', [holder.id]);
    expect(note!.message).toBe(`${email} submitted a payment of $${paid.body.data.amount_usd}.`);
    expect(note!.message_ar).toBe(`أرسل ${email} دفعة بقيمة ${paid.body.data.amount_usd}$.`);
  });

  it('admin_analysis_failed: a run ending failed notifies holders of manage_analyses, naming the error code only', async () => {
    const { holder, muted, unverified } = await audience('manage_analyses', 'admin_analysis_failed');
    const viewer = await userWithPermissions(t, ['view_analyses']);
    const owner = await registerUser(t);
    const analysis = await createAnalysis(t, owner);
    await t.db.execute(sql`UPDATE analysis_sections SET status = 'failed', error_code = 'SECTION_TIMEOUT' WHERE analysis_id = ${analysis.id}`);
    await announceOutcome(t.db, { analysisId: analysis.id, userId: owner.id, status: 'failed', reportType: 'free', refundedCredits: 0 });

    const got = await notes('admin_analysis_failed', [admin.id, holder.id, muted.id, unverified.id, viewer.id, owner.id]);
    expect(got.map((n) => n.user_id).sort()).toEqual([admin.id, holder.id].sort());
    expect(got[0]!.data).toEqual({ analysis_id: analysis.id });
    expect(got[0]!.message).toBe(`The run of analysis ${analysis.id} ended with SECTION_TIMEOUT.`);
  });

  it('admin_new_rating: holders of view_analyses hear in-app at most once per analysis per hour', async () => {
    const { holder, muted, bystander } = await audience('view_analyses', 'admin_new_rating');
    const owner = await registerUser(t);
    const rate = async (id: string, rating: number) => {
      const res = await t.request('PUT', `/api/analyses/${id}`, { token: owner.token, body: { user_rating: rating } });
      expect(res.status, res.text).toBe(200);
    };
    const one = await createAnalysis(t, owner);
    const two = await createAnalysis(t, owner);
    await completeAnalysis(t, one.id);
    await completeAnalysis(t, two.id);
    await rate(one.id, 4);
    await rate(one.id, 2); // the same analysis within the hour: no second notification
    await rate(two.id, 5);

    const got = await notes('admin_new_rating', [holder.id, muted.id, bystander.id, owner.id]);
    expect(got.map((n) => [n.user_id, n.data.analysis_id, n.data.rating])).toEqual([
      [holder.id, one.id, 4],
      [holder.id, two.id, 5],
    ]);
    expect(got[0]!.message).toBe(`Analysis ${one.id} was rated 4.`);
    // An hour later the same analysis alerts again.
    await t.db.execute(sql`UPDATE notifications SET created_at = now() - interval '61 minutes' WHERE type = 'admin_new_rating' AND data ->> 'analysis_id' = ${one.id}`);
    await rate(one.id, 3);
    expect((await notes('admin_new_rating', [holder.id])).filter((n) => n.data.analysis_id === one.id)).toHaveLength(2);
  });

  it('admin_ngo_request: holders of manage_ngo_requests (not view_ngo_requests), the organisation name escaped', async () => {
    const { holder, muted, unverified } = await audience('manage_ngo_requests', 'admin_ngo_request');
    const viewer = await userWithPermissions(t, ['view_ngo_requests']);
    const applicant = await registerUser(t);
    const res = await t.request('POST', '/api/ngo/requests', {
      token: applicant.token,
      body: { organization_name: '<b>Relief</b> & Co', organization_type: 'charity', contact_name: 'Huda', contact_email: 'huda@relief.example', contact_phone: '+963 21 555' },
    });
    expect(res.status, res.text).toBe(201);
    const got = await notes('admin_ngo_request', [admin.id, holder.id, muted.id, unverified.id, viewer.id, applicant.id]);
    expect(got.map((n) => n.user_id).sort()).toEqual([admin.id, holder.id].sort());
    expect(got[0]!.data).toEqual({ ngo_request_id: res.body.data.id });
    expect(got[0]!.message).toBe('&lt;b&gt;Relief&lt;/b&gt; &amp; Co applied to join the NGO programme.');
  });

  it('the notifications commit with the event or not at all (a failure later in the batch leaves neither)', async () => {
    const holder = await userWithPermissions(t, ['manage_ngo_requests']);
    const applicant = await registerUser(t);
    const body = { organization_name: 'Atomic Aid', organization_type: 'charity', contact_name: 'Huda', contact_email: 'huda@atomic.example', contact_phone: '+963 21 555' };
    // The batch: the request, the fan-out (notifications + mail), the ADMIN_ALERT_EMAIL mail — the last one fails.
    t.database.endpoint.setFault(({ batch, queries }) =>
      batch && queries.some((q) => /insert into "ngo_requests"/i.test(q)) ? { type: 'failStatement', statement: 3 } : undefined,
    );
    try {
      expectErrorEnvelope(await t.request('POST', '/api/ngo/requests', { token: applicant.token, body }), 503, 'SERVICE_UNAVAILABLE');
    } finally {
      t.database.endpoint.setFault(null);
    }
    expect((await t.db.execute(sql`SELECT 1 FROM ngo_requests WHERE user_id = ${applicant.id}`)).rows).toHaveLength(0);
    expect(await notes('admin_ngo_request', [holder.id])).toEqual([]);
    expect(await mailsTo('admin_ngo_request', holder.id)).toEqual([]);
  });
});

describe('admin_contact_message: in-app for inbox managers, and the mail answers to the sender', () => {
  it('notifies holders of manage_contact_messages; the mail carries reply_to = the sender, at no extra round trip', async () => {
    const { holder, muted, unverified } = await audience('manage_contact_messages', 'admin_contact_message');
    const reader = await userWithPermissions(t, ['view_contact_messages']);
    const sender = uniqueEmail('sender');
    const res = await t.request('POST', '/api/contact', {
      body: { name: 'Rana', email: sender, subject: 'Pricing', message: 'How do I pay in Syrian pounds, please?' },
      headers: { 'x-forwarded-for': '198.51.100.7' },
    });
    expect(res.status, res.text).toBe(200);
    // Limits (one batch), then the row + notifications + mail (one batch): the alert costs no round trip of its own.
    expect(res.cost.roundTrips).toBe(2);

    const got = await notes('admin_contact_message', [holder.id, muted.id, unverified.id, reader.id]);
    expect(got.map((n) => n.user_id)).toEqual([holder.id]);
    expect(got[0]!.message).toBe(`From Rana <${sender}>: Pricing`);

    const [mail] = await mailsTo('admin_contact_message', holder.id);
    expect(mail!.reply_to).toBe(sender);
    const inbox = await t.db.execute<{ id: string; reply_to: string }>(
      sql`SELECT id, reply_to FROM email_outbox WHERE template_key = 'admin_contact_message' AND user_id IS NULL AND reply_to = ${sender}`,
    );
    // ADMIN_ALERT_EMAIL's copy answers to the sender too (the only contact message of this file, so its bucket's mail).
    expect(inbox.rows).toHaveLength(1);

    // What the provider receives (SPEC-WAVE2 §11.1: reply_to is an array of {address, name}).
    const mailConfig = parseConfig({ ...t.env, ...emailEnv(fake) });
    const ids = [mail!.id, ...inbox.rows.map((r) => r.id)];
    await dispatchOutbox(t.db, mailConfig, { ids });
    expect(fake.requests.map((r) => r.body.client_reference).sort()).toEqual([...ids].sort());
    for (const request of fake.requests) expect(request.body.reply_to).toEqual([{ address: sender }]);
    expect(fake.requests.map((r) => r.body.to[0].email_address.address)).toContain(holder.email);
  });

  it('other mail keeps EMAIL_REPLY_TO (or none): the sender is the Reply-To of the contact alert only', async () => {
    const buyer = await registerUser(t);
    const holder = await userWithPermissions(t, ['manage_payments']);
    const { starter, methodId } = await seededCatalog(t);
    expect((await submitPayment(t, buyer, { package_id: starter.id, payment_method_id: methodId })).status).toBe(201);
    const [mail] = await mailsTo('admin_new_payment', holder.id);
    expect(mail!.reply_to).toBeNull();
  });
});
