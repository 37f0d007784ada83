/**
 * Issue 16's comparison: GET /bench/analyses-mapped, the analyses list served the way it was before the
 * lists were built by PostgreSQL (drizzle rows mapped and serialized in JavaScript), beside the real route.
 * Mounted by bench/server.ts and bench/profile-route.ts before the app's first request.
 */
import { eq } from 'drizzle-orm';
import type { Hono } from 'hono';
import { requireUser } from '../src/auth/guards.js';
import { analyses } from '../src/db/schema.js';
import { paginated } from '../src/http/envelope.js';
import { pageWindow } from '../src/http/pagination.js';
import { query as queryParams } from '../src/http/validate.js';
import { AnalysisListQuery } from '../src/schemas/analysis.js';
import { listAnalysesMapped } from '../src/services/analysis-list.js';
import type { AppEnv } from '../src/types.js';

export const MAPPED_ANALYSES_PATH = '/bench/analyses-mapped';

export function mountMappedAnalyses(app: Hono<AppEnv>) {
  app.get(MAPPED_ANALYSES_PATH, requireUser, queryParams(AnalysisListQuery), async (c) => {
    const input = c.req.valid('query');
    const page = await listAnalysesMapped(c.var.db, pageWindow(c, input), input, eq(analyses.userId, c.var.user.id));
    return paginated(c, page.items, page.pagination);
  });
}
