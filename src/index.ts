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

/**
 * Two triggers (wrangler.toml, SPEC-WAVE2 §0 §9): every minute the email outbox drains; every fifth
 * minute the §9 housekeeping runs first. Any other trigger (e.g. a manual `/__scheduled`) does both.
 */
const EVERY_MINUTE = '* * * * *';

export default {
  fetch: app.fetch,
  async scheduled(controller: ScheduledController, env: Bindings, ctx: ExecutionContext) {
    const config = resolveConfig(env);
    const db = createDb(config.databaseUrl);
    const housekeeping = controller.cron !== EVERY_MINUTE;
    ctx.waitUntil(
      (async () => {
        if (housekeeping) {
          await runMaintenance(db, config).catch((error: unknown) =>
            log('error', 'scheduled maintenance failed', { error: String(error) }, config.logLevel),
          );
        }
        await runDispatch(db, config, { budgetMs: 25_000 });
      })(),
    );
  },
} satisfies ExportedHandler<Bindings>;
