/**
 * Cloudflare Workers entry. Configuration is parsed once per isolate (config.ts caches by env object);
 * an unsafe production configuration answers every request with a 500 MISCONFIGURED envelope.
 * Migrations and seed never run here in the request path: they run at deploy time (README).
 */
import { createApp } from './app.js';
import { resolveConfig } from './config.js';
import { createDb, routeLoopbackToLocalEndpoint } from './db/client.js';
import { runDispatch } from './email/delivery.js';
import { log } from './http/logger.js';
import { runMaintenance } from './services/maintenance.js';
import type { Bindings } from './types.js';

routeLoopbackToLocalEndpoint();
const app = createApp();

/** The cron runs every minute (SPEC-WAVE2 §0 §9): the outbox drains every run, maintenance every 5th minute. */
const EVERY_MINUTE = '* * * * *';

export default {
  fetch: app.fetch,
  async scheduled(controller: ScheduledController, env: Bindings, ctx: ExecutionContext) {
    const config = resolveConfig(env);
    const db = createDb(config.databaseUrl);
    ctx.waitUntil(runDispatch(db, config, { budgetMs: 25_000 }));
    // A run not from the per-minute trigger (e.g. `/__scheduled` in wrangler dev) also does the housekeeping.
    const minute = new Date(controller.scheduledTime).getUTCMinutes();
    if (controller.cron !== EVERY_MINUTE || minute % 5 === 0) {
      ctx.waitUntil(
        runMaintenance(db, config).catch((error: unknown) =>
          log('error', 'scheduled maintenance failed', { error: String(error) }, config.logLevel),
        ),
      );
    }
  },
} satisfies ExportedHandler<Bindings>;
