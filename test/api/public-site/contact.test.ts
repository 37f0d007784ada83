/**
 * The contact form and the admin inbox (SPEC-WAVE2 §14.3, §14.4, §14.7): validation and strictness,
 * per-IP / per-email limits (429 + Retry-After), honeypot, link spam, 24 h dedupe, Turnstile against a
 * local fake siteverify, the atomic and escaped admin alert, inbox states and their 409s, erasure,
 * permissions, spam retention.
 */
import { createServer, type Server } from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMaintenance } from '../../../src/services/maintenance.js';
import {
  createTestApp,
  expectErrorEnvelope,
  issuePaths,
  loginAdmin,
  registerUser,
  uniqueEmail,
  userWithPermissions,
  type TestApp,
  type TestUser,
} from '../../support/harness.js';

let t: TestApp;
let admin: TestUser;
let ipCounter = 0;
/** Each test speaks from its own client IP (TRUST_PROXY), so limits do not leak between tests. */
const newIp = () => `203.0.113.${++ipCounter}`;

beforeAll(async () => {
  t = await createTestApp({ TRUST_PROXY: 'true' });
  admin = await loginAdmin(t);
});
afterAll(async () => {
  await t.close();
});

const MESSAGE = 'Hello, I would like to know more about premium reports for my bakery.';

function send(body: Record<string, unknown>, ip: string, extra: { token?: string; headers?: Record<string, string> } = {}) {
  return t.request('POST', '/api/contact', {
    body,
    ...(extra.token ? { token: extra.token } : {}),
    headers: { 'x-forwarded-for': ip, ...extra.headers },
  });
}

const valid = (overrides: Record<string, unknown> = {}) => ({ name: 'Lina', email: uniqueEmail('contact'), message: `${MESSAGE} ${crypto.randomUUID()}`, ...overrides });

async function storedBy(email: string) {
  const { rows } = await t.db.execute<{ id: string; status: string; spam_reason: string | null; ip_hash: string; user_id: string | null; language: string }>(
    sql`SELECT id, status, spam_reason, ip_hash, user_id, language FROM contact_messages WHERE email = ${email} ORDER BY created_at`,
  );
  return rows;
}

async function alertsFor(messageId: string) {
  const { rows } = await t.db.execute<{ user_id: string; title: string; message: string; message_ar: string }>(
    sql`SELECT user_id, title, message, message_ar FROM notifications WHERE type = 'admin_contact_message' AND data ->> 'contact_message_id' = ${messageId}`,
  );
  return rows;
}

