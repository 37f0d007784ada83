/**
 * Currencies (SPEC-WAVE2 §12): exact conversion (TypeScript and SQL agree at every rounding boundary),
 * the payment's snapshot of the rate, quotes, `expected_amount`, stale rates, one default under
 * concurrency, USD's fixed fields, delete vs deactivate, catalog caching, and stats by currency.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertMinor, convertMinorSql, parseRate } from '../../../src/services/currency-math.js';
import {
  createTestApp,
  expectErrorEnvelope,
  issuePaths,
  ledgerInvariant,
  loginAdmin,
  registerUser,
  type TestApp,
  type TestUser,
} from '../../support/harness.js';
import { PNG_PROOF, rows, seededCatalog, type Catalog } from './helpers.js';

let t: TestApp;
let admin: TestUser;
let catalog: Catalog;
beforeAll(async () => {
  t = await createTestApp();
  admin = await loginAdmin(t);
  catalog = await seededCatalog(t);
});
afterAll(async () => {
  await t?.close();
});

let codeCounter = 0;
/** A fresh three-letter code per test (A..Z letters only). */
function freshCode(): string {
  const n = 26 * 26 * 3 + ++codeCounter * 7;
  return [Math.floor(n / 676) % 26, Math.floor(n / 26) % 26, n % 26].map((d) => String.fromCharCode(65 + d)).join('');
}

async function createCurrency(body: Record<string, unknown> = {}) {
  const res = await t.request('POST', '/api/currencies', {
    token: admin.token,
    body: { code: freshCode(), name: 'Test pound', symbol: 'T£', decimals: 0, rate_per_usd: '13000.123456', rounding_increment_minor: 100, ...body },
  });
  if (res.status !== 201) throw new Error(`currency create failed: ${res.status} ${res.text}`);
  return res.body.data;
}

const pay = (user: TestUser, body: Record<string, unknown>) =>
  t.request('POST', '/api/payments', {
    token: user.token,
    body: { package_id: catalog.starter.id, payment_method_id: catalog.methodId, payment_proof: PNG_PROOF, ...body },
  });

