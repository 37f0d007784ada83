/**
 * GET /api/landing-stats (SPEC-WAVE2 §14.2): `{users_count, reports_count, syrian_apps_count}` from ONE
 * statement, cached 300 s in the isolate, sent with an ETag and `Cache-Control: public, max-age=300`.
 * A database failure is a 503 like any read: numbers are never invented (upstream answered 500/2000/150).
 * Changing the `syrian_apps_count` setting invalidates the cache (routes/settings.ts).
 */
import { getTableColumns, sql, type AnyColumn } from 'drizzle-orm';
import { Hono } from 'hono';
import type * as z from 'zod';
import { users } from '../db/schema.js';
import { cachedCatalog, sendPublicCatalog } from '../http/catalog-cache.js';
import { ok } from '../http/envelope.js';
import { describe } from '../http/route-meta.js';
import { LandingStatsSchema } from '../schemas/public-site.js';
import { settingValue } from '../services/settings.js';
import type { AppEnv } from '../types.js';

const TTL_S = 300;

/**
 * "Verified" is `users.email_verified_at IS NOT NULL` once email verification (SPEC-WAVE2 §11.6) is in
 * the schema; until then there is no such thing as an unverified account and every active user counts.
 */
const emailVerifiedAt = (getTableColumns(users) as Record<string, AnyColumn | undefined>).emailVerifiedAt;
const verified = emailVerifiedAt ? sql`${emailVerifiedAt} IS NOT NULL` : sql`true`;

type LandingStats = z.infer<typeof LandingStatsSchema>;

export const landingStatsRoutes = new Hono<AppEnv>().get(
  '/',
  describe({
    operationId: 'getLandingStats', summary: 'Landing page statistics (public)',
    tags: ['site-content'],
    response: LandingStatsSchema,
    errors: ['SERVICE_UNAVAILABLE'],
  }),
  async (c) => {
    const stats = await cachedCatalog(
      c,
      'landing-stats',
      async (): Promise<LandingStats> => {
        const { rows } = await c.var.db.execute<{ users_count: number | string; reports_count: number | string; apps: unknown }>(sql`
          SELECT
            (SELECT count(*) FROM users WHERE is_active AND ${verified})::int AS users_count,
            (SELECT count(*) FROM analyses WHERE status = 'completed' AND deleted_at IS NULL)::int AS reports_count,
            (SELECT value FROM system_settings WHERE key = 'syrian_apps_count') AS apps`);
        const row = rows[0]!;
        return {
          users_count: Number(row.users_count),
          reports_count: Number(row.reports_count),
          syrian_apps_count: settingValue('syrian_apps_count', row.apps),
        };
      },
      TTL_S * 1000,
    );
    return sendPublicCatalog(c, { source: stats, variant: 'all', payload: () => ({ data: stats }) }, () => ok(c, stats), TTL_S);
  },
);
