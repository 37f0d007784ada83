/**
 * Issue 16, every list: the pages PostgreSQL builds (db/pagination.ts readJsonPage) answer byte for byte what
 * the way before answered — rows read by drizzle, mapped by the list's serializer and serialized by
 * `paginated()`. Each `/test/mapped/…` route below is that list's handler as it was before its conversion
 * (same selection, same serializer), mounted beside the real routes over the same database. The data holds
 * text JSON escapes, nulls, fractional amounts and amounts past 2^53, timestamps with microseconds.
 */
import { and, count, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectivePermissions } from '../../src/auth/current-user.js';
import {
  analysisRegenerations,
  apiRequestLogs,
  chatConversations,
  competitors,
  contactMessages,
  discountCodes,
  discountRedemptions,
  emailTemplates,
  legacyTransactions,
  ngoRequests,
  ngoVouchers,
  payments,
  referrals,
  reportShares,
  roles,
  transactions,
  users,
} from '../../src/db/schema.js';
import { serializeAdminUserListItem } from '../../src/schemas/admin-user.js';
import { toIso } from '../../src/schemas/common.js';
import { serializeCompetitor } from '../../src/schemas/competitor.js';
import { serializeDiscount } from '../../src/schemas/discount.js';
import { serializeTemplate } from '../../src/schemas/email-template.js';
import { usd } from '../../src/schemas/money.js';
import { serializeReferral } from '../../src/schemas/referral.js';
import { serializeConversation } from '../../src/services/conversations.js';
import { serializeAdminNgoRequest } from '../../src/services/ngo.js';
import { serializeShare } from '../../src/services/report-shares.js';
import { selectAdminUsers, toAuthUser } from '../../src/services/user-admin.js';
import { serializeVoucher, voucherColumns } from '../../src/services/vouchers.js';
import { orderBy, paginationOf, readPage, withTotal } from '../../src/db/pagination.js';
import { paginated } from '../../src/http/envelope.js';
import { pageWindow } from '../../src/http/pagination.js';
import { serializeTransaction, transactionFields } from '../../src/schemas/ledger.js';
import { legacyTransactionFields, serializeLegacyTransaction } from '../../src/schemas/legacy-transaction.js';
import { paymentFields, serializePayment } from '../../src/schemas/payment.js';
import type { AppEnv } from '../../src/types.js';
import { createTestApp, loginAdmin, registerUser, userWithPermissions, type TestApp, type TestUser } from '../support/harness.js';
import { completeAnalysis, createAnalysis } from '../api/content/helpers.js';
import { createDiscount, seededCatalog, submitPayment, uniqueCode } from '../api/economy/helpers.js';

let t: TestApp;
let admin: TestUser;
let user: TestUser;
let analysisId: string;
let discountId: string;
let ngoRequestId: string;
let voucherId: string;

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
  roles: { created_at: roles.createdAt, updated_at: roles.updatedAt, name: roles.name },
  referrals: { created_at: referrals.createdAt, updated_at: referrals.createdAt },
  shares: { created_at: reportShares.createdAt, updated_at: reportShares.updatedAt, view_count: reportShares.viewCount },
  discounts: { created_at: discountCodes.createdAt, updated_at: discountCodes.updatedAt, code: discountCodes.code, uses_count: discountCodes.usesCount, valid_until: discountCodes.validUntil },
  usage: { created_at: discountRedemptions.createdAt, updated_at: discountRedemptions.updatedAt },
  ngo: { created_at: ngoRequests.createdAt, updated_at: ngoRequests.updatedAt },
  contact: { created_at: contactMessages.createdAt, updated_at: contactMessages.updatedAt },
  conversations: { created_at: chatConversations.createdAt, updated_at: chatConversations.updatedAt },
  competitors: { created_at: competitors.createdAt, updated_at: competitors.updatedAt, name: competitors.name },
  regenerations: { created_at: analysisRegenerations.createdAt, updated_at: analysisRegenerations.createdAt },
  users: { created_at: users.createdAt, updated_at: users.updatedAt, email: users.email, credits: users.credits, last_login_at: users.lastLoginAt },
};