describe('conversion (§12.2)', () => {
  const examples: [string, string, number, number, bigint][] = [
    // amount_usd, rate, decimals, increment, expected minor
    ['1.00', '0.5', 0, 1, 1n], // 0.5 → half-up to 1
    ['0.01', '150', 0, 1, 2n], // 1.5 → 2
    ['0.01', '149.999999', 0, 1, 1n], // 1.49999999 → 1
    ['1.00', '150', 0, 100, 200n], // 150 / 100 = 1.5 steps → 2 steps
    ['1.00', '149.999999', 0, 100, 100n], // 1.49999999 steps → 1
    ['9.99', '13000.123456', 0, 100, 129900n], // 129871.23 → 1298.71 steps → 1299
    ['9.99', '13000.123456', 0, 1, 129871n],
    ['0.05', '0.1', 2, 1, 1n], // 0.5 cents → 1
    ['0.05', '0.09', 2, 1, 0n], // 0.45 → 0
    ['1.23', '1.000005', 4, 1, 12300n], // 12300.0615 → 12300
    ['1.23', '1.000045', 4, 1, 12301n], // 12300.5535 → 12301
    ['0.02', '0.0025', 4, 1, 1n], // 0.5 at 4 decimals → 1
    ['0.02', '0.000025', 4, 1, 0n], // 0.005 → 0
    ['2.50', '1', 2, 1, 250n],
    ['0.00', '13000', 0, 100, 0n],
    ['9999999999.99', '1000000000000', 4, 1, 999999999999n * 10n ** 14n], // beyond bigint: refused at payment time
  ];
  it('gives the exact minor amounts at the rounding boundaries (half-up, increments, 0–4 decimals)', () => {
    for (const [amount, rate, decimals, increment, expected] of examples) {
      expect(convertMinor(amount, rate, decimals, increment), `${amount} × ${rate} (${decimals}, ${increment})`).toBe(expected);
    }
  });

  it('TypeScript and SQL agree, at the boundaries and on 400 random cases', async () => {
    const random: [string, string, number, number][] = [];
    for (let i = 0; i < 400; i++) {
      const cents = BigInt(Math.floor(Math.random() * 10 ** (1 + (i % 9))));
      const micro = BigInt(1 + Math.floor(Math.random() * 10 ** (1 + (i % 13))));
      const amount = `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
      const rate = `${micro / 1_000_000n}.${(micro % 1_000_000n).toString().padStart(6, '0')}`;
      random.push([amount, rate, i % 5, [1, 5, 10, 25, 100, 250, 1000][i % 7]!]);
    }
    const cases = [...examples.map(([a, r, d, inc]) => [a, r, d, inc] as [string, string, number, number]), ...random];
    const values = sql.join(
      cases.map(([a, r, d, inc], i) => sql`(${i}::int, ${a}::numeric(12,2), ${r}::numeric(20,6), ${d}::smallint, ${inc}::int)`),
      sql`, `,
    );
    const result = await rows<{ i: number; minor: string }>(
      t,
      sql`SELECT v.i, (${convertMinorSql(sql`v.a`, sql`v.r`, sql`v.d`, sql`v.inc`)})::text AS minor FROM (VALUES ${values}) AS v(i, a, r, d, inc) ORDER BY v.i`,
    );
    for (const row of result) {
      const [a, r, d, inc] = cases[Number(row.i)]!;
      expect(BigInt(row.minor.replace(/\.0*$/, '')), `${a} × ${r} (${d}, ${inc})`).toBe(convertMinor(a, r, d, inc));
    }
    expect(result).toHaveLength(cases.length);
  });

  it('accepts rates with ≤ 6 decimals and ≤ 15 significant digits, > 0 and ≤ 10^12, as number or string', async () => {
    expect(parseRate(13000.123456)).toBe('13000.123456');
    expect(parseRate('0012.50')).toBe('12.5');
    expect(parseRate('1000000000000')).toBe('1000000000000');
    for (const bad of ['0', 0, '1.1234567', '1234567890.1234567', '1000000000000.000001', 1e-7, '1e3', 'abc', -1, '', true]) {
      expect(parseRate(bad), String(bad)).toBeNull();
    }
    const res = await t.request('POST', '/api/currencies', {
      token: admin.token,
      body: { code: freshCode(), name: 'Bad', symbol: 'B', decimals: 2, rate_per_usd: '1.1234567' },
    });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toEqual(['rate_per_usd']);
    const made = await createCurrency({ rate_per_usd: 13000.123456 });
    expect(made.rate_per_usd).toBe(13000.123456);
  });
});

describe('payments in a currency', () => {
  it('refuses a client-sent amount, rate or credits (strict body)', async () => {
    const user = await registerUser(t);
    const res = await pay(user, { currency_amount: 100, exchange_rate: 1, currency_amount_minor: 100, amount_usd: 1, credits: 9 });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res).sort()).toEqual(['amount_usd', 'credits', 'currency_amount', 'currency_amount_minor', 'exchange_rate']);
  });

  it('without currency_code a payment is in USD, whatever the default', async () => {
    const user = await registerUser(t);
    const res = await pay(user, {});
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      currency_code: 'USD',
      exchange_rate: 1,
      currency_decimals: 2,
      currency_amount: 9.99,
      currency_amount_minor: 999,
      amount_usd: 9.99,
    });
  });

  it('quotes, then records the server amount, the rate and its timestamp; credits do not depend on the rate', async () => {
    const cur = await createCurrency();
    const user = await registerUser(t);
    const quote = await t.request('POST', '/api/payments/quote', { token: user.token, body: { package_id: catalog.starter.id, currency_code: cur.code.toLowerCase() } });
    expect(quote.status).toBe(200);
    expect(quote.body.data).toEqual({
      credits: 5,
      list_price_usd: 9.99,
      discount_usd: 0,
      amount_usd: 9.99,
      currency: { code: cur.code, symbol: 'T£', decimals: 0, rate_per_usd: 13000.123456, rate_updated_at: cur.rate_updated_at, amount: 129900, amount_minor: 129900 },
    });
    const before = (await ledgerInvariant(t, user.id)).balance;
    const res = await pay(user, { currency_code: cur.code, expected_amount: 129900 });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      credits: 5,
      amount_usd: 9.99,
      currency_code: cur.code,
      currency_amount: 129900,
      currency_amount_minor: 129900,
      currency_decimals: 0,
      exchange_rate: 13000.123456,
      rate_quoted_at: cur.rate_updated_at,
    });
    // The rate moves after submission: approval still books the package's credits, the payment keeps its rate.
    await t.request('PUT', `/api/currencies/${cur.id}`, { token: admin.token, body: { rate_per_usd: 26000 } });
    const approved = await t.request('POST', `/api/payments/${res.body.data.id}/approve`, { token: admin.token });
    expect(approved.status).toBe(200);
    expect(approved.body.data).toMatchObject({ exchange_rate: 13000.123456, currency_amount_minor: 129900 });
    const inv = await ledgerInvariant(t, user.id);
    expect(inv).toEqual({ balance: before + 5, ledgerSum: before + 5 });
  });

  it('expected_amount that differs → 400 with the new quote; a rate changed since the quote is recorded (or refused with expected_amount)', async () => {
    const cur = await createCurrency({ decimals: 2, rounding_increment_minor: 1, rate_per_usd: '3.5' });
    const user = await registerUser(t);
    const quote = await t.request('POST', '/api/payments/quote', { token: user.token, body: { package_id: catalog.starter.id, currency_code: cur.code } });
    expect(quote.body.data.currency.amount).toBe(34.97); // 9.99 × 3.5 = 34.965 → half-up 34.97
    const moved = await t.request('PUT', `/api/currencies/${cur.id}`, { token: admin.token, body: { rate_per_usd: 3.6 } });
    expect(moved.status).toBe(200);
    expect(Date.parse(moved.body.data.rate_updated_at)).toBeGreaterThan(Date.parse(cur.rate_updated_at));
    expect(moved.body.data.rate_updated_by).toBe(admin.id);

    const stale = await pay(user, { currency_code: cur.code, expected_amount: 34.97 });
    const err = expectErrorEnvelope(stale, 400, 'VALIDATION_ERROR');
    expect(issuePaths(stale)).toEqual(['expected_amount']);
    expect(err.details.reason).toBe('price_changed');
    expect(err.details.quote.currency).toMatchObject({ amount: 35.96, amount_minor: 3596, rate_per_usd: 3.6 });
    expect(await rows(t, sql`SELECT 1 FROM payments WHERE user_id = ${user.id}`)).toHaveLength(0);

    const fresh = await pay(user, { currency_code: cur.code });
    expect(fresh.status).toBe(201);
    expect(fresh.body.data).toMatchObject({ exchange_rate: 3.6, currency_amount: 35.96, currency_amount_minor: 3596 });
    const same = await pay(user, { currency_code: cur.code, expected_amount: 35.96 });
    expect(same.status).toBe(201);
  });

  it('an unknown or inactive currency → 400 naming currency_code', async () => {
    const user = await registerUser(t);
    const inactive = await createCurrency({ is_active: false });
    for (const code of ['ZZZ', inactive.code]) {
      const res = await pay(user, { currency_code: code });
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(issuePaths(res)).toEqual(['currency_code']);
      const q = await t.request('POST', '/api/payments/quote', { token: user.token, body: { package_id: catalog.starter.id, currency_code: code } });
      expect(issuePaths(q)).toEqual(['currency_code']);
    }
  });

  it('a stale rate → 409 rate_stale for quotes and payments; USD always works', async () => {
    const cur = await createCurrency({ rate_max_age_hours: 1 });
    const user = await registerUser(t);
    expect((await pay(user, { currency_code: cur.code })).status).toBe(201);
    await t.db.execute(sql`UPDATE currencies SET rate_updated_at = now() - interval '61 minutes' WHERE id = ${cur.id}`);
    const res = await pay(user, { currency_code: cur.code });
    expect(expectErrorEnvelope(res, 409, 'INVALID_STATE').details.reason).toBe('rate_stale');
    const q = await t.request('POST', '/api/payments/quote', { token: user.token, body: { package_id: catalog.starter.id, currency_code: cur.code } });
    expect(expectErrorEnvelope(q, 409, 'INVALID_STATE').details.reason).toBe('rate_stale');
    await t.db.execute(sql`UPDATE currencies SET rate_max_age_hours = 1, rate_updated_at = now() - interval '100 days' WHERE code = 'USD'`);
    expect((await pay(user, { currency_code: 'USD' })).status).toBe(201);
    await t.db.execute(sql`UPDATE currencies SET rate_max_age_hours = NULL WHERE code = 'USD'`);
  });

  it('an amount whose minor units would not fit bigint → 400 naming currency_code', async () => {
    const huge = await createCurrency({ decimals: 4, rounding_increment_minor: 1, rate_per_usd: '1000000000000' });
    const user = await registerUser(t);
    const ok = await t.request('POST', '/api/payments/quote', { token: user.token, body: { package_id: catalog.starter.id, currency_code: huge.code } });
    expect(ok.body.data.currency.amount_minor).toBe(99900000000000000); // 9.99 × 10^12 × 10^4 fits
    const res = await pay(user, { currency_code: huge.code, quantity: 100 }); // 999 × 10^16 does not
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toEqual(['currency_code']);
  });

  it('stats give approved totals by currency', async () => {
    const cur = await createCurrency({ decimals: 1, rounding_increment_minor: 5, rate_per_usd: 2 });
    const user = await registerUser(t);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await pay(user, { currency_code: cur.code })).body.data.id);
    await pay(user, { currency_code: cur.code }); // stays pending: not counted
    for (const id of ids) expect((await t.request('POST', `/api/payments/${id}/approve`, { token: admin.token })).status).toBe(200);
    const stats = await t.request('GET', '/api/payments/stats', { token: admin.token });
    expect(stats.status).toBe(200);
    // 9.99 × 2 = 19.98 → 199.8 tenths → step 5 → 200 (= 20.0)
    expect(stats.body.data.by_currency.find((r: any) => r.currency_code === cur.code)).toEqual({
      currency_code: cur.code,
      count: 2,
      amount_minor: 400,
      decimals: 1,
      amount_usd: 19.98,
    });
  });
});

describe('administration', () => {
  it('the default is unique under 20 concurrent moves: all 200, exactly one default', async () => {
    const made = [await createCurrency(), await createCurrency(), await createCurrency()];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.request('PUT', `/api/currencies/${made[i % 3]!.id}`, { token: admin.token, body: { is_default: true } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const defaults = await rows(t, sql`SELECT code FROM currencies WHERE is_default`);
    expect(defaults).toHaveLength(1);
    // A payment without currency_code stays in USD whatever the default.
    const user = await registerUser(t);
    expect((await pay(user, {})).body.data.currency_code).toBe('USD');
    // Clearing the only default, or deactivating it → 400; the default cannot be deleted.
    const current = made.find((m) => m.code === (defaults[0] as any).code)!;
    const clear = await t.request('PUT', `/api/currencies/${current.id}`, { token: admin.token, body: { is_default: false } });
    expect(issuePaths(clear)).toEqual(['is_default']);
    const off = await t.request('PUT', `/api/currencies/${current.id}`, { token: admin.token, body: { is_active: false } });
    expect(issuePaths(off)).toEqual(['is_active']);
    expectErrorEnvelope(await t.request('DELETE', `/api/currencies/${current.id}`, { token: admin.token }), 409, 'CONFLICT');
    const usd = (await rows<{ id: string }>(t, sql`SELECT id FROM currencies WHERE code = 'USD'`))[0]!;
    expect((await t.request('PUT', `/api/currencies/${usd.id}`, { token: admin.token, body: { is_default: true } })).status).toBe(200);
    // Created as the default: the flag moves in the same batch.
    const created = await createCurrency({ is_default: true });
    expect(created.is_default).toBe(true);
    expect(await rows(t, sql`SELECT code FROM currencies WHERE is_default`)).toEqual([{ code: created.code }]);
    expect((await t.request('PUT', `/api/currencies/${usd.id}`, { token: admin.token, body: { is_default: true } })).status).toBe(200);
    // An inactive currency cannot become the default.
    const inactive = await createCurrency({ is_active: false });
    const bad = await t.request('PUT', `/api/currencies/${inactive.id}`, { token: admin.token, body: { is_default: true } });
    expect(issuePaths(bad)).toEqual(['is_default']);
  });

  it('USD is immutable and cannot be deleted', async () => {
    const usd = (await rows<{ id: string }>(t, sql`SELECT id FROM currencies WHERE code = 'USD'`))[0]!;
    for (const [field, value] of [
      ['rate_per_usd', 2],
      ['decimals', 3],
      ['code', 'USX'],
      ['rounding_increment_minor', 5],
      ['is_active', false],
    ] as const) {
      const res = await t.request('PUT', `/api/currencies/${usd.id}`, { token: admin.token, body: { [field]: value } });
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(issuePaths(res)).toEqual([field]);
    }
    const renamed = await t.request('PUT', `/api/currencies/${usd.id}`, { token: admin.token, body: { name: 'Dollar', rate_per_usd: '1.000000' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data).toMatchObject({ name: 'Dollar', rate_per_usd: 1, decimals: 2 });
    const del = await t.request('DELETE', `/api/currencies/${usd.id}`, { token: admin.token });
    expect(expectErrorEnvelope(del, 409, 'CONFLICT').details.reason).toBe('usd');
  });

  it('an unused currency is deleted; a used one is deactivated and its code cannot change', async () => {
    const unused = await createCurrency();
    const del = await t.request('DELETE', `/api/currencies/${unused.id}`, { token: admin.token });
    expect(del.body.data).toEqual({ id: unused.id, deactivated: false });
    expect(await rows(t, sql`SELECT 1 FROM currencies WHERE id = ${unused.id}`)).toHaveLength(0);

    const used = await createCurrency();
    const user = await registerUser(t);
    expect((await pay(user, { currency_code: used.code })).status).toBe(201);
    const rename = await t.request('PUT', `/api/currencies/${used.id}`, { token: admin.token, body: { code: freshCode() } });
    expectErrorEnvelope(rename, 409, 'CONFLICT');
    const off = await t.request('DELETE', `/api/currencies/${used.id}`, { token: admin.token });
    expect(off.body.data).toEqual({ id: used.id, deactivated: true });
    expect((await t.request('GET', `/api/currencies/${used.id}`)).status).toBe(404);
    const dup = await t.request('POST', '/api/currencies', {
      token: admin.token,
      body: { code: used.code, name: 'Again', symbol: 'A', decimals: 2, rate_per_usd: 1 },
    });
    expectErrorEnvelope(dup, 409, 'CONFLICT');
    // Audited with before/after.
    const log = await rows<{ action: string; changes: any }>(
      t,
      sql`SELECT action, changes FROM audit_logs WHERE entity_type = 'currency' AND entity_id = ${used.id} ORDER BY created_at`,
    );
    expect(log.map((l) => l.action)).toEqual(['currency.create', 'currency.deactivate']);
  });

  it('writes need manage_settings', async () => {
    const user = await registerUser(t);
    const res = await t.request('POST', '/api/currencies', { token: user.token, body: { code: 'ABC', name: 'x', symbol: 'x', decimals: 0, rate_per_usd: 1 } });
    expectErrorEnvelope(res, 403, 'AUTHORIZATION_ERROR');
    const list = await t.request('GET', '/api/currencies?include_inactive=true', { token: user.token });
    expectErrorEnvelope(list, 403, 'AUTHORIZATION_ERROR');
  });
});

describe('catalog reads', () => {
  it('GET /currencies lists active ones with ETag / 304; admins see inactive ones uncached', async () => {
    const inactive = await createCurrency({ is_active: false });
    const res = await t.request('GET', '/api/currencies?per_page=100');
    expect(res.status).toBe(200);
    expect(res.body.data.some((c: any) => c.code === 'USD')).toBe(true);
    expect(res.body.data.some((c: any) => c.code === inactive.code)).toBe(false);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    const etag = res.headers.get('etag')!;
    const again = await t.request('GET', '/api/currencies?per_page=100', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const all = await t.request('GET', '/api/currencies?include_inactive=true&per_page=100', { token: admin.token });
    expect(all.headers.get('cache-control')).toBe('private, no-store');
    expect(all.body.data.some((c: any) => c.code === inactive.code)).toBe(true);
  });

  it('GET /credit-packages?currency= prices each package, cached per currency; unknown → 400 naming currency', async () => {
    const cur = await createCurrency();
    const res = await t.request('GET', `/api/credit-packages?currency=${cur.code}`);
    expect(res.status).toBe(200);
    const starter = res.body.data.find((p: any) => p.id === catalog.starter.id);
    expect(starter.price_in_currency).toEqual({ code: cur.code, symbol: 'T£', decimals: 0, amount: 129900, amount_minor: 129900, rate_per_usd: 13000.123456 });
    const etag = res.headers.get('etag')!;
    expect(etag).not.toBe((await t.request('GET', '/api/credit-packages')).headers.get('etag'));
    expect((await t.request('GET', `/api/credit-packages?currency=${cur.code}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    // A rate change is seen at once in this isolate (the currency cache is invalidated).
    await t.request('PUT', `/api/currencies/${cur.id}`, { token: admin.token, body: { rate_per_usd: 1 } });
    const moved = await t.request('GET', `/api/credit-packages?currency=${cur.code}`, { headers: { 'if-none-match': etag } });
    expect(moved.status).toBe(200);
    expect(moved.body.data.find((p: any) => p.id === catalog.starter.id).price_in_currency.amount_minor).toBe(0); // 9.99 → 10 → step 100 → 0
    const bad = await t.request('GET', '/api/credit-packages?currency=ZZZ');
    expectErrorEnvelope(bad, 400, 'VALIDATION_ERROR');
    expect(issuePaths(bad)).toEqual(['currency']);
  });
});
