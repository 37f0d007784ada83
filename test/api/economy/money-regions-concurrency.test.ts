/**
 * Currencies and vouchers in the 50-way money suite (SPEC-WAVE2 §12, §13): 50 requests at once through the
 * real app, then the EXACT outcome and the ledger invariant for every user involved.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertMinor } from '../../../src/services/currency-math.js';
import { ledgerInvariant, loginAdmin, type TestApp, type TestUser } from '../../support/harness.js';
import { createAnalysis, newUser } from '../ai/setup.js';
import { createTestApp } from '../../support/harness.js';
import { PNG_PROOF, rows, seededCatalog, type Catalog } from './helpers.js';

const N = 50;
let t: TestApp;
let admin: TestUser;
let catalog: Catalog;
beforeAll(async () => {
  t = await createTestApp();
  admin = await loginAdmin(t);
  catalog = await seededCatalog(t);
});
afterAll(() => t?.close());

const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

async function expectInvariant(userId: string) {
  const { balance, ledgerSum } = await ledgerInvariant(t, userId);
  expect(balance).toBe(ledgerSum);
  return balance;
}

async function ngoWith(credits: number, name: string) {
  const user = await newUser(t, credits);
  const req = await t.request('POST', '/api/ngo/requests', {
    token: user.token,
    body: { organization_name: name, organization_type: 'nonprofit', contact_name: 'Contact', contact_email: 'c@ngo.example', contact_phone: '+963 1 1' },
  });
  expect((await t.request('POST', `/api/ngo/requests/${req.body.data.id}/approve`, { token: admin.token, body: {} })).status).toBe(200);
  return user;
}

async function beneficiaries(n: number, credits: number) {
  const users = await Promise.all(times(n, () => newUser(t, credits)));
  await Promise.all(users.map((u) => t.request('PUT', '/api/auth/me', { token: u.token, body: { full_name: 'Beneficiary', phone_number: '+963 2 2' } })));
  const analyses = await Promise.all(users.map((u) => createAnalysis(t, u)));
  return users.map((user, i) => ({ user, analysis: analyses[i]! }));
}

describe('currencies at 50-way', () => {
  it('50 payments in a currency while its rate moves 10 times: each records its own rate and the exact amount at that rate', async () => {
    const code = 'QQS';
    const made = await t.request('POST', '/api/currencies', {
      token: admin.token,
      body: { code, name: 'Test lira', symbol: 'L', decimals: 0, rate_per_usd: '13000.5', rounding_increment_minor: 50 },
    });
    expect(made.status).toBe(201);
    const buyers = await Promise.all(times(N, () => newUser(t)));
    const rates = times(10, (i) => `${13000 + i * 7}.${String(i * 123457).slice(0, 6).padEnd(6, '0')}`);
    const results = await Promise.all([
      ...buyers.map((b) =>
        t.request('POST', '/api/payments', {
          token: b.token,
          body: { package_id: catalog.starter.id, payment_method_id: catalog.methodId, payment_proof: PNG_PROOF, currency_code: code },
        }),
      ),
      ...rates.map((rate) => t.request('PUT', `/api/currencies/${made.body.data.id}`, { token: admin.token, body: { rate_per_usd: rate } })),
    ]);
    expect(results.map((r) => r.status)).toEqual([...Array(N).fill(201), ...Array(10).fill(200)]);
    const stored = await rows<{ exchange_rate: string; currency_amount_minor: string; amount_usd: string; credits: number }>(
      t,
      sql`SELECT exchange_rate, currency_amount_minor::text, amount_usd, credits FROM payments WHERE currency_code = ${code}`,
    );
    expect(stored).toHaveLength(N);
    const known = new Set(['13000.500000', ...rates.map((r) => Number(r).toFixed(6))]);
    for (const p of stored) {
      expect(known.has(p.exchange_rate), p.exchange_rate).toBe(true);
      expect(BigInt(p.currency_amount_minor)).toBe(convertMinor(p.amount_usd, p.exchange_rate, 0, 50));
      expect(Number(p.credits)).toBe(catalog.starter.credits); // the rate never changes the credits
    }
    // Approving them all at once books exactly the package credits per payment.
    const ids = (await rows<{ id: string }>(t, sql`SELECT id FROM payments WHERE currency_code = ${code}`)).map((r) => r.id);
    const approvals = await Promise.all(ids.map((id) => t.request('POST', `/api/payments/${id}/approve`, { token: admin.token })));
    expect(approvals.every((a) => a.status === 200)).toBe(true);
    for (const b of buyers) expect(await expectInvariant(b.id)).toBe(3 + catalog.starter.credits);
  });
});

describe('vouchers at 50-way', () => {
  it('self-funded, cap 10: exactly 10 beneficiaries are charged once; the 40 others keep every credit', async () => {
    const ngo = await ngoWith(0, 'Self Funded Org');
    const v = await t.request('POST', '/api/ngo/vouchers', { token: ngo.token, body: { name: 'Cohort', max_redemptions: 10 } });
    const people = await beneficiaries(N, 1);
    const results = await Promise.all(
      people.map(({ user, analysis }) =>
        t.request('POST', `/api/analyses/${analysis}/redeem-voucher`, { token: user.token, body: { code: v.body.data.code, ngo_consent: true } }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    expect(results.filter((r) => r.status === 400 && r.body.details.reason === 'exhausted')).toHaveLength(40);
    const balances = await Promise.all(people.map(({ user }) => expectInvariant(user.id)));
    expect(balances.filter((b) => b === 0)).toHaveLength(10);
    expect(balances.filter((b) => b === 1)).toHaveLength(40);
    expect(await expectInvariant(ngo.id)).toBe(0);
  });

  it('sponsored, cap 50, NGO budget 30: exactly 30 succeed, 20 get voucher_unfunded, the budget ends at 0', async () => {
    const ngo = await ngoWith(30, 'Sponsor Org');
    const v = await t.request('POST', '/api/ngo/vouchers', { token: ngo.token, body: { name: 'Cohort', max_redemptions: 50, funding: 'sponsored' } });
    const people = await beneficiaries(N, 0);
    const results = await Promise.all(
      people.map(({ user, analysis }) =>
        t.request('POST', `/api/analyses/${analysis}/redeem-voucher`, { token: user.token, body: { code: v.body.data.code, ngo_consent: true } }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(30);
    expect(results.filter((r) => r.status === 409 && r.body.details.reason === 'voucher_unfunded')).toHaveLength(20);
    expect(await expectInvariant(ngo.id)).toBe(0);
    for (const { user } of people) expect(await expectInvariant(user.id)).toBe(0);
    const [count] = await rows<{ redeemed_count: number }>(t, sql`SELECT redeemed_count FROM ngo_vouchers WHERE id = ${v.body.data.id}`);
    expect(count!.redeemed_count).toBe(30);
    const stats = await t.request('GET', '/api/ngo/stats', { token: ngo.token });
    expect(stats.body.data).toMatchObject({ total_reports: 30, sponsored_credits_spent: 30 });

    // 30 unlinks at once (owners and NGO racing on the same links): each link ends exactly once, no money moves.
    const linked = people.filter((_, i) => results[i]!.status === 200);
    const unlinks = await Promise.all(
      linked.flatMap(({ user, analysis }) => [
        t.request('DELETE', `/api/analyses/${analysis}/voucher`, { token: user.token }),
        t.request('PUT', `/api/ngo/analyses/${analysis}/unlink`, { token: ngo.token, body: {} }),
      ]),
    );
    expect(unlinks.filter((r) => r.status === 200)).toHaveLength(30);
    expect(await expectInvariant(ngo.id)).toBe(0);
    expect((await t.request('GET', '/api/ngo/stats', { token: ngo.token })).body.data).toMatchObject({ total_reports: 0, sponsored_credits_spent: 30 });
  });
});