/** A page read the way before: drizzle rows with the total riding along, mapped in JavaScript. */
async function mappedPage<R>(c: Context<AppEnv>, from: any, where: SQL | undefined, sorts: Record<string, any>, tieBreaker: any, select: any, serialize: (row: any) => R, extras?: any[]) {
  const { window, sort, order } = listInput(c);
  const db = c.var.db;
  return readPage(db, window, {
    page: from(db.select(withTotal(select))).where(where).orderBy(...orderBy(sorts, sort, order, tieBreaker)).limit(window.limit).offset(window.offset),
    count: from(db.select({ n: count() })).where(where),
    ...(extras ? { extras } : {}),
  }).then((page) => ({ ...page, items: page.rows.map(serialize) }));
}

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
      app.get('/test/mapped/roles', async (c) => {
        const userCount = sql<number>`(SELECT count(*)::int FROM users u WHERE u.role_id = roles.id)`;
        const fields = { id: roles.id, name: roles.name, description: roles.description, permissions: roles.permissions, isBuiltin: roles.isBuiltin, createdAt: roles.createdAt, updatedAt: roles.updatedAt, userCount };
        const page = await mappedPage(c, (q: any) => q.from(roles), undefined, SORTS.roles, roles.id, fields, (row: any) => ({
          id: row.id, name: row.name, description: row.description ?? null, permissions: effectivePermissions(row.name, row.permissions),
          is_builtin: row.isBuiltin, user_count: Number(row.userCount), created_at: toIso(row.createdAt)!, updated_at: toIso(row.updatedAt)!,
        }));
        return paginated(c, page.items, page.pagination);
      });
      app.get('/test/mapped/referrals', async (c) => {
        const referrer = c.req.query('user_id');
        const scope = referrer ? eq(referrals.referrerId, referrer) : undefined;
        const where = and(scope, c.req.query('status') ? eq(referrals.status, c.req.query('status') as never) : undefined);
        const bonus = sql<number>`COALESCE((SELECT sum(t.credits) FROM transactions t WHERE t.type = 'referral_bonus' AND t.reference_id = referrals.id), 0)::int`;
        const fields = { id: referrals.id, referrer_id: referrals.referrerId, referred_id: referrals.referredId, referred_name: sql<string | null>`COALESCE(${users.displayName}, ${users.fullName})`, status: referrals.status, bonus_credits: bonus, rewarded_at: referrals.rewardedAt, created_at: referrals.createdAt };
        const mine = (alias: string, column: string) => (referrer ? sql`${sql.raw(alias)}.${sql.identifier(column)} = ${referrer}` : sql`true`);
        const page = await mappedPage(c, (q: any) => q.from(referrals).innerJoin(users, eq(users.id, referrals.referredId)), where, SORTS.referrals, referrals.id, fields, serializeReferral, [
          c.var.db.execute<{ total: number; rewarded: number; credits_earned: number }>(sql`SELECT
            (SELECT count(*)::int FROM referrals r WHERE ${mine('r', 'referrer_id')}) AS total,
            (SELECT count(*)::int FROM referrals r WHERE r.status = 'rewarded' AND ${mine('r', 'referrer_id')}) AS rewarded,
            (SELECT COALESCE(sum(t.credits), 0)::int FROM transactions t WHERE t.type = 'referral_bonus' AND ${mine('t', 'user_id')}) AS credits_earned`),
        ]);
        const meta = (page.extras[0] as any).rows[0];
        return paginated(c, page.items, page.pagination, { total: Number(meta.total), rewarded: Number(meta.rewarded), credits_earned: Number(meta.credits_earned) });
      });
      app.get('/test/mapped/report-shares', async (c) => {
        const where = and(eq(reportShares.userId, c.req.query('user_id')!), sql`EXISTS (SELECT 1 FROM analyses a WHERE a.id = ${reportShares.analysisId} AND a.deleted_at IS NULL)`);
        const page = await mappedPage(c, (q: any) => q.from(reportShares), where, SORTS.shares, reportShares.id, getTableColumns(reportShares), serializeShare);
        return paginated(c, page.items, page.pagination);
      });
      app.get('/test/mapped/discount-codes', async (c) => {
        const page = await mappedPage(c, (q: any) => q.from(discountCodes), undefined, SORTS.discounts, discountCodes.id, getTableColumns(discountCodes), serializeDiscount);
        return paginated(c, page.items, page.pagination);
      });
      app.get('/test/mapped/discount-codes/:id/usage', async (c) => {
        const id = c.req.param('id');
        const fields = { id: discountRedemptions.id, user_id: discountRedemptions.userId, user_email: users.email, payment_id: discountRedemptions.paymentId, status: discountRedemptions.status, discount_usd: discountRedemptions.discountUsd, created_at: discountRedemptions.createdAt };
        const page = await mappedPage(c, (q: any) => q.from(discountRedemptions).innerJoin(users, eq(users.id, discountRedemptions.userId)), eq(discountRedemptions.discountCodeId, id), SORTS.usage, discountRedemptions.id, fields,
          (r: any) => ({ ...r, discount_usd: usd(r.discount_usd), created_at: toIso(r.created_at)! }));
        return paginated(c, page.items, page.pagination);
      });
      app.get('/test/mapped/ngo/requests', async (c) => {
        const page = await mappedPage(c, (q: any) => q.from(ngoRequests), undefined, SORTS.ngo, ngoRequests.id, { row: ngoRequests }, (r: any) => serializeAdminNgoRequest(r.row));
        return paginated(c, page.items, page.pagination);
      });
      app.get('/test/mapped/ngo/requests/:id/vouchers', async (c) => {
        const { window } = listInput(c);
        const where = eq(ngoVouchers.ngoRequestId, c.req.param('id'));
        const page = await readPage(c.var.db, window, {
          page: c.var.db.select(withTotal(voucherColumns)).from(ngoVouchers).where(where).orderBy(desc(ngoVouchers.createdAt), desc(ngoVouchers.id)).limit(window.limit).offset(window.offset),
          count: c.var.db.select({ n: count() }).from(ngoVouchers).where(where),
        });
        return paginated(c, page.rows.map(serializeVoucher), page.pagination);
      });
      app.get('/test/mapped/contact-messages', async (c) => {
        const { ipHash: _ipHash, ...visible } = getTableColumns(contactMessages);
        const page = await mappedPage(c, (q: any) => q.from(contactMessages), undefined, SORTS.contact, contactMessages.id, visible, (row: any) => ({
          id: row.id, name: row.name, email: row.email, subject: row.subject, message: row.message, language: row.language, user_id: row.userId,
          status: row.status, spam_reason: row.spamReason, admin_note: row.adminNote, handled_by: row.handledBy, handled_at: toIso(row.handledAt),
          user_agent: row.userAgent, created_at: toIso(row.createdAt)!, updated_at: toIso(row.updatedAt)!,
        }), [c.var.db.select({ n: count() }).from(contactMessages).where(eq(contactMessages.status, 'new'))]);
        return paginated(c, page.items, page.pagination, { new_count: (page.extras[0] as any)[0]?.n ?? 0 });
      });
      app.get('/test/mapped/chat-conversations', async (c) => {
        const { messages: _messages, ...summary } = getTableColumns(chatConversations);
        const page = await mappedPage(c, (q: any) => q.from(chatConversations), eq(chatConversations.userId, c.req.query('user_id')!), SORTS.conversations, chatConversations.id, summary, (r: any) => serializeConversation(r));
        return paginated(c, page.items, page.pagination);
      });
      app.get('/test/mapped/competitors', async (c) => {
        const page = await mappedPage(c, (q: any) => q.from(competitors), undefined, SORTS.competitors, competitors.id, { row: competitors }, (r: any) => serializeCompetitor(r.row));
        return paginated(c, page.items, page.pagination);
      });
      app.get('/test/mapped/analyses/:id/regenerations', async (c) => {
        const page = await mappedPage(c, (q: any) => q.from(analysisRegenerations), eq(analysisRegenerations.analysisId, c.req.param('id')), SORTS.regenerations, analysisRegenerations.id, { row: analysisRegenerations },
          ({ row }: any) => ({ id: row.id, user_id: row.userId, sections: row.sections, feedback: row.feedback, created_at: toIso(row.createdAt)! }));
        return paginated(c, page.items, page.pagination);
      });
      app.get('/test/mapped/api-request-logs', async (c) => {
        const t = apiRequestLogs;
        const page = await mappedPage(c, (q: any) => q.from(t), undefined, { created_at: t.createdAt, updated_at: t.createdAt, duration_ms: t.durationMs }, t.id, getTableColumns(t), (row: any) => ({
          id: row.id, created_at: toIso(row.createdAt)!, request_id: row.requestId, method: row.method, route: row.route, path: row.path,
          query_keys: row.queryKeys, query: row.query ?? null, status: row.status, error_code: row.errorCode, duration_ms: row.durationMs,
          user_id: row.userId, ip_hash: row.ipHash, user_agent: row.userAgent, request_bytes: row.requestBytes, response_bytes: row.responseBytes,
          runtime: row.runtime, kept_by: row.keptBy,
        }));
        return paginated(c, page.items, page.pagination);
      });
      app.get('/test/mapped/email-templates', async (c) => {
        const page = await mappedPage(c, (q: any) => q.from(emailTemplates), undefined,
          { created_at: emailTemplates.createdAt, updated_at: emailTemplates.updatedAt, template_key: emailTemplates.templateKey, name: emailTemplates.name },
          emailTemplates.id, getTableColumns(emailTemplates), serializeTemplate);
        return paginated(c, page.items, page.pagination);
      });
      app.get('/test/mapped/ngo/vouchers/:id/analyses', async (c) => {
        // services/ngo-reports.ts before issue 16 (the access checks aside: the caller is the NGO).
        const { window } = listInput(c);
        const ngoId = sql`(SELECT id FROM ngo_requests WHERE user_id = ${user.id} AND status = 'approved' LIMIT 1)`;
        const FROM = sql`FROM ngo_voucher_redemptions r JOIN ngo_vouchers v ON v.id = r.voucher_id JOIN analyses a ON a.id = r.analysis_id
          JOIN users u ON u.id = r.user_id LEFT JOIN analysis_sections o ON o.analysis_id = a.id AND o.section = 'overview' AND o.status = 'completed'`;
        const where = sql`r.status = 'linked' AND a.deleted_at IS NULL AND v.ngo_request_id = ${ngoId} AND r.voucher_id = ${c.req.param('id')}
          ${c.req.query('include_archived') === 'true' ? sql`` : sql`AND NOT r.is_archived`}`;
        const page = await c.var.db.execute<Record<string, unknown>>(sql`
          SELECT a.id AS analysis_id, left(a.business_idea, 280::int) AS business_idea, a.industry, a.report_type, a.status, a.created_at, a.market_fit_score,
            (o.content ->> 'time_to_build_months')::numeric AS time_to_build_months, (o.content ->> 'competitors_count')::numeric AS competitors_count,
            (o.content ->> 'starting_cost_usd')::numeric AS starting_cost_usd, r.is_favourite, r.is_archived, r.created_at AS linked_at,
            r.consented_at IS NOT NULL AS consented, u.full_name, u.email, u.phone_number, count(*) OVER () AS total
          ${FROM} WHERE ${where} ORDER BY r.created_at DESC, r.id DESC LIMIT ${window.limit} OFFSET ${window.offset}`);
        const counted = await c.var.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n ${FROM} WHERE ${where}`);
        const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
        const items = page.rows.map((row) => ({
          analysis_id: row.analysis_id, business_idea: row.business_idea, industry: row.industry ?? null, report_type: row.report_type, status: row.status,
          created_at: toIso(row.created_at as string)!, market_fit_score: num(row.market_fit_score), time_to_build_months: num(row.time_to_build_months),
          competitors_count: num(row.competitors_count), starting_cost_usd: num(row.starting_cost_usd), is_favourite: row.is_favourite === true,
          is_archived: row.is_archived === true, linked_at: toIso(row.linked_at as string)!,
          beneficiary: row.consented === true ? { full_name: row.full_name ?? null, email: row.email, phone_number: row.phone_number ?? null } : { full_name: null, email: null, phone_number: null },
        }));
        return paginated(c, items, paginationOf(window, Number(counted.rows[0]?.n ?? 0)));
      });
      app.get('/test/mapped/users', async (c) => {
        const { window, sort, order } = listInput(c);
        const where = c.req.query('q') ? sql`${users.email} ILIKE ${`%${c.req.query('q')}%`}` : undefined;
        const page = await readPage(c.var.db, window, {
          page: selectAdminUsers(c.var.db, { withProfileImage: false }, withTotal).where(where).orderBy(...orderBy(SORTS.users, sort, order, users.id)).limit(window.limit).offset(window.offset),
          count: c.var.db.select({ n: count() }).from(users).innerJoin(roles, eq(roles.id, users.roleId)).where(where),
        });
        return paginated(c, page.rows.map((r) => serializeAdminUserListItem(toAuthUser(r))), page.pagination);
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

  // Roles: a custom role whose stored permissions hold an unknown name and a duplicate, one with none; a user holds one.
  await t.db.execute(sql`INSERT INTO roles (name, description, permissions) VALUES
    ('json_page_role', ${AWKWARD[0]}, '{view_users,not_a_permission,manage_users,view_users}'), ('json_page_empty', NULL, '{}')`);
  await t.db.execute(sql`UPDATE users SET role_id = (SELECT id FROM roles WHERE name = 'json_page_role') WHERE id = ${accountant.id}`);

  // Users (the admin list, searched by this prefix): preferences, names with escapes, unverified and never signed in.
  const people: TestUser[] = [];
  for (const [i, name] of [...AWKWARD, null].entries()) {
    const person = await registerUser(t, { email: `jsonpage${i}.${Date.now()}@example.test` });
    const body = { full_name: name, display_name: i === 1 ? AWKWARD[2] : null, notification_preferences: i % 2 ? { credits_low: false, email: true } : {} };
    expect((await t.request('PUT', '/api/auth/me', { token: person.token, body })).status).toBe(200);
    people.push(person);
  }

  // Referrals: three of them applied the user's code (one without any name).
  const code = (await t.request('GET', '/api/auth/me', { token: user.token })).body.data.referral_code;
  for (const person of people.slice(1)) {
    const res = await t.request('POST', '/api/referrals/apply', { token: person.token, body: { referral_code: code } });
    expect(res.status, res.text).toBe(200);
  }
  await t.db.execute(sql`UPDATE users SET email_verified_at = NULL, last_login_at = NULL WHERE id = ${people[2]!.id}`);

  // Report shares of a completed analysis: one expiring and viewed.
  const analysis = await createAnalysis(t, user);
  analysisId = analysis.id;
  await completeAnalysis(t, analysis.id);
  for (const body of [{}, { expires_at: new Date(Date.now() + 86_400_000).toISOString() }]) {
    expect((await t.request('POST', '/api/report-shares', { token: user.token, body: { analysis_id: analysis.id, ...body } })).status).toBe(201);
  }
  await t.db.execute(sql`UPDATE report_shares SET view_count = 7, last_viewed_at = now() - interval '0.0004 seconds' WHERE user_id = ${user.id} AND expires_at IS NOT NULL`);

  // Discount codes (a percentage with awkward texts, an amount with limits) and a use of one.
  const percent = await createDiscount(t, admin, { code: uniqueCode(), discount_percent: 15, description: AWKWARD[0], description_ar: AWKWARD[1] });
  await createDiscount(t, admin, { code: uniqueCode(), discount_amount: 2.5, min_purchase_amount: 10.1, max_uses: 5, valid_until: new Date(Date.now() + 86_400_000).toISOString() });
  discountId = percent.id;
  expect((await submitPayment(t, people[0]!, { package_id: starter.id, payment_method_id: methodId, discount_code: percent.code })).status).toBe(201);

  // NGO: the user's application (approved) with a voucher per funding; another pending application.
  const apply = (who: TestUser, name: string) => t.request('POST', '/api/ngo/requests', {
    token: who.token,
    body: { organization_name: name, organization_type: 'charity', contact_name: 'Contact', contact_email: 'ngo@relief.example', contact_phone: '+963 1 234' },
  });
  const application = await apply(user, `Relief ${AWKWARD[1]}`);
  expect(application.status, application.text).toBe(201);
  ngoRequestId = application.body.data.id;
  expect((await apply(people[0]!, 'Second "org"')).status).toBe(201);
  expect((await t.request('POST', `/api/ngo/requests/${ngoRequestId}/approve`, { token: admin.token, body: {} })).status).toBe(200);
  const vouchers = [];
  for (const body of [{ name: AWKWARD[0] }, { name: 'Sponsored', funding: 'sponsored', max_redemptions: 3, description: AWKWARD[2], activation_start: '2026-01-01', activation_end: '2030-12-31' }]) {
    const res = await t.request('POST', '/api/ngo/vouchers', { token: user.token, body });
    expect(res.status, res.text).toBe(201);
    vouchers.push(res.body.data as { id: string; code: string });
  }
  // Reports linked to the first voucher: with and without consent, one archived, overview figures with and without cents.
  voucherId = vouchers[0]!.id;
  for (const [i, person] of [people[0]!, people[1]!, people[3]!].entries()) {
    expect((await t.request('PUT', '/api/auth/me', { token: person.token, body: { full_name: i === 2 ? 'Named' : AWKWARD[i], phone_number: '+963 5 678' } })).status).toBe(200);
    const linked = await createAnalysis(t, person, { industry: i ? null : AWKWARD[2] });
    if (i < 2) await completeAnalysis(t, linked.id);
    if (i === 0) await t.db.execute(sql`UPDATE analysis_sections SET content = content || '{"time_to_build_months": 12.50, "competitors_count": 0, "starting_cost_usd": 1234567.891}'::jsonb WHERE analysis_id = ${linked.id} AND section = 'overview'`);
    const redeemed = await t.request('POST', `/api/analyses/${linked.id}/redeem-voucher`, { token: person.token, body: { code: vouchers[0]!.code, ngo_consent: true } });
    expect(redeemed.status, redeemed.text).toBe(200);
  }
  await t.db.execute(sql`UPDATE ngo_voucher_redemptions SET is_archived = true, is_favourite = true WHERE user_id = ${people[3]!.id}`);
  // An imported link may lack consent (SPEC-WAVE2 §0.1): no contact data then.
  await t.db.execute(sql`UPDATE ngo_voucher_redemptions SET consented_at = NULL WHERE user_id = ${people[1]!.id}`);

  // Contact inbox: messages in several states, with and without subject, handled or not.
  for (const [i, message] of AWKWARD.entries()) {
    await t.db.execute(sql`INSERT INTO contact_messages (name, email, subject, message, language, status, admin_note, handled_by, handled_at, user_agent, ip_hash, created_at)
      VALUES (${AWKWARD[(i + 1) % 3]}, ${`c${i}@example.test`}, ${i ? null : 'Subject'}, ${message}, ${i === 1 ? 'ar' : 'en'}, ${['new', 'read', 'spam'][i]},
              ${i === 2 ? AWKWARD[0] : null}, ${i === 2 ? admin.id : null}, ${i === 2 ? sql`now()` : null}, ${i ? 'Mozilla/5.0 "x"' : null},
              'ip-hash', now() - make_interval(secs => ${i * 1.1111115}))`);
  }

  // Chat conversations (one tied to the analysis, one with usage) and the analysis's forced regenerations.
  for (const body of [{ title: AWKWARD[0] }, { analysis_id: analysis.id }]) {
    expect((await t.request('POST', '/api/chat-conversations', { token: user.token, body })).status).toBe(201);
  }
  await t.db.execute(sql`UPDATE chat_conversations SET ai_input_tokens = 1234, ai_output_tokens = 56 WHERE user_id = ${user.id} AND analysis_id IS NOT NULL`);
  await t.db.execute(sql`INSERT INTO analysis_regenerations (analysis_id, user_id, sections, feedback)
    VALUES (${analysis.id}, ${user.id}, ARRAY['market', 'odd "name" \\ x'], ${AWKWARD[0]}), (${analysis.id}, ${admin.id}, '{}', NULL)`);

  // Request log rows as the middleware writes them: logged query values (strings under known keys), or none.
  for (const [i, query] of [{ page: '2', sort: 'created_at', order: AWKWARD[0]!.slice(0, 64) }, null, { status: 'completed', type: '' }].entries()) {
    await t.db.execute(sql`INSERT INTO api_request_logs (request_id, method, route, path, query_keys, query, status, error_code, duration_ms, user_id,
        ip_hash, user_agent, request_bytes, response_bytes, runtime, kept_by, created_at)
      VALUES (${`req-${i}`}, 'GET', '/api/analyses', ${`/api/analyses/${AWKWARD[i]}`}, ${sql.raw(i === 1 ? `'{}'` : `ARRAY['page', 'odd "key"', 'sort']`)},
        ${query === null ? null : JSON.stringify(query)}::jsonb, ${[200, 404, 500][i]}, ${i ? 'NOT_FOUND' : null}, ${i * 1234}, ${i ? null : user.id},
        ${i ? 'hash' : null}, ${AWKWARD[(i + 2) % 3]}, ${i ? 12 : null}, ${i ? null : 3456}, 'node', ${['sample', 'error', 'slow'][i]},
        now() - make_interval(secs => ${i * 0.7777777}))`);
  }

  // Email templates of the admins' own (not in the registry): placeholders spaced with JavaScript's whitespace
  // (NBSP, em space, BOM), repeated, across texts, malformed, too long, none; the seeded product templates too.
  const templates: [string, string, string, string][] = [
    ['{{ name }} and {{name}}', '{{\u00a0city\u2003}} — "مدينة"', `{{{x}}} {{ 9bad }} {{a.b_c}} {{${'n'.repeat(64)}}} {{${'m'.repeat(70)}}}`, 'then {{name}} {{\ufeffz}} {{city}}'],
    ['Plain subject', 'موضوع', 'No placeholders at all', '{{ }} {{}} {x}'],
    ['{{\u2028line}}', '{{\ttab}}', '{{\u180enot_js_space}}', '{{b}}{{a}}{{b}}'],
  ];
  for (const [i, [subjectEn, subjectAr, bodyEn, bodyAr]] of templates.entries()) {
    await t.db.execute(sql`INSERT INTO email_templates (template_key, name, subject_en, subject_ar, body_en, body_ar, description, is_active)
      VALUES (${`custom_${i}`}, ${AWKWARD[i]}, ${subjectEn}, ${subjectAr}, ${bodyEn}, ${bodyAr}, ${i ? null : AWKWARD[1]}, ${i !== 1})`);
  }

  // Competitor catalog: awkward names, several industries, optional fields empty.
  for (const body of [{ name: AWKWARD[1], country: 'SY', industries: ['Food', 'Tech "x"'], description: AWKWARD[0], website_url: 'https://example.com/a?b=c&d' }, { name: 'Plain' }]) {
    const res = await t.request('POST', '/api/competitors', { token: admin.token, body });
    expect(res.status, res.text).toBe(201);
  }
});
afterAll(async () => {
  await t.close();
});

const withoutTimestamp = (text: string) => text.replace(/"timestamp":"[^"]+"/, '"timestamp":"T"');

/** Each converted list: its route, its way before, and the queries to compare (first pages, later pages, past the end, sorts). */
const LISTS: { name: string; path: () => string; mapped: () => string; queries: string[]; as?: () => TestUser; minNonEmpty?: number }[] = [
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
  { name: 'GET /api/roles', path: () => '/api/roles?x', mapped: () => '/test/mapped/roles?x', queries: ['', '&per_page=2&page=2', '&per_page=2&page=99', '&sort=name&order=asc'] },
  {
    name: 'GET /api/referrals (one referrer, with meta)',
    path: () => `/api/referrals?user_id=${user.id}`,
    mapped: () => `/test/mapped/referrals?user_id=${user.id}`,
    queries: ['', '&per_page=2&page=2', '&per_page=2&page=9', '&order=asc'],
  },
  { name: 'GET /api/referrals (everyone)', path: () => '/api/referrals?x', mapped: () => '/test/mapped/referrals?x', queries: ['', '&per_page=1&page=3'] },
  {
    name: 'GET /api/report-shares (own)',
    path: () => `/api/report-shares?x`,
    mapped: () => `/test/mapped/report-shares?user_id=${user.id}`,
    queries: ['', '&per_page=1&page=2', '&per_page=1&page=9', '&sort=view_count'],
    as: () => user,
  },
  { name: 'GET /api/discount-codes', path: () => '/api/discount-codes?x', mapped: () => '/test/mapped/discount-codes?x', queries: ['', '&per_page=1&page=2', '&per_page=1&page=99', '&sort=code&order=asc', '&sort=valid_until'] },
  {
    name: 'GET /api/discount-codes/{id}/usage',
    path: () => `/api/discount-codes/${discountId}/usage?x`,
    mapped: () => `/test/mapped/discount-codes/${discountId}/usage?x`,
    queries: ['', '&per_page=1&page=2', '&order=asc'],
    minNonEmpty: 1,
  },
  { name: 'GET /api/ngo/requests', path: () => '/api/ngo/requests?x', mapped: () => '/test/mapped/ngo/requests?x', queries: ['', '&per_page=1&page=2', '&per_page=1&page=99', '&order=asc'] },
  {
    name: 'GET /api/ngo/requests/{id}/vouchers',
    path: () => `/api/ngo/requests/${ngoRequestId}/vouchers?x`,
    mapped: () => `/test/mapped/ngo/requests/${ngoRequestId}/vouchers?x`,
    queries: ['', '&per_page=1&page=2', '&per_page=1&page=9'],
  },
  {
    name: 'GET /api/ngo/vouchers (own)',
    path: () => '/api/ngo/vouchers?x',
    mapped: () => `/test/mapped/ngo/requests/${ngoRequestId}/vouchers?x`,
    queries: ['', '&per_page=1&page=2', '&per_page=1&page=9'],
    as: () => user,
  },
  { name: 'GET /api/contact-messages (with meta)', path: () => '/api/contact-messages?x', mapped: () => '/test/mapped/contact-messages?x', queries: ['', '&per_page=2&page=2', '&per_page=2&page=9', '&order=asc'] },
  {
    name: 'GET /api/chat-conversations (own)',
    path: () => '/api/chat-conversations?x',
    mapped: () => `/test/mapped/chat-conversations?user_id=${user.id}`,
    queries: ['', '&per_page=1&page=2', '&per_page=1&page=9', '&order=asc'],
    as: () => user,
  },
  { name: 'GET /api/competitors', path: () => '/api/competitors?x', mapped: () => '/test/mapped/competitors?x', queries: ['', '&per_page=1&page=2', '&per_page=1&page=99', '&order=asc'] },
  {
    name: 'GET /api/analyses/{id}/regenerations',
    path: () => `/api/analyses/${analysisId}/regenerations?x`,
    mapped: () => `/test/mapped/analyses/${analysisId}/regenerations?x`,
    queries: ['', '&per_page=1&page=2', '&per_page=1&page=9', '&order=asc'],
    as: () => user,
  },
  {
    name: 'GET /api/api-request-logs',
    path: () => '/api/api-request-logs?x',
    mapped: () => '/test/mapped/api-request-logs?x',
    queries: ['', '&per_page=1&page=2', '&per_page=1&page=9', '&sort=duration_ms&order=asc'],
  },
  {
    name: 'GET /api/email-templates (product and custom)',
    path: () => '/api/email-templates?x',
    mapped: () => '/test/mapped/email-templates?x',
    queries: ['&per_page=100', '&per_page=2&page=2', '&per_page=2&page=99', '&sort=template_key&order=asc&per_page=100', '&sort=name'],
  },
  {
    name: 'GET /api/ngo/vouchers/{id}/analyses (own NGO)',
    path: () => `/api/ngo/vouchers/${voucherId}/analyses?x`,
    mapped: () => `/test/mapped/ngo/vouchers/${voucherId}/analyses?x`,
    queries: ['', '&include_archived=true', '&per_page=1&page=2', '&per_page=1&page=9'],
    as: () => user,
  },
  {
    name: 'GET /api/users (searched)',
    path: () => '/api/users?q=jsonpage',
    mapped: () => '/test/mapped/users?q=jsonpage',
    queries: ['', '&per_page=2&page=2', '&per_page=2&page=9', '&sort=email&order=asc', '&sort=last_login_at', '&sort=credits'],
  },
];

describe('every list built by PostgreSQL', () => {
  for (const list of LISTS) {
    it(`${list.name} equals the mapped page byte for byte`, async () => {
      let nonEmpty = 0;
      for (const qs of list.queries) {
        const caller = list.as?.() ?? admin;
        const built = await t.request('GET', `${list.path()}${qs}`, { token: caller.token });
        const mapped = await t.request('GET', `${list.mapped()}${qs}`, { token: caller.token });
        expect(built.status, built.text.slice(0, 300)).toBe(200);
        expect(mapped.status, mapped.text.slice(0, 300)).toBe(200);
        expect(withoutTimestamp(built.text), qs).toBe(withoutTimestamp(mapped.text));
        expect(built.headers.get('content-type')).toBe(mapped.headers.get('content-type'));
        if (built.body.data.length > 0) nonEmpty++;
      }
      expect(nonEmpty, 'the data must reach the list').toBeGreaterThanOrEqual(list.minNonEmpty ?? 2);
    });
  }
});
