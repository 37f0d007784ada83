/**
 * The sender against a fake ZeptoMail over HTTP (SPEC-WAVE2 §11.1, §11.2, §11.12 "Wire format",
 * "Retries", "Leases"). The app runs with EMAIL_PROVIDER=none (nothing leaves behind the test's back);
 * the test drives `dispatchOutbox` with a configuration pointing the real zeptomail client at the fake.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config.js';
import { dispatchOutbox } from '../../src/email/dispatch.js';
import { enqueueUserMail } from '../../src/email/outbox.js';
import type { EmailProvider } from '../../src/email/provider.js';
import { setLogSink } from '../../src/http/logger.js';
import { createTestApp, latestCode, loginAdmin, registerUnverifiedUser, registerUser, type TestApp, type TestUser } from '../support/harness.js';
import { accept, EMAIL_API_KEY, emailEnv, fail, hang, reset, slow, startFakeZeptomail, type FakeZeptomail } from './fake-zeptomail.js';

let t: TestApp;
let fake: FakeZeptomail;
let mailConfig: Config;
let admin: TestUser;

beforeAll(async () => {
  fake = await startFakeZeptomail();
  t = await createTestApp({ EMAIL_PROVIDER: 'none' });
  mailConfig = parseConfig({ ...t.env, ...emailEnv(fake) });
  admin = await loginAdmin(t);
});
afterAll(async () => {
  await t.close();
  await fake.close();
});
afterEach(async () => {
  fake.clear();
  // Nothing from one test is left for the next one's dispatch.
  await t.db.execute(sql`UPDATE email_outbox SET status = 'cancelled' WHERE status IN ('pending', 'sending')`);
});

const fixedJitter = () => 1;
const dispatch = (options: Parameters<typeof dispatchOutbox>[2] = {}) => dispatchOutbox(t.db, mailConfig, { jitter: fixedJitter, ...options });

async function row(id: string) {
  const rows = await t.db.execute<any>(sql`
    SELECT *, extract(epoch from (next_attempt_at - now()))::float AS due_in_s FROM email_outbox WHERE id = ${id}`);
  return rows.rows[0];
}

/** A user mail (credits_added) for a verified user, queued the way a business batch queues it. */
async function queueUserMail(user: TestUser, extra: Record<string, string | number> = {}): Promise<string> {
  const id = crypto.randomUUID();
  await t.db.batch([
    enqueueUserMail(t.db, t.config, { id, eventKey: `credits_added:${id}`, template: 'credits_added', userId: user.id, variables: { credits: 5, balance: 8, ...extra } }),
  ]);
  return id;
}

describe('wire format', () => {
  it('POSTs the documented JSON to {base}/email with the Zoho-enczapikey header; client_reference is the outbox id', async () => {
    const lines: string[] = [];
    setLogSink((line) => lines.push(line));
    try {
      const user = await registerUnverifiedUser(t, { full_name: 'Lina' });
      const code = await latestCode(t, user.id, 'email_verification');
      const [{ id }] = (await t.db.execute<{ id: string }>(sql`SELECT id FROM email_outbox WHERE user_id = ${user.id}`)).rows as [{ id: string }];
      const report = await dispatch();
      expect(report.sent).toBe(1);
      expect(fake.requests).toHaveLength(1);
      const req = fake.requests[0]!;
      expect(req.method).toBe('POST');
      expect(req.path).toBe('/v1.1/email');
      expect(req.headers.authorization).toBe(`Zoho-enczapikey ${EMAIL_API_KEY}`);
      expect(req.headers['content-type']).toMatch(/^application\/json/);
      expect(req.headers.accept).toBe('application/json');
      expect(Object.keys(req.body).sort()).toEqual(['client_reference', 'from', 'htmlbody', 'subject', 'textbody', 'to']);
      expect(req.body.from).toEqual({ address: 'no-reply@planlyze.test', name: 'Planlyze' });
      expect(req.body.to).toEqual([{ email_address: { address: user.email, name: 'Lina' } }]);
      expect(req.body.client_reference).toBe(id);
      expect(req.body.subject).toBe('Your Planlyze verification code');
      expect(req.body.htmlbody).toContain(code);
      expect(req.body.textbody).toContain(code);
      expect(req.body.textbody).not.toMatch(/<[a-z]/i);

      const sent = await row(id);
      expect(sent).toMatchObject({ status: 'sent', attempts: 1, secret_ciphertext: null, locked_until: null });
      expect(sent.provider_message_id).toMatch(/^req-/);
      expect(sent.sent_at).not.toBeNull();

      // No secret in logs or admin responses.
      expect(lines.join('\n')).not.toContain(code);
      const list = await t.request('GET', `/api/email-outbox?user_id=${user.id}`, { token: admin.token });
      expect(list.status).toBe(200);
      expect(list.text).not.toContain(code);
      expect(list.body.data[0].secret_variables).toEqual([]);
      expect(list.body.data[0]).not.toHaveProperty('secret_ciphertext');
      const one = await t.request('GET', `/api/email-outbox/${id}`, { token: admin.token });
      expect(one.text).not.toContain(code);
      expect(one.body.data.rendered.body).toContain('[hidden]');
    } finally {
      setLogSink(null);
    }
  });

  it('a pending code mail lists its secret variable by name only', async () => {
    const user = await registerUnverifiedUser(t);
    const code = await latestCode(t, user.id, 'email_verification');
    const list = await t.request('GET', `/api/email-outbox?user_id=${user.id}`, { token: admin.token });
    expect(list.body.data[0].secret_variables).toEqual(['code']);
    expect(list.text).not.toContain(code);
  });
});

