/** /api/activity-feed — the signed-in user's own events, written by the server (SPEC §7). */
import { count, eq, getTableColumns } from 'drizzle-orm';
import { Hono } from 'hono';
import * as z from 'zod';
import { requireUser } from '../auth/guards.js';
import { activityFeed } from '../db/schema.js';
import { paginated } from '../http/envelope.js';
import { listQuery, pageWindow } from '../http/pagination.js';
import { orderBy, readPage, withTotal } from '../db/pagination.js';
import { describe } from '../http/route-meta.js';
import { query } from '../http/validate.js';
import { isoDate, toIso } from '../schemas/common.js';
import type { AppEnv } from '../types.js';
import { named } from '../schemas/registry.js';

export const ActivitySchema = named(
  'ActivityEntry',
  z.object({
    id: z.uuid(),
    action: z.string().describe('e.g. analysis_created, analysis_deleted, share_created, share_revoked'),
    entity_type: z.string().nullable(),
    entity_id: z.uuid().nullable(),
    data: z.record(z.string(), z.unknown()).nullable(),
    created_at: isoDate,
  }),
);

// Entries are immutable, so "last updated" orders like "created".
const SORTS = { created_at: activityFeed.createdAt, updated_at: activityFeed.createdAt };

export const activityFeedRoutes = new Hono<AppEnv>().get(
  '/',
  describe({ operationId: 'listActivity', summary: 'List own activity', tags: ['activity-feed'], response: ActivitySchema, responseKind: 'paginated' }),
  requireUser,
  query(listQuery()),
  async (c) => {
    const input = c.req.valid('query');
    const { db, user } = c.var;
    const window = pageWindow(c, input);
    const where = eq(activityFeed.userId, user.id);
    const page = await readPage(db, window, {
      page: db
        .select(withTotal(getTableColumns(activityFeed)))
        .from(activityFeed)
        .where(where)
        .orderBy(...orderBy(SORTS, input.sort, input.order, activityFeed.id))
        .limit(window.limit)
        .offset(window.offset),
      count: db.select({ n: count() }).from(activityFeed).where(where),
    });
    const items = page.rows.map((r) => ({
      id: r.id,
      action: r.action,
      entity_type: r.entityType,
      entity_id: r.entityId,
      data: r.data,
      created_at: toIso(r.createdAt)!,
    }));
    return paginated(c, items, page.pagination);
  },
);
