/**
 * Issue 16, every list: the pages PostgreSQL builds (db/pagination.ts readJsonPage) answer byte for byte what
 * the way before answered — rows read by drizzle, mapped by the list's serializer and serialized by
 * `paginated()`. Each `/test/mapped/…` route below is that list's handler as it was before its conversion
 * (same selection, same serializer), mounted beside the real routes over the same database. The data holds
 * text JSON escapes, nulls, fractional amounts and amounts past 2^53, timestamps with microseconds.
 */
import { count, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legacyTransactions, payments, transactions } from '../../src/db/schema.js';
import { orderBy, readPage, withTotal } from '../../src/db/pagination.js';
import { paginated } from '../../src/http/envelope.js';
import { pageWindow } from '../../src/http/pagination.js';
import { serializeTransaction, transactionFields } from '../../src/schemas/ledger.js';
import { legacyTransactionFields, serializeLegacyTransaction } from '../../src/schemas/legacy-transaction.js';
import { paymentFields, serializePayment } from '../../src/schemas/payment.js';
import type { AppEnv } from '../../src/types.js';
import { createTestApp, loginAdmin, registerUser, userWithPermissions, type TestApp, type TestUser } from '../support/harness.js';
import { seededCatalog, submitPayment } from '../api/economy/helpers.js';

let t: TestApp;
let admin: TestUser;
let user: TestUser;

/** Text that JSON escapes: quotes, backslashes, control characters, Arabic, emoji, line separators. */
const AWKWARD = [
  'He said "hi" \\ and left\ttab\nnewline\r\u0001\u001f\u007f',
  'منصة لربط الطهاة — مع "اقتباس" 🍲',
  '</script><script>alert(1)</script> & < > \u2028 \u2029',
];

/** The query string of a list request, as the real route reads it. */
function listInput(c: Context<AppEnv>) {
  const q = c.req.query();
  const page = Number(q.page ?? 1);
  const perPage = Number(q.per_page ?? 20);
  return {
    window: pageWindow(c, { page, per_page: perPage }),
    sort: q.sort ?? 'created_at',
    order: (q.order ?? 'desc').toLowerCase() as 'asc' | 'desc',
    q,
  };
}

const SORTS = {
  transactions: { created_at: transactions.createdAt, updated_at: transactions.createdAt, credits: transactions.credits },
  legacy: { created_at: legacyTransactions.createdAt, updated_at: legacyTransactions.createdAt, credits: legacyTransactions.credits },
  payments: { created_at: payments.createdAt, updated_at: payments.updatedAt, amount_usd: payments.amountUsd, status: payments.status },
};

