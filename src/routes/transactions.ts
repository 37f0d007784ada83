/** /api/transactions — the caller's ledger; any user's with `view_credits` (SPEC §3). */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import { assertPermission, requireUser } from '../auth/guards.js';
import { legacyTransactions, transactions } from '../db/schema.js';
import { paginatedJson } from '../http/envelope.js';
import { pageWindow } from '../http/pagination.js';
import { orderBy, readJsonPage } from '../db/pagination.js';
import { describe } from '../http/route-meta.js';
import { query } from '../http/validate.js';
import { transactionItem, TransactionListQuery, TransactionSchema } from '../schemas/ledger.js';
import {
  LegacyTransactionListQuery,
  LegacyTransactionSchema,
  legacyTransactionItem,
} from '../schemas/legacy-transaction.js';
import type { AppEnv } from '../types.js';

const SORTS = {
  created_at: transactions.createdAt,
  // Ledger rows never change: "updated" is when they were written.
  updated_at: transactions.createdAt,
  credits: transactions.credits,
};

const LEGACY_SORTS = {
  created_at: legacyTransactions.createdAt,
  updated_at: legacyTransactions.createdAt,
  credits: legacyTransactions.credits,
};

export const transactionRoutes = new Hono<AppEnv>().get(
  '/',
  describe({
    operationId: 'listTransactions',
    summary: 'List ledger entries',
    tags: ['credits'],
    response: TransactionSchema,
    responseKind: 'paginated',
    sort: ['credits'],
    errors: ['AUTHORIZATION_ERROR'],
  }),
  requireUser,
  query(TransactionListQuery),
  async (c) => {
    const q = c.req.valid('query');
    const { db, user } = c.var;
    const userId = q.user_id ?? user.id;
    if (userId !== user.id) assertPermission(c, 'view_credits');
    const window = pageWindow(c, q);
    const where: SQL = and(eq(transactions.userId, userId), q.type ? eq(transactions.type, q.type) : undefined)!;
    const page = await readJsonPage(db, window, {
      item: transactionItem(),
      from: sql`${transactions}`,
      where,
      orderBy: orderBy(SORTS, q.sort, q.order, transactions.id),
    });
    return paginatedJson(c, page);
  },
).get(
  '/legacy',
  describe({
    operationId: 'listLegacyTransactions',
    summary: 'List credit history imported from the Flask app',
    tags: ['credits'],
    response: LegacyTransactionSchema,
    responseKind: 'paginated',
    sort: ['credits'],
    errors: ['AUTHORIZATION_ERROR'],
  }),
  requireUser,
  query(LegacyTransactionListQuery),
  async (c) => {
    const q = c.req.valid('query');
    const { db, user } = c.var;
    const userId = q.user_id ?? user.id;
    if (userId !== user.id) assertPermission(c, 'view_credits');
    const window = pageWindow(c, q);
    const where = eq(legacyTransactions.userId, userId);
    const page = await readJsonPage(db, window, {
      item: legacyTransactionItem(),
      from: sql`${legacyTransactions}`,
      where,
      orderBy: orderBy(LEGACY_SORTS, q.sort, q.order, legacyTransactions.id),
    });
    return paginatedJson(c, page);
  },
);