describe('retries', () => {
  it('500 and timeouts retry with a growing next_attempt_at; a reset connection retries too', async () => {
    const user = await registerUser(t);
    const id = await queueUserMail(user);
    fake.enqueue(fail(500, 'GE_102'));
    await dispatch({ ids: [id] });
    let r = await row(id);
    expect(r).toMatchObject({ status: 'pending', attempts: 1, last_http_status: 500 });
    expect(r.last_error).toMatch(/^http_500/);
    expect(r.due_in_s).toBeGreaterThan(25);
    expect(r.due_in_s).toBeLessThanOrEqual(30);

    await t.db.execute(sql`UPDATE email_outbox SET next_attempt_at = now() WHERE id = ${id}`);
    fake.enqueue(hang());
    const started = Date.now();
    await dispatch({ ids: [id] });
    expect(Date.now() - started).toBeLessThan(5000);
    r = await row(id);
    expect(r).toMatchObject({ status: 'pending', attempts: 2, last_error: 'timeout' });
    expect(r.due_in_s).toBeGreaterThan(55);
    expect(r.due_in_s).toBeLessThanOrEqual(60);

    await t.db.execute(sql`UPDATE email_outbox SET next_attempt_at = now() WHERE id = ${id}`);
    fake.enqueue(reset());
    await dispatch({ ids: [id] });
    r = await row(id);
    expect(r).toMatchObject({ status: 'pending', attempts: 3 });
    expect(r.last_error).toMatch(/^network_error/);
    expect(r.due_in_s).toBeGreaterThan(115);

    await t.db.execute(sql`UPDATE email_outbox SET next_attempt_at = now() WHERE id = ${id}`);
    await dispatch({ ids: [id] });
    expect((await row(id)).status).toBe('sent');
  });

  it('a 429 honours Retry-After', async () => {
    const user = await registerUser(t);
    const id = await queueUserMail(user);
    fake.enqueue(fail(429, 'SMI_115', { 'Retry-After': '3600' }));
    await dispatch({ ids: [id] });
    const r = await row(id);
    expect(r).toMatchObject({ status: 'pending', last_http_status: 429 });
    expect(r.due_in_s).toBeGreaterThan(3590);
  });

  it('after max_attempts the row is failed (given up)', async () => {
    const user = await registerUser(t);
    const id = await queueUserMail(user);
    await t.db.execute(sql`UPDATE email_outbox SET max_attempts = 2 WHERE id = ${id}`);
    fake.setDefault(fail(503, 'GE_102'));
    await dispatch({ ids: [id] });
    await t.db.execute(sql`UPDATE email_outbox SET next_attempt_at = now() WHERE id = ${id}`);
    await dispatch({ ids: [id] });
    const r = await row(id);
    expect(r).toMatchObject({ status: 'failed', attempts: 2, max_attempts: 2 });
    // Nothing claims it again.
    await t.db.execute(sql`UPDATE email_outbox SET next_attempt_at = now() WHERE id = ${id}`);
    expect((await dispatch({ ids: [id] })).claimed).toBe(0);
  });

  it('a 400 fails at once; 401 is retried (configuration problem)', async () => {
    const user = await registerUser(t);
    const bad = await queueUserMail(user);
    fake.enqueue(fail(400, 'TM_3201'));
    await dispatch({ ids: [bad] });
    expect(await row(bad)).toMatchObject({ status: 'failed', attempts: 1, last_http_status: 400 });
    expect((await row(bad)).last_error).toContain('TM_3201');

    const auth = await queueUserMail(user);
    fake.enqueue(fail(401, 'SERR_157'));
    await dispatch({ ids: [auth] });
    expect(await row(auth)).toMatchObject({ status: 'pending', attempts: 1, last_http_status: 401 });
  });

  it('an expired code mail is cancelled unsent', async () => {
    const user = await registerUnverifiedUser(t);
    await t.db.execute(sql`UPDATE email_outbox SET expires_at = now() - interval '1 second' WHERE user_id = ${user.id}`);
    const report = await dispatch();
    expect(report.cancelled).toBe(1);
    expect(fake.requests).toHaveLength(0);
    const rows = await t.db.execute<any>(sql`SELECT status, last_error, secret_ciphertext FROM email_outbox WHERE user_id = ${user.id}`);
    expect(rows.rows).toEqual([{ status: 'cancelled', last_error: 'expired', secret_ciphertext: null }]);
  });

  it('a secret that cannot be decrypted (SECRET_KEY rotated) is cancelled', async () => {
    const user = await registerUnverifiedUser(t);
    const rotated = parseConfig({ ...t.env, ...emailEnv(fake), SECRET_KEY: 'another-secret-key-for-this-test-0123456789' });
    await dispatchOutbox(t.db, rotated, {});
    const rows = await t.db.execute<any>(sql`SELECT status, last_error FROM email_outbox WHERE user_id = ${user.id}`);
    expect(rows.rows).toEqual([{ status: 'cancelled', last_error: 'secret_undecryptable' }]);
    expect(fake.requests).toHaveLength(0);
  });

  it('an inactive user template cancels the mail at send time; an inactive account template falls back to the built-in text', async () => {
    const user = await registerUser(t);
    const id = await queueUserMail(user);
    await t.db.execute(sql`UPDATE email_templates SET is_active = false WHERE template_key IN ('credits_added', 'email_verification')`);
    try {
      const fresh = await registerUnverifiedUser(t);
      await dispatch();
      expect(await row(id)).toMatchObject({ status: 'cancelled', last_error: 'template_inactive' });
      const account = await t.db.execute<any>(sql`SELECT status FROM email_outbox WHERE user_id = ${fresh.id}`);
      expect(account.rows).toEqual([{ status: 'sent' }]);
      expect(fake.requests.map((r) => r.body.subject)).toEqual(['Your Planlyze verification code']);
    } finally {
      await t.db.execute(sql`UPDATE email_templates SET is_active = true WHERE template_key IN ('credits_added', 'email_verification')`);
    }
  });
});

