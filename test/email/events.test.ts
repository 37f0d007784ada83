/** Business events that queue mail (SPEC-WAVE2 §11.4, §11.8; §11.12 "credits_low"). */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, registerUser, userWithPermissions, type TestApp, type TestUser } from '../support/harness.js';
import { createAnalysis } from '../api/content/helpers.js';
import { seededCatalog, submitPayment } from '../api/economy/helpers.js';
import { ADMIN, loginAdmin } from '../support/harness.js';
import { inOneBucket } from './alert-bucket.js';

let t: TestApp;
let accountant: TestUser;

beforeAll(async () => {
  // upgrade-premium needs the AI configured (it never calls the model itself).
  t = await createTestApp({ ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', ADMIN_ALERT_EMAIL: 'ops@planlyze.test', ADMIN_ALERT_LANGUAGE: 'ar' });
  accountant = await userWithPermissions(t, ['manage_credits']);
});
afterAll(async () => {
  await t.close();
});

const adjust = (user: TestUser, credits: number) =>
  t.request('POST', `/api/users/${user.id}/adjust-credits`, { token: accountant.token, body: { credits, reason: 'test' } });

async function lowWarnings(user: TestUser) {
  const [mails, notes] = await Promise.all([
    t.db.execute<any>(sql`SELECT event_key, variables FROM email_outbox WHERE user_id = ${user.id} AND template_key = 'credits_low' ORDER BY created_at`),
    t.db.execute(sql`SELECT 1 FROM notifications WHERE user_id = ${user.id} AND type = 'credits_low'`),
  ]);
  return { mails: mails.rows, notes: notes.rows.length };
}

describe('credits_low', () => {
  it('fires on the crossing debit only, once; topping up and spending down again warns again', async () => {
    const user = await registerUser(t); // 3 credits, threshold 2
    expect((await adjust(user, -1)).status).toBe(200); // 3 → 2: crosses
    let warnings = await lowWarnings(user);
    expect(warnings.notes).toBe(1);
    expect(warnings.mails).toHaveLength(1);
    const tx = await t.db.execute<any>(sql`SELECT id FROM transactions WHERE user_id = ${user.id} AND type = 'adjustment' ORDER BY created_at LIMIT 1`);
    expect(warnings.mails[0].event_key).toBe(`credits_low:${tx.rows[0].id}`);
    expect(warnings.mails[0].variables).toMatchObject({ balance: 2 });

    expect((await adjust(user, -1)).status).toBe(200); // 2 → 1: already below
    warnings = await lowWarnings(user);
    expect(warnings.notes).toBe(1);
    expect(warnings.mails).toHaveLength(1);

    expect((await adjust(user, 5)).status).toBe(200); // 1 → 6
    expect((await adjust(user, -4)).status).toBe(200); // 6 → 2: crosses again
    warnings = await lowWarnings(user);
    expect(warnings.notes).toBe(2);
    expect(warnings.mails).toHaveLength(2);
  });

  it('an analysis charge that crosses the threshold warns in its batch', async () => {
    const user = await registerUser(t);
    const analysis = await createAnalysis(t, user);
    const res = await t.request('POST', `/api/analyses/${analysis.id}/upgrade-premium`, { token: user.token, body: {} });
    expect(res.status).toBe(200);
    // 3 → 2 with the default cost 1 and threshold 2: the charge crossed.
    expect(Number((await t.db.execute<any>(sql`SELECT credits FROM users WHERE id = ${user.id}`)).rows[0].credits)).toBe(2);
    const warnings = await lowWarnings(user);
    expect(warnings.mails).toHaveLength(1);
    expect(warnings.notes).toBe(1);
  });

  it("a voucher redemption's charge that crosses the threshold warns its payer: the beneficiary (self), the NGO (sponsored)", async () => {
    const admin = await loginAdmin(t);
    const ngo = await registerUser(t);
    const request = await t.request('POST', '/api/ngo/requests', {
      token: ngo.token,
      body: { organization_name: 'Homs Futures', organization_type: 'charity', contact_name: 'Rania', contact_email: 'rania@futures.example', contact_phone: '+963 31 555' },
    });
    expect(request.status, request.text).toBe(201);
    expect((await t.request('POST', `/api/ngo/requests/${request.body.data.id}/approve`, { token: admin.token, body: {} })).status).toBe(200);

    const redeem = async (funding: 'self' | 'sponsored') => {
      const voucher = await t.request('POST', '/api/ngo/vouchers', { token: ngo.token, body: { name: `Cohort ${funding}`, funding, max_redemptions: 5 } });
      expect(voucher.status, voucher.text).toBe(201);
      const founder = await registerUser(t); // 3 credits, threshold 2, cost 1
      expect((await t.request('PUT', '/api/auth/me', { token: founder.token, body: { full_name: 'Sami', phone_number: '+963 11 333' } })).status).toBe(200);
      const analysis = await createAnalysis(t, founder);
      const res = await t.request('POST', `/api/analyses/${analysis.id}/redeem-voucher`, {
        token: founder.token,
        body: { code: voucher.body.data.code, ngo_consent: true },
      });
      expect(res.status, res.text).toBe(200);
      return founder;
    };

    const selfFunded = await redeem('self'); // the beneficiary pays: 3 → 2 crosses
    const own = await lowWarnings(selfFunded);
    expect(own.notes).toBe(1);
    expect(own.mails).toHaveLength(1);
    const charge = await t.db.execute<any>(sql`SELECT id FROM transactions WHERE user_id = ${selfFunded.id} AND type = 'analysis_charge'`);
    expect(own.mails[0].event_key).toBe(`credits_low:${charge.rows[0].id}`);
    expect(await lowWarnings(ngo)).toEqual({ mails: [], notes: 0 });

    const beneficiary = await redeem('sponsored'); // the NGO pays: its 3 → 2 crosses; the beneficiary is not charged
    expect(await lowWarnings(beneficiary)).toEqual({ mails: [], notes: 0 });
    const payer = await lowWarnings(ngo);
    expect(payer.notes).toBe(1);
    expect(payer.mails).toHaveLength(1);
  });
});

describe('credits_added', () => {
  it('an admin credit queues one credits_added mail keyed by its transaction', async () => {
    const user = await registerUser(t);
    expect((await adjust(user, 4)).status).toBe(200);
    const mails = await t.db.execute<any>(sql`SELECT event_key, variables FROM email_outbox WHERE user_id = ${user.id} AND template_key = 'credits_added'`);
    expect(mails.rows).toHaveLength(1);
    expect(mails.rows[0].variables).toMatchObject({ credits: 4, balance: 7 });
  });
});

describe('admin_new_payment', () => {
  it('fans out to payment reviewers and the alert inbox, at most once per recipient per 15-minute bucket, honouring preferences', async () => {
    const quiet = await userWithPermissions(t, ['manage_payments']);
    await t.db.execute(sql`UPDATE users SET notification_preferences = '{"admin_new_payment": false}'::jsonb WHERE id = ${quiet.id}`);
    const reviewer = await userWithPermissions(t, ['manage_payments']);
    const buyer = await registerUser(t);
    const { starter, methodId } = await seededCatalog(t);
    // Both payments in one mail bucket: the second queues nothing (across a boundary it would mail again).
    const { before, after, queued } = await inOneBucket(async () => {
      const before = await t.db.execute(sql`SELECT 1 FROM email_outbox WHERE template_key = 'admin_new_payment'`);
      const first = await submitPayment(t, buyer, { package_id: starter.id, payment_method_id: methodId });
      expect(first.status).toBe(201);
      const rows = await t.db.execute<any>(sql`
        SELECT to_address, user_id, language, priority, variables FROM email_outbox
        WHERE template_key = 'admin_new_payment' AND created_at >= now() - interval '1 minute' ORDER BY to_address`);
      const addresses = rows.rows.map((r: any) => r.to_address);
      expect(addresses).toContain(ADMIN.email);
      expect(addresses).toContain(reviewer.email);
      expect(addresses).toContain('ops@planlyze.test');
      expect(addresses).not.toContain(quiet.email);
      const inbox = rows.rows.find((r: any) => r.to_address === 'ops@planlyze.test');
      expect(inbox).toMatchObject({ user_id: null, language: 'ar', priority: 2 });
      expect(inbox.variables).toMatchObject({ payer_email: buyer.email, amount_usd: expect.any(String) });

      const second = await submitPayment(t, buyer, { package_id: starter.id, payment_method_id: methodId });
      expect(second.status).toBe(201);
      const after = await t.db.execute(sql`SELECT 1 FROM email_outbox WHERE template_key = 'admin_new_payment'`);
      return { before: before.rows.length, after: after.rows.length, queued: rows.rows.length };
    });
    expect(after - before).toBe(queued);
  });
});

describe('admin_server_error', () => {
  it('one alert per 15-minute bucket to ADMIN_ALERT_EMAIL, counted, sent at the end of the bucket, with the error code only', async () => {
    const { settleDispatches } = await import('../../src/email/delivery.js');
    const boom = await createTestApp(
      { ADMIN_ALERT_EMAIL: 'ops@planlyze.test' },
      {
        extend: (app) =>
          app.get('/api/__boom', () => {
            throw new Error('secret internal detail');
          }),
      },
    );
    try {
      // The three errors, and the look at the row (still due later), in one bucket.
      const rows = await inOneBucket(async () => {
        for (let i = 0; i < 3; i++) expect((await boom.request('GET', '/api/__boom')).status).toBe(500);
        await settleDispatches();
        return boom.db.execute<any>(sql`
          SELECT to_address, user_id, variables, next_attempt_at > now() AS later, event_key FROM email_outbox WHERE template_key = 'admin_server_error'`);
      });
      expect(rows.rows).toHaveLength(1);
      expect(rows.rows[0]).toMatchObject({ to_address: 'ops@planlyze.test', user_id: null, later: true });
      expect(rows.rows[0].variables).toMatchObject({ count: 3, error_code: 'INTERNAL_ERROR' });
      expect(JSON.stringify(rows.rows[0])).not.toContain('secret internal detail');
      expect(rows.rows[0].event_key).toMatch(/^admin_server_error:inbox:\d{4}-\d\d-\d\dT\d\d:(00|15|30|45):00\.000Z$/);
    } finally {
      await boom.close();
    }
  });
});

describe('share_opened', () => {
  it('a viewed share queues one share_opened mail per share per UTC day', async () => {
    const { completeAnalysis } = await import('../api/content/helpers.js');
    const owner = await registerUser(t);
    const analysis = await createAnalysis(t, owner);
    await completeAnalysis(t, analysis.id);
    const share = await t.request('POST', '/api/report-shares', { token: owner.token, body: { analysis_id: analysis.id } });
    expect(share.status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await t.request('GET', `/api/report-shares/public/${share.body.data.token}`)).status).toBe(200);
    const mails = await t.db.execute<any>(sql`SELECT event_key FROM email_outbox WHERE user_id = ${owner.id} AND template_key = 'share_opened'`);
    expect(mails.rows).toHaveLength(1);
    expect(mails.rows[0].event_key).toBe(`share_opened:${share.body.data.id}:${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`);
  });
});

describe('referral_joined', () => {
  it('at registration: mailed to the referrer when the referred user verifies; by /referrals/apply: at once', async () => {
    const { latestCode, registerUnverifiedUser } = await import('../support/harness.js');
    const referrer = await registerUser(t);
    const code = (await t.request('GET', '/api/auth/me', { token: referrer.token })).body.data.referral_code;
    const mails = async () => (await t.db.execute(sql`SELECT 1 FROM email_outbox WHERE user_id = ${referrer.id} AND template_key = 'referral_joined'`)).rows.length;
    const referred = await registerUnverifiedUser(t, { referral_code: code });
    expect(await mails()).toBe(0);
    const verificationCode = await latestCode(t, referred.id, 'email_verification');
    expect((await t.request('POST', '/api/auth/verify-email', { token: referred.token, body: { code: verificationCode } })).status).toBe(200);
    expect(await mails()).toBe(1);

    const applier = await registerUser(t);
    expect((await t.request('POST', '/api/referrals/apply', { token: applier.token, body: { referral_code: code } })).status).toBe(200);
    expect(await mails()).toBe(2);
  });
});

describe('admin_analysis_failed and analysis_completed', () => {
  it('a run ending failed alerts the holders of manage_analyses (error code only); completed mails the owner once per tier', async () => {
    const { announceOutcome } = await import('../../src/services/report-outcome.js');
    const owner = await registerUser(t);
    const analysis = await createAnalysis(t, owner);
    await t.db.execute(sql`UPDATE analysis_sections SET status = 'failed', error_code = 'SECTION_TIMEOUT' WHERE analysis_id = ${analysis.id}`);
    await announceOutcome(t.db, { analysisId: analysis.id, userId: owner.id, status: 'failed', reportType: 'free', refundedCredits: 0 });
    const alerts = await t.db.execute<any>(sql`SELECT to_address, variables FROM email_outbox WHERE template_key = 'admin_analysis_failed' AND variables ->> 'analysis_id' = ${analysis.id}`);
    expect(alerts.rows.map((r: any) => r.to_address)).toContain(ADMIN.email);
    expect(alerts.rows[0].variables).toMatchObject({ analysis_id: analysis.id });
    expect(typeof alerts.rows[0].variables.error_code).toBe('string');

    for (let i = 0; i < 2; i++) {
      await announceOutcome(t.db, { analysisId: analysis.id, userId: owner.id, status: 'completed', reportType: 'free', refundedCredits: 0 });
    }
    await announceOutcome(t.db, { analysisId: analysis.id, userId: owner.id, status: 'completed', reportType: 'premium', refundedCredits: 0 });
    const done = await t.db.execute<any>(sql`SELECT event_key FROM email_outbox WHERE user_id = ${owner.id} AND template_key = 'analysis_completed' ORDER BY event_key`);
    expect(done.rows.map((r: any) => r.event_key)).toEqual([`analysis_completed:${analysis.id}`, `analysis_completed:${analysis.id}:premium`]);
  });
});