describe('POST /contact: validation', () => {
  it('answers 200 {received: true}, stores the message (email lower-cased, language from Accept-Language) and no raw IP', async () => {
    const body = valid({ email: `Mixed.${uniqueEmail()}`.replace('mixed', 'Mixed'), subject: 'Pricing' });
    const ip = newIp();
    const res = await send(body, ip, { headers: { 'accept-language': 'ar' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toEqual({ received: true });
    const [row] = await storedBy((body.email as string).toLowerCase());
    expect(row).toMatchObject({ status: 'new', spam_reason: null, language: 'ar', user_id: null });
    expect(row!.ip_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.ip_hash).not.toContain(ip);
  });

  it('refuses bad fields with a 400 naming each, and unknown fields (strict body)', async () => {
    const ip = newIp();
    const cases: [Record<string, unknown>, string][] = [
      [{ ...valid(), name: '' }, 'name'],
      [{ ...valid(), name: 'x'.repeat(121) }, 'name'],
      [{ ...valid(), email: 'not-an-email' }, 'email'],
      [{ ...valid(), message: 'too short' }, 'message'],
      [{ ...valid(), message: 'x'.repeat(5001) }, 'message'],
      [{ ...valid(), subject: 's'.repeat(201) }, 'subject'],
      [{ ...valid(), role: 'admin' }, 'role'],
    ];
    for (const [body, field] of cases) {
      const res = await send(body, ip);
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(issuePaths(res), field).toContain(field);
    }
    const missing = await send({}, ip);
    expect(issuePaths(missing)).toEqual(expect.arrayContaining(['name', 'email', 'message']));
  });

  it('records the sender when a valid token is sent; a bad token is simply anonymous', async () => {
    const user = await registerUser(t);
    const signedIn = valid();
    expect((await send(signedIn, newIp(), { token: user.token })).status).toBe(200);
    expect((await storedBy(signedIn.email as string))[0]!.user_id).toBe(user.id);
    const anonymous = valid();
    expect((await send(anonymous, newIp(), { headers: { authorization: 'Bearer not.a.token' } })).status).toBe(200);
    expect((await storedBy(anonymous.email as string))[0]!.user_id).toBeNull();
  });
});

describe('POST /contact: limits', () => {
  it('the 6th message from one IP within an hour → 429 with Retry-After; another IP is unaffected', async () => {
    const ip = newIp();
    for (let i = 0; i < 5; i++) expect((await send(valid(), ip)).status).toBe(200);
    const sixth = await send(valid(), ip);
    expectErrorEnvelope(sixth, 429, 'RATE_LIMITED');
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(3000);
    expect((await send(valid(), newIp())).status).toBe(200);
  });

  it('the 4th message from one email within an hour → 429, from any IP; nothing stored past the limit', async () => {
    const email = uniqueEmail('limited');
    for (let i = 0; i < 3; i++) expect((await send(valid({ email }), newIp())).status).toBe(200);
    expectErrorEnvelope(await send(valid({ email }), newIp()), 429, 'RATE_LIMITED');
    expect(await storedBy(email)).toHaveLength(3);
  });

  it('the limits live in rate_limits keyed by the IP hash, never the raw IP', async () => {
    const ip = newIp();
    await send(valid(), ip);
    const { rows } = await t.db.execute<{ key: string }>(sql`SELECT key FROM rate_limits WHERE key LIKE 'contact:ip:%'`);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.key.includes(ip))).toBe(false);
  });
});

describe('POST /contact: spam', () => {
  it('a filled honeypot answers the same 200, stores status spam (honeypot) and alerts nobody', async () => {
    const body = valid({ website: 'https://seo.example.com' });
    const res = await send(body, newIp());
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ received: true });
    const [row] = await storedBy(body.email as string);
    expect(row).toMatchObject({ status: 'spam', spam_reason: 'honeypot' });
    expect(await alertsFor(row!.id)).toEqual([]);
  });

  it('more than 5 links, or only a link → spam (links), no alert; 5 links are fine', async () => {
    const links = (n: number) => Array.from({ length: n }, (_, i) => `https://site${i}.example.com/page`).join(' and ');
    const six = valid({ message: `Look at these: ${links(6)}` });
    const only = valid({ message: 'https://buy-followers.example.com/now' });
    const five = valid({ message: `My references: ${links(5)}` });
    for (const body of [six, only, five]) expect((await send(body, newIp())).status).toBe(200);
    expect((await storedBy(six.email as string))[0]).toMatchObject({ status: 'spam', spam_reason: 'links' });
    expect((await storedBy(only.email as string))[0]).toMatchObject({ status: 'spam', spam_reason: 'links' });
    const [fine] = await storedBy(five.email as string);
    expect(fine).toMatchObject({ status: 'new' });
    expect((await alertsFor((await storedBy(six.email as string))[0]!.id)).length).toBe(0);
    expect((await alertsFor(fine!.id)).length).toBeGreaterThan(0);
  });

  it('the same email and message within 24 h is answered 200 and not stored twice', async () => {
    const body = valid();
    expect((await send(body, newIp())).status).toBe(200);
    expect((await send(body, newIp())).status).toBe(200);
    expect(await storedBy(body.email as string)).toHaveLength(1);
    // A day later the same text is a new message.
    await t.db.execute(sql`UPDATE contact_messages SET created_at = now() - interval '25 hours' WHERE email = ${body.email as string}`);
    expect((await send(body, newIp())).status).toBe(200);
    expect(await storedBy(body.email as string)).toHaveLength(2);
  });

  // The local endpoints answer these in turn, so this passes without the advisory lock too: it shows the
  // outcome, not the race (the lock in services/contact.ts is what holds on a real concurrent server).
  it('identical messages sent at the same instant are stored once', async () => {
    const body = valid();
    const answers = await Promise.all(Array.from({ length: 3 }, () => send(body, newIp())));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(await storedBy(body.email as string)).toHaveLength(1);
  });
});

describe('POST /contact: the admin alert', () => {
  it('notifies every active holder of manage_contact_messages (SPEC-WAVE2 §11.4), escaping what the sender wrote', async () => {
    const manager = await userWithPermissions(t, ['view_contact_messages', 'manage_contact_messages']);
    const reader = await userWithPermissions(t, ['view_contact_messages']);
    const bystander = await registerUser(t);
    const body = valid({ name: '<script>alert(1)</script>', subject: '<img src=x onerror=alert(2)>' });
    expect((await send(body, newIp())).status).toBe(200);
    const [row] = await storedBy(body.email as string);
    const alerts = await alertsFor(row!.id);
    const recipients = alerts.map((a) => a.user_id);
    expect(recipients).toContain(admin.id);
    expect(recipients).toContain(manager.id);
    expect(recipients).not.toContain(reader.id);
    expect(recipients).not.toContain(bystander.id);
    for (const alert of alerts) {
      expect(alert.message).not.toMatch(/<script|<img/);
      expect(alert.message).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(alert.message_ar).toContain('&lt;img src=x onerror=alert(2)&gt;');
    }
  });

  it('stores the row and the alerts atomically: a failure at the alert stores neither (503), and the sender may retry', async () => {
    const body = valid();
    t.database.endpoint.setFault(({ batch, queries }) =>
      batch && queries.some((q) => q.includes('INSERT INTO contact_messages')) ? { type: 'failStatement', statement: 3 } : undefined,
    );
    try {
      expectErrorEnvelope(await send(body, newIp()), 503, 'SERVICE_UNAVAILABLE');
    } finally {
      t.database.endpoint.setFault(null);
    }
    expect(await storedBy(body.email as string)).toEqual([]);
    expect((await send(body, newIp())).status).toBe(200);
    const [row] = await storedBy(body.email as string);
    expect((await alertsFor(row!.id)).length).toBeGreaterThan(0);
  });
});