beforeAll(async () => {
  t = await createTestApp({}, {
    extend: (app) => {
      // The handlers as they were before issue 16's conversion (readPage + the serializers).
      app.get('/test/mapped/transactions', async (c) => {
        const { window, sort, order, q } = listInput(c);
        const where = eq(transactions.userId, q.user_id!);
        const page = await readPage(c.var.db, window, {
          page: c.var.db.select(withTotal(transactionFields)).from(transactions).where(where)
            .orderBy(...orderBy(SORTS.transactions, sort, order, transactions.id)).limit(window.limit).offset(window.offset),
          count: c.var.db.select({ n: count() }).from(transactions).where(where),
        });
        return paginated(c, page.rows.map(serializeTransaction), page.pagination);
      });
      app.get('/test/mapped/transactions/legacy', async (c) => {
        const { window, sort, order, q } = listInput(c);
        const where = eq(legacyTransactions.userId, q.user_id!);
        const page = await readPage(c.var.db, window, {
          page: c.var.db.select(withTotal(legacyTransactionFields)).from(legacyTransactions).where(where)
            .orderBy(...orderBy(SORTS.legacy, sort, order, legacyTransactions.id)).limit(window.limit).offset(window.offset),
          count: c.var.db.select({ n: count() }).from(legacyTransactions).where(where),
        });
        return paginated(c, page.rows.map(serializeLegacyTransaction), page.pagination);
      });
      app.get('/test/mapped/payments', async (c) => {
        const { window, sort, order, q } = listInput(c);
        const where: SQL | undefined = q.user_id ? eq(payments.userId, q.user_id) : undefined;
        const page = await readPage(c.var.db, window, {
          page: c.var.db.select(withTotal(paymentFields)).from(payments).where(where)
            .orderBy(...orderBy(SORTS.payments, sort, order, payments.id)).limit(window.limit).offset(window.offset),
          count: c.var.db.select({ n: count() }).from(payments).where(where),
        });
        return paginated(c, page.rows.map(serializePayment), page.pagination);
      });
    },
  });
  admin = await loginAdmin(t);
  user = await registerUser(t);
  const accountant = await userWithPermissions(t, ['manage_credits']);

  // Ledger: adjustments with awkward reasons (text escapes), credits and debits.
  for (const [i, reason] of AWKWARD.entries()) {
    const res = await t.request('POST', `/api/users/${user.id}/adjust-credits`, { token: accountant.token, body: { credits: 10 + i, reason } });
    expect(res.status, res.text).toBe(200);
  }
  // (Ledger rows are append-only; their now() timestamps carry microseconds already.)
  // Flask history: amounts with and without cents, null amounts and texts.
  for (const [i, amount] of ['12.50', null, '0.00', '9999999999.99', '0.10'].entries()) {
    await t.db.execute(sql`INSERT INTO legacy_transactions (id, user_id, type, credits, amount_usd, description, reference_id, status, created_at)
      VALUES (gen_random_uuid(), ${user.id}, ${i ? 'purchase' : AWKWARD[0]}, ${i * 7}, ${amount}, ${AWKWARD[i % 3] ?? null}, ${i % 2 ? null : `ref-${i}`},
              ${i % 2 ? null : 'completed'}, now() - make_interval(secs => ${i * 3.3333339}))`);
  }

  // Payments: through the API (USD, with notes) and a currency with three decimals, plus rows written as the
  // importer would, with amounts past what a double holds exactly.
  const { starter, methodId } = await seededCatalog(t);
  const currency = await t.request('POST', '/api/currencies', {
    token: admin.token,
    body: { code: 'JPZ', name: 'Test dinar', symbol: 'د', decimals: 3, rate_per_usd: '1.123457', rounding_increment_minor: 1 },
  });
  expect(currency.status, currency.text).toBe(201);
  for (const notes of AWKWARD) expect((await submitPayment(t, user, { package_id: starter.id, payment_method_id: methodId, notes })).status).toBe(201);
  expect((await submitPayment(t, user, { package_id: starter.id, payment_method_id: methodId, quantity: 3, currency_code: 'JPZ' } as never)).status).toBe(201);
  for (const [minor, rate] of [['9007199254740993', '99999999999999.999999'], ['123456789012345678', '0.000001'], ['0', '1234.5']] as const) {
    await t.db.execute(sql`INSERT INTO payments (user_id, package_id, payment_method_id, credits, list_price_usd, discount_usd, amount_usd, source,
        status, reviewed_by, reviewed_at, rejection_reason, currency_code, exchange_rate, currency_decimals, currency_amount_minor, created_at)
      VALUES (${user.id}, ${starter.id}, ${methodId}, 5, '1234567890.10', '0.05', '1234567890.05', 'import',
        'rejected', ${admin.id}, now() - interval '1.000001 seconds', ${AWKWARD[1]}, 'JPZ', ${rate}, 3, ${minor}, now() - interval '2.5000005 seconds')`);
  }
});
afterAll(async () => {
  await t.close();
});

const withoutTimestamp = (text: string) => text.replace(/"timestamp":"[^"]+"/, '"timestamp":"T"');

/** Each converted list: its route, its way before, and the queries to compare (first pages, later pages, past the end, sorts). */
const LISTS: { name: string; path: () => string; mapped: () => string; queries: string[] }[] = [
  {
    name: 'GET /api/transactions (another user, view_credits)',
    path: () => `/api/transactions?user_id=${user.id}`,
    mapped: () => `/test/mapped/transactions?user_id=${user.id}`,
    queries: ['', '&per_page=2', '&per_page=2&page=2', '&per_page=2&page=9', '&sort=credits&order=asc'],
  },
  {
    name: 'GET /api/transactions/legacy',
    path: () => `/api/transactions/legacy?user_id=${user.id}`,
    mapped: () => `/test/mapped/transactions/legacy?user_id=${user.id}`,
    queries: ['', '&per_page=2&page=2', '&per_page=2&page=9', '&sort=credits&order=asc'],
  },
  {
    name: 'GET /api/payments',
    path: () => `/api/payments?user_id=${user.id}`,
    mapped: () => `/test/mapped/payments?user_id=${user.id}`,
    queries: ['', '&per_page=3&page=2', '&per_page=3&page=9', '&sort=amount_usd&order=asc', '&sort=status'],
  },
];

describe('every list built by PostgreSQL', () => {
  for (const list of LISTS) {
    it(`${list.name} equals the mapped page byte for byte`, async () => {
      let nonEmpty = 0;
      for (const qs of list.queries) {
        const built = await t.request('GET', `${list.path()}${qs}`, { token: admin.token });
        const mapped = await t.request('GET', `${list.mapped()}${qs}`, { token: admin.token });
        expect(built.status, built.text.slice(0, 300)).toBe(200);
        expect(mapped.status, mapped.text.slice(0, 300)).toBe(200);
        expect(withoutTimestamp(built.text), qs).toBe(withoutTimestamp(mapped.text));
        expect(built.headers.get('content-type')).toBe(mapped.headers.get('content-type'));
        if (built.body.data.length > 0) nonEmpty++;
      }
      expect(nonEmpty, 'the data must reach the list').toBeGreaterThan(1);
    });
  }
});
