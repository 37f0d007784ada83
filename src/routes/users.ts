/** /api/users — user administration (SPEC §7) and credit adjustments (SPEC §3). */
import { and, eq, ilike, or, sql, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import { creditsAddedMail, creditsLowStatements } from '../email/events.js';
import { idsOf, noteQueued } from '../email/outbox.js';
import { requirePermission } from '../auth/guards.js';
import { roles, users } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { ok, paginatedJson } from '../http/envelope.js';
import { pageWindow } from '../http/pagination.js';
import { orderBy, readJsonPage } from '../db/pagination.js';
import { describe } from '../http/route-meta.js';
import { body, idParam, query } from '../http/validate.js';
import {
  AdminUserListItem,
  AdminUserSchema,
  serializeAdminUser,
  UpdateUserBody,
  UserListQuery,
} from '../schemas/admin-user.js';
import { AdjustCreditsBody, AdjustCreditsResponse, serializeTransaction } from '../schemas/ledger.js';
import { auditIf } from '../services/conditional-log.js';
import { balanceLimitError, bookEntry, isBalanceOverflow, isInsufficientBalance } from '../services/ledger.js';
import { notificationTexts } from '../services/notification-texts.js';
import { notify } from '../services/notify.js';
import { adminUserListItem, adminUsersFrom, selectAdminUsers, toAuthUser, updateUser } from '../services/user-admin.js';
import type { AppEnv } from '../types.js';

const SORTS = {
  created_at: users.createdAt,
  updated_at: users.updatedAt,
  email: users.email,
  credits: users.credits,
  last_login_at: users.lastLoginAt,
};

/** `%` and `_` typed by a user are literal characters, not wildcards. */
const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

export const userRoutes = new Hono<AppEnv>()
  .get(
    '/',
    describe({
      operationId: 'listUsers',
      summary: 'List users',
      tags: ['users'],
      response: AdminUserListItem,
      responseKind: 'paginated',
      sort: ['email', 'credits', 'last_login_at'],
    }),
    requirePermission('view_users'),
    query(UserListQuery),
    async (c) => {
      const q = c.req.valid('query');
      const { db } = c.var;
      const window = pageWindow(c, q);
      const pattern = q.q ? likePattern(q.q) : undefined;
      const where: SQL | undefined = and(
        pattern
          ? or(ilike(users.email, pattern), ilike(users.fullName, pattern), ilike(users.displayName, pattern))
          : undefined,
        q.role ? sql`lower(${roles.name}) = lower(${q.role})` : undefined,
        q.is_active === undefined ? undefined : eq(users.isActive, q.is_active),
      );
      const page = await readJsonPage(db, window, {
        item: adminUserListItem(),
        from: adminUsersFrom,
        where,
        orderBy: orderBy(SORTS, q.sort, q.order, users.id),
      });
      return paginatedJson(c, page);
    },
  )
  .get(
    '/:id',
    describe({ operationId: 'getUser', summary: 'One user', tags: ['users'], response: AdminUserSchema, errors: ['NOT_FOUND'] }),
    requirePermission('view_users'),
    idParam(),
    async (c) => {
      const { id } = c.req.valid('param');
      const [row] = await selectAdminUsers(c.var.db, { withProfileImage: true }).where(eq(users.id, id)).limit(1);
      if (!row) throw notFound('credits.unknown_user');
      return ok(c, serializeAdminUser(toAuthUser(row)));
    },
  )
  .put(
    '/:id',
    describe({
      operationId: 'updateUser',
      summary: 'Update a user (role, active flag, profile)',
      tags: ['users'],
      response: AdminUserSchema,
      errors: ['NOT_FOUND', 'INVALID_STATE'],
    }),
    requirePermission('manage_users'),
    idParam(),
    body(UpdateUserBody),
    async (c) => {
      const user = await updateUser(c, c.req.valid('param').id, c.req.valid('json'));
      return ok(c, serializeAdminUser(user), 'ok.user_updated');
    },
  )
  .post(
    '/:id/adjust-credits',
    describe({
      operationId: 'adjustCredits',
      summary: "Adjust a user's balance (ledger entry of type adjustment)",
      tags: ['credits'],
      response: AdjustCreditsResponse,
      errors: ['NOT_FOUND', 'INVALID_STATE'],
    }),
    requirePermission('manage_credits'),
    idParam(),
    body(AdjustCreditsBody),
    async (c) => {
      const { id } = c.req.valid('param');
      const { credits, reason } = c.req.valid('json');
      const { db, user: actor } = c.var;
      // Separation of duties: an administrator's own balance is changed by another administrator.
      if (id === actor.id) throw new AppError('AUTHORIZATION_ERROR', { message: 'credits.own_balance' });
      const transactionId = crypto.randomUUID();
      let booked;
      let mails: unknown[] = [];
      try {
        // One batch: the entry (balance + ledger row), its audit entry (only if it was booked: an unknown
        // user books nothing), and for a credit the user's notification (notify skips unknown users).
        [booked, ...mails] = await db.batch([
          bookEntry(db, { id: transactionId, userId: id, type: 'adjustment', credits, description: reason, createdBy: actor.id }),
          auditIf(
            db,
            c,
            {
              action: 'user.adjust_credits',
              entityType: 'user',
              entityId: id,
              after: { credits, reason, transaction_id: transactionId },
            },
            sql`EXISTS (SELECT 1 FROM transactions WHERE id = ${transactionId})`,
          ),
          ...(credits > 0
            ? [notify(db, { userId: id, ...notificationTexts('credits_added', { credits }), data: { credits, transaction_id: transactionId } })]
            : []),
          // SPEC-WAVE2 §11.4, §11.8: the credits_added mail, or credits_low when this debit crossed the threshold.
          ...(credits > 0
            ? [creditsAddedMail(db, c.var.config, id, transactionId, credits)]
            : creditsLowStatements(db, c.var.config, id, sql`t.id = ${transactionId}`)),
        ]);
      } catch (error) {
        if (isInsufficientBalance(error)) throw new AppError('INVALID_STATE', { message: 'credits.below_zero' });
        if (isBalanceOverflow(error)) throw balanceLimitError('credits');
        throw error;
      }
      const row = booked.rows[0];
      if (!row) throw notFound('credits.unknown_user');
      noteQueued(c, idsOf(...mails));
      const transaction = serializeTransaction(row as Parameters<typeof serializeTransaction>[0]);
      return ok(c, { transaction, balance: transaction.balance_after }, 'ok.credits_adjusted');
    },
  );
