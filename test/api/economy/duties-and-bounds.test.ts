/**
 * Issue 10 §4 findings in the economy: separation of duties (own payment, own balance), privilege
 * inversion (changing a user who holds permissions you lack), and bounded numbers (a balance that
 * would leave the integer range is a 409 naming the field, never a 500).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  expectErrorEnvelope,
  ledgerInvariant,
  loginAdmin,
  registerUser,
  userWithPermissions,
  type TestApp,
  type TestUser,
} from '../../support/harness.js';
import { rows, seededCatalog, submitPayment, type Catalog } from './helpers.js';

let t: TestApp;
let admin: TestUser;
let catalog: Catalog;
beforeAll(async () => {
  t = await createTestApp();
  admin = await loginAdmin(t);
  catalog = await seededCatalog(t);
});
afterAll(async () => {
  await t.close();
});

const base = () => ({ package_id: catalog.starter.id, payment_method_id: catalog.methodId });

describe('separation of duties', () => {
  it('a holder of manage_payments cannot approve their own payment (403), and nothing is booked', async () => {
    const reviewer = await userWithPermissions(t, ['view_payments', 'manage_payments']);
    const own = await submitPayment(t, reviewer, base());
    expect(own.status).toBe(201);
    const res = await t.request('POST', `/api/payments/${own.body.data.id}/approve`, { token: reviewer.token });
    expectErrorEnvelope(res, 403, 'AUTHORIZATION_ERROR');
    const [payment] = await rows<{ status: string }>(t, sql`SELECT status FROM payments WHERE id = ${own.body.data.id}`);
    expect(payment!.status).toBe('pending');
    expect(await ledgerInvariant(t, reviewer.id)).toEqual({ balance: 3, ledgerSum: 3 });
    const audit = await rows(t, sql`SELECT 1 FROM audit_logs WHERE entity_id = ${own.body.data.id}`);
    expect(audit).toEqual([]);
    // Another reviewer can approve it.
    expect((await t.request('POST', `/api/payments/${own.body.data.id}/approve`, { token: admin.token })).status).toBe(200);
  });

  it('the super admin cannot approve their own payment either', async () => {
    const own = await submitPayment(t, admin, base());
    expect(own.status).toBe(201);
    expectErrorEnvelope(await t.request('POST', `/api/payments/${own.body.data.id}/approve`, { token: admin.token }), 403, 'AUTHORIZATION_ERROR');
  });

  it('the same reviewer still approves other users\' payments', async () => {
    const reviewer = await userWithPermissions(t, ['view_payments', 'manage_payments']);
    const buyer = await registerUser(t);
    const paid = await submitPayment(t, buyer, base());
    expect((await t.request('POST', `/api/payments/${paid.body.data.id}/approve`, { token: reviewer.token })).status).toBe(200);
  });

  it('a holder of manage_credits cannot adjust their own balance (403), a super admin included', async () => {
    const clerk = await userWithPermissions(t, ['view_credits', 'manage_credits']);
    const res = await t.request('POST', `/api/users/${clerk.id}/adjust-credits`, { token: clerk.token, body: { credits: 1000, reason: 'bonus' } });
    expectErrorEnvelope(res, 403, 'AUTHORIZATION_ERROR');
    expect((await ledgerInvariant(t, clerk.id)).balance).toBe(3);
    const self = await t.request('POST', `/api/users/${admin.id}/adjust-credits`, { token: admin.token, body: { credits: 1000, reason: 'bonus' } });
    expectErrorEnvelope(self, 403, 'AUTHORIZATION_ERROR');
    // Adjusting someone else still works.
    const other = await registerUser(t);
    expect((await t.request('POST', `/api/users/${other.id}/adjust-credits`, { token: clerk.token, body: { credits: 5, reason: 'goodwill' } })).status).toBe(200);
  });
});

describe('privilege inversion', () => {
  it('a custom role with view_users + manage_users cannot demote or deactivate an admin', async () => {
    const helpdesk = await userWithPermissions(t, ['view_users', 'manage_users']);
    const target = await registerUser(t);
    await t.db.execute(sql`UPDATE users SET role_id = (SELECT id FROM roles WHERE name = 'admin') WHERE id = ${target.id}`);
    const demote = await t.request('PUT', `/api/users/${target.id}`, { token: helpdesk.token, body: { role: 'user' } });
    expectErrorEnvelope(demote, 403, 'AUTHORIZATION_ERROR');
    const deactivate = await t.request('PUT', `/api/users/${target.id}`, { token: helpdesk.token, body: { is_active: false } });
    expectErrorEnvelope(deactivate, 403, 'AUTHORIZATION_ERROR');
    const [row] = await rows<{ role: string; is_active: boolean }>(
      t,
      sql`SELECT r.name AS role, u.is_active FROM users u JOIN roles r ON r.id = u.role_id WHERE u.id = ${target.id}`,
    );
    expect(row).toEqual({ role: 'admin', is_active: true });
    // The admin's session still works.
    expect((await t.request('GET', '/api/auth/me', { token: target.token })).status).toBe(200);
  });

  it('the same role may still deactivate a plain user, and an admin may demote an equal', async () => {
    const helpdesk = await userWithPermissions(t, ['view_users', 'manage_users']);
    const plain = await registerUser(t);
    expect((await t.request('PUT', `/api/users/${plain.id}`, { token: helpdesk.token, body: { is_active: false } })).status).toBe(200);
    const other = await registerUser(t);
    await t.db.execute(sql`UPDATE users SET role_id = (SELECT id FROM roles WHERE name = 'admin') WHERE id = ${other.id}`);
    const byAdmin = await t.request('PUT', `/api/users/${other.id}`, { token: admin.token, body: { role: 'user' } });
    expect(byAdmin.status).toBe(200);
  });

  it('profile fields of a higher-ranked user stay editable (only role and active state are guarded)', async () => {
    const helpdesk = await userWithPermissions(t, ['view_users', 'manage_users']);
    const target = await registerUser(t);
    await t.db.execute(sql`UPDATE users SET role_id = (SELECT id FROM roles WHERE name = 'admin') WHERE id = ${target.id}`);
    expect((await t.request('PUT', `/api/users/${target.id}`, { token: helpdesk.token, body: { city: 'Homs' } })).status).toBe(200);
  });
});

describe('bounded numbers', () => {
  it('approving a payment whose credits would overflow the balance is a 409 naming credits, not a 500', async () => {
    const created = await t.request('POST', '/api/credit-packages', {
      token: admin.token,
      body: { name: 'Whale', credits: 100_000, price_usd: 10, is_active: true },
    });
    expect(created.status).toBe(201);
    const buyer = await registerUser(t);
    // A balance already near the top of the range (e.g. years of purchases), then 100 × 100,000 credits.
    await t.db.execute(sql`UPDATE users SET credits = 2147000000 WHERE id = ${buyer.id}`);
    await t.db.execute(sql`INSERT INTO transactions (user_id, type, credits, balance_after, description) VALUES (${buyer.id}, 'adjustment', ${2147000000 - 3}, 2147000000, 'test set-up')`);
    const paid = await submitPayment(t, buyer, { package_id: created.body.data.id, payment_method_id: catalog.methodId, quantity: 100 });
    expect(paid.status).toBe(201);
    expect(paid.body.data.credits).toBe(10_000_000);
    const res = await t.request('POST', `/api/payments/${paid.body.data.id}/approve`, { token: admin.token });
    const b = expectErrorEnvelope(res, 409, 'INVALID_STATE');
    expect(b.details.field).toBe('credits');
    const [payment] = await rows<{ status: string }>(t, sql`SELECT status FROM payments WHERE id = ${paid.body.data.id}`);
    expect(payment!.status).toBe('pending');
  });

  it('an adjustment past the largest balance is a 409 naming credits', async () => {
    const rich = await registerUser(t);
    await t.db.execute(sql`UPDATE users SET credits = 2147483000 WHERE id = ${rich.id}`);
    const res = await t.request('POST', `/api/users/${rich.id}/adjust-credits`, { token: admin.token, body: { credits: 1_000_000, reason: 'year-end correction' } });
    const b = expectErrorEnvelope(res, 409, 'INVALID_STATE');
    expect(b.details.field).toBe('credits');
  });

  it('package credits and quantities above their bounds are 400s naming the field', async () => {
    const big = await t.request('POST', '/api/credit-packages', { token: admin.token, body: { name: 'Too big', credits: 3_000_000_000, price_usd: 10 } });
    expectErrorEnvelope(big, 400, 'VALIDATION_ERROR');
    expect(big.body.details.issues.map((i: { path: string }) => i.path)).toEqual(['credits']);
    const buyer = await registerUser(t);
    const many = await submitPayment(t, buyer, { ...base(), quantity: 101 });
    expectErrorEnvelope(many, 400, 'VALIDATION_ERROR');
    expect(many.body.details.issues.map((i: { path: string }) => i.path)).toEqual(['quantity']);
  });
});

describe('payment proofs lead to the public internet and hold what they declare', () => {
  const proof = async (payment_proof: string) => {
    const buyer = await registerUser(t);
    return t.request('POST', '/api/payments', { token: buyer.token, body: { ...base(), payment_proof } });
  };

  it.each([
    'https://127.0.0.1/receipt.png',
    'https://localhost/receipt.png',
    'https://api.localhost/receipt.png',
    'https://10.1.2.3/receipt.png',
    'https://172.20.0.5/receipt.png',
    'https://192.168.1.10/receipt.png',
    'https://169.254.169.254/latest/meta-data/',
    'https://100.64.0.1/x.png',
    'https://0.0.0.0/x.png',
    'https://2130706433/receipt.png',
    'https://0x7f.1/receipt.png',
    'https://[::1]/receipt.png',
    'https://[fe80::1]/receipt.png',
    'https://[fd00::5]/receipt.png',
    'https://[::ffff:127.0.0.1]/receipt.png',
    'https://intranet/receipt.png',
    'https://user:secret@bank.example.com/receipt.png',
    'https://token@bank.example.com/receipt.png',
  ])('%s is a 400 naming payment_proof', async (url) => {
    const res = await proof(url);
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(res.body.details.issues.map((i: { path: string }) => i.path)).toEqual(['payment_proof']);
  });

  it('public https links are accepted', async () => {
    for (const url of ['https://bank.example.com/receipt.png', 'https://8.8.8.8/r.png', 'https://[2001:4860::8888]/r.png']) {
      expect((await proof(url)).status, url).toBe(201);
    }
  });

  it('a data URL whose bytes are not the declared image type is a 400 naming payment_proof', async () => {
    const pdf = Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj').toString('base64');
    const html = Buffer.from('<html><script>alert(1)</script></html>').toString('base64');
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).toString('base64');
    for (const url of [`data:image/png;base64,${pdf}`, `data:image/jpeg;base64,${html}`, `data:image/webp;base64,${png}`, `data:image/jpeg;base64,${png}`]) {
      const res = await proof(url);
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(res.body.details.issues.map((i: { path: string }) => i.path)).toEqual(['payment_proof']);
    }
    const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.from([36, 0, 0, 0]), Buffer.from('WEBPVP8 ')]).toString('base64');
    expect((await proof(`data:image/png;base64,${png}`)).status).toBe(201);
    expect((await proof(`data:image/webp;base64,${webp}`)).status).toBe(201);
  });
});

describe('ideas without letters', () => {
  it.each([
    ['only zero-width spaces', '\u200b'.repeat(40)],
    ['only punctuation', '!!!???...,,,;;;:::---'],
    ['only digits', '1234567890 0987654321'],
  ])('%s: creation is a 400 naming business_idea', async (_name, idea) => {
    const user = await registerUser(t);
    const res = await t.request('POST', '/api/analyses', { token: user.token, body: { business_idea: idea, report_language: 'en' } });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(res.body.details.issues.map((i: { path: string }) => i.path)).toEqual(['business_idea']);
  });

  it('an update to such an idea is refused too; a plain short idea in Arabic or English is accepted', async () => {
    const user = await registerUser(t);
    const ar = await t.request('POST', '/api/analyses', { token: user.token, body: { business_idea: 'مخبز صغير في حمص', report_language: 'ar' } });
    expect(ar.status).toBe(201);
    const en = await t.request('POST', '/api/analyses', { token: user.token, body: { business_idea: 'A bakery in Homs', report_language: 'en' } });
    expect(en.status).toBe(201);
    const update = await t.request('PUT', `/api/analyses/${en.body.data.id}`, { token: user.token, body: { business_idea: '..........!!' } });
    expectErrorEnvelope(update, 400, 'VALIDATION_ERROR');
  });
});