describe('leases', () => {
  it('two dispatchers draining concurrently never send one row twice', async () => {
    const user = await registerUser(t);
    const ids = await Promise.all(Array.from({ length: 6 }, () => queueUserMail(user)));
    fake.setDefault(slow(100));
    const [a, b] = await Promise.all([dispatch(), dispatch()]);
    expect(a.sent + b.sent).toBe(6);
    const references = fake.requests.map((r) => r.body.client_reference).sort();
    expect(references).toEqual([...ids].sort());
  });

  it('an expired lease is reclaimed; one expired at the last attempt is marked failed (lease_expired)', async () => {
    const user = await registerUser(t);
    const stuck = await queueUserMail(user);
    const dead = await queueUserMail(user);
    await t.db.execute(sql`UPDATE email_outbox SET status = 'sending', attempts = 1, locked_until = now() - interval '1 second' WHERE id = ${stuck}`);
    await t.db.execute(sql`UPDATE email_outbox SET status = 'sending', attempts = max_attempts, locked_until = now() - interval '1 second' WHERE id = ${dead}`);
    await dispatch();
    expect(await row(stuck)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await row(dead)).toMatchObject({ status: 'failed', last_error: 'lease_expired' });
    expect(fake.requests.map((r) => r.body.client_reference)).toEqual([stuck]);
  });

  it('the fenced outcome update ignores a late result', async () => {
    const user = await registerUser(t);
    const id = await queueUserMail(user);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const late: EmailProvider = {
      name: 'late',
      async send() {
        await gate;
        return { ok: false, retryable: true, error: 'late failure' };
      },
    };
    const first = dispatch({ provider: late });
    // Wait until the first dispatcher holds the row, then let its lease run out.
    for (let i = 0; i < 100 && (await row(id)).status !== 'sending'; i++) await new Promise((r) => setTimeout(r, 20));
    await t.db.execute(sql`UPDATE email_outbox SET locked_until = now() - interval '1 second' WHERE id = ${id}`);
    const second = await dispatch();
    expect(second.sent).toBe(1);
    release();
    const report = await first;
    expect(report.lost).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
  });
});
