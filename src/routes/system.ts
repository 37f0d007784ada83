/** /api (index), /api/health. The docs page and its script: src/http/docs-page.ts; /api/openapi.json: src/app.ts. */
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import * as z from 'zod';
import { APP_VERSION } from '../version.js';
import { AppError } from '../errors.js';
import { ok } from '../http/envelope.js';
import { describe } from '../http/route-meta.js';
import type { AppEnv } from '../types.js';
import { named } from '../schemas/registry.js';

export { APP_VERSION };

const HealthSchema = named(
  'Health',
  z.object({
    status: z.enum(['ok', 'unavailable']),
    database: z.object({ ok: z.boolean(), latency_ms: z.number() }),
    version: z.string(),
  }),
);

const ApiIndexSchema = named(
  'ApiIndex',
  z.object({
    name: z.string(),
    version: z.string(),
    links: z.object({ docs: z.string(), openapi: z.string(), health: z.string() }),
  }),
);

/** `GET /api`: what a person or a client finds first — the name, the version and where to read on. */
const API_INDEX = {
  name: 'Planlyze API',
  version: APP_VERSION,
  links: { docs: '/api/docs', openapi: '/api/openapi.json', health: '/api/health' },
} as const;

export const healthRoutes = new Hono<AppEnv>()
  .get(
    '/',
    describe({
      operationId: 'getApiIndex',
      summary: 'API index',
      tags: ['system'],
      response: ApiIndexSchema,
    }),
    (c) => ok(c, API_INDEX),
  )
  .get(
    '/health',
    describe({
      operationId: 'getHealth',
      summary: 'Liveness and database reachability',
      tags: ['system'],
      response: HealthSchema,
    }),
    async (c) => {
      const started = performance.now();
      let dbOk = true;
      try {
        await c.var.db.execute(sql`select 1`);
      } catch {
        dbOk = false;
      }
      const latency = Math.round((performance.now() - started) * 100) / 100;
      const database = { ok: dbOk, latency_ms: latency };
      if (!dbOk) {
        throw new AppError('SERVICE_UNAVAILABLE', {
          message: 'health.database_down',
          details: { status: 'unavailable', database, version: APP_VERSION },
        });
      }
      return ok(c, { status: 'ok' as const, database, version: APP_VERSION }, 'ok.healthy');
    },
  );