describe('POST /contact: Turnstile', () => {
  let fake: Server;
  let seen: URLSearchParams[] = [];
  let url = '';
  let tt: TestApp;

  beforeAll(async () => {
    fake = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        const form = new URLSearchParams(raw);
        seen.push(form);
        if (form.get('response') === 'verifier-fails') {
          res.writeHead(500).end('down');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ success: form.get('secret') === 'turnstile-test-secret' && form.get('response') === 'good-token' }));
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const address = fake.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/siteverify`;
    tt = await createTestApp({ TRUST_PROXY: 'true', TURNSTILE_SECRET_KEY: 'turnstile-test-secret', TURNSTILE_VERIFY_URL: url });
  });
  afterAll(async () => {
    await tt.close();
    await new Promise<void>((resolve) => fake.close(() => resolve()));
  });

  const sendTo = (body: Record<string, unknown>, ip: string) => tt.request('POST', '/api/contact', { body, headers: { 'x-forwarded-for': ip } });

  it('is required when configured: missing or rejected → 400 naming turnstile_token; a good token passes, verified with the client IP', async () => {
    seen = [];
    const missing = await sendTo(valid(), '198.51.100.7');
    expectErrorEnvelope(missing, 400, 'VALIDATION_ERROR');
    expect(issuePaths(missing)).toEqual(['turnstile_token']);
    const rejected = await sendTo(valid({ turnstile_token: 'bad-token' }), '198.51.100.7');
    expect(issuePaths(rejected)).toEqual(['turnstile_token']);
    const body = valid({ turnstile_token: 'good-token' });
    expect((await sendTo(body, '198.51.100.7')).status).toBe(200);
    expect(seen.at(-1)?.get('remoteip')).toBe('198.51.100.7');
    const { rows } = await tt.db.execute(sql`SELECT 1 FROM contact_messages WHERE email = ${body.email as string}`);
    expect(rows).toHaveLength(1);
  });

  it('a failing verifier fails closed: 503, nothing stored', async () => {
    const body = valid({ turnstile_token: 'verifier-fails' });
    expectErrorEnvelope(await sendTo(body, '198.51.100.8'), 503, 'SERVICE_UNAVAILABLE');
    expect((await tt.db.execute(sql`SELECT 1 FROM contact_messages WHERE email = ${body.email as string}`)).rows).toHaveLength(0);
  });

  it('is not asked for when no secret is configured', async () => {
    expect((await send(valid(), newIp())).status).toBe(200);
  });
});

describe('admin inbox', () => {
  let reader: TestUser;
  let manager: TestUser;
  beforeAll(async () => {
    reader = await userWithPermissions(t, ['view_contact_messages']);
    manager = await userWithPermissions(t, ['view_contact_messages', 'manage_contact_messages']);
  });

  async function newMessage(overrides: Record<string, unknown> = {}) {
    const body = valid(overrides);
    expect((await send(body, newIp())).status).toBe(200);
    return (await storedBy(body.email as string))[0]!.id;
  }

  it('lists newest first with filters and meta.new_count, never showing ip_hash', async () => {
    const marker = `needle-${crypto.randomUUID().slice(0, 8)}`;
    const id = await newMessage({ subject: `About ${marker}` });
    const list = await t.request('GET', `/api/contact-messages?q=${marker}`, { token: reader.token });
    expect(list.status).toBe(200);
    expect(list.body.data.map((m: any) => m.id)).toEqual([id]);
    expect(list.body.data[0]).not.toHaveProperty('ip_hash');
    const { rows } = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM contact_messages WHERE status = 'new'`);
    expect(list.body.meta).toEqual({ new_count: Number(rows[0]!.n) });
    const spam = await t.request('GET', '/api/contact-messages?status=spam&per_page=100', { token: reader.token });
    expect(spam.body.data.length).toBeGreaterThan(0);
    expect(spam.body.data.every((m: any) => m.status === 'spam')).toBe(true);
    const future = await t.request('GET', `/api/contact-messages?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, { token: reader.token });
    expect(future.body.data).toEqual([]);
    expectErrorEnvelope(await t.request('GET', '/api/contact-messages?status=bogus', { token: reader.token }), 400, 'VALIDATION_ERROR');
    const one = await t.request('GET', `/api/contact-messages/${id}`, { token: reader.token });
    expect(one.body.data).toMatchObject({ id, status: 'new' });
    expect(one.body.data).not.toHaveProperty('ip_hash');
    expectErrorEnvelope(await t.request('GET', `/api/contact-messages/${crypto.randomUUID()}`, { token: reader.token }), 404, 'NOT_FOUND');
  });

  it('moves along the allowed transitions only (409 INVALID_STATE otherwise), stamping who handled it', async () => {
    const id = await newMessage();
    const put = (body: Record<string, unknown>) => t.request('PUT', `/api/contact-messages/${id}`, { token: manager.token, body });
    const read = await put({ status: 'read', admin_note: 'Called back' });
    expect(read.status, read.text).toBe(200);
    expect(read.body.data).toMatchObject({ status: 'read', admin_note: 'Called back', handled_by: manager.id });
    expect(read.body.data.handled_at).toEqual(expect.any(String));
    expect((await put({ status: 'replied' })).body.data.status).toBe('replied');
    const back = await put({ status: 'read' });
    expectErrorEnvelope(back, 409, 'INVALID_STATE');
    expect(back.body.details).toMatchObject({ status: 'replied', allowed: ['archived'] });
    expectErrorEnvelope(await put({ status: 'new' }), 409, 'INVALID_STATE');
    expect((await put({ status: 'archived' })).body.data.status).toBe('archived');
    expectErrorEnvelope(await put({ status: 'spam' }), 409, 'INVALID_STATE');
    expect((await put({ status: 'read' })).body.data.status).toBe('read');
    expect((await put({ admin_note: 'only the note' })).body.data).toMatchObject({ status: 'read', admin_note: 'only the note' });
    expect(issuePaths(await put({ status: 'read', ip_hash: 'x' }))).toContain('ip_hash');
    const { rows } = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'contact_message.update' AND entity_id = ${id}`);
    expect(Number(rows[0]!.n)).toBe(5); // the five changes that applied; refused moves are not audited
  });

  it('spam can be moved back to read', async () => {
    const body = valid({ website: 'bot' });
    await send(body, newIp());
    const [row] = await storedBy(body.email as string);
    const res = await t.request('PUT', `/api/contact-messages/${row!.id}`, { token: manager.token, body: { status: 'read' } });
    expect(res.body.data.status).toBe('read');
  });

  it('deletes (erasure) → {id}; the audit entry has who and when but not the content; then 404', async () => {
    const id = await newMessage({ subject: 'secret-subject' });
    const res = await t.request('DELETE', `/api/contact-messages/${id}`, { token: manager.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ id });
    expect((await t.db.execute(sql`SELECT 1 FROM contact_messages WHERE id = ${id}`)).rows).toHaveLength(0);
    const { rows } = await t.db.execute<{ actor_id: string; changes: unknown }>(
      sql`SELECT actor_id, changes FROM audit_logs WHERE action = 'contact_message.delete' AND entity_id = ${id}`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.actor_id).toBe(manager.id);
    expect(JSON.stringify(rows[0]!.changes ?? null)).not.toContain('secret-subject');
    expectErrorEnvelope(await t.request('DELETE', `/api/contact-messages/${id}`, { token: manager.token }), 404, 'NOT_FOUND');
  });

  it('needs view_contact_messages to read and manage_contact_messages to change (403)', async () => {
    const id = await newMessage();
    const plain = await registerUser(t);
    expectErrorEnvelope(await t.request('GET', '/api/contact-messages', { token: plain.token }), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(await t.request('GET', `/api/contact-messages/${id}`, { token: plain.token }), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(await t.request('PUT', `/api/contact-messages/${id}`, { token: reader.token, body: { status: 'read' } }), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(await t.request('DELETE', `/api/contact-messages/${id}`, { token: reader.token }), 403, 'AUTHORIZATION_ERROR');
    expectErrorEnvelope(await t.request('GET', '/api/contact-messages'), 401, 'AUTHENTICATION_ERROR');
  });
});

describe('retention', () => {
  it('maintenance deletes spam older than 30 days, and nothing else', async () => {
    const oldSpam = valid({ website: 'bot' });
    const oldNormal = valid();
    await send(oldSpam, newIp());
    await send(oldNormal, newIp());
    await t.db.execute(sql`UPDATE contact_messages SET created_at = now() - interval '31 days' WHERE email IN (${oldSpam.email as string}, ${oldNormal.email as string})`);
    await runMaintenance(t.db, t.config);
    expect(await storedBy(oldSpam.email as string)).toEqual([]);
    expect(await storedBy(oldNormal.email as string)).toHaveLength(1);
  });
});
