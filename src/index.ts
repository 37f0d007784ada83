/**
 * Cloudflare Workers entry. Configuration is parsed once per isolate (config.ts caches by env object);
 * an unsafe production configuration answers every request with a 500 MISCONFIGURED envelope.
 * Migrations and seed never run here in the request path: they run at deploy time (README).
 */
import { createApp } from './app.js';
import { resolveConfig } from './config.js';
import { createDb, routeLoopbackToLocalEndpoint } from './db/client.js';
import { log } from './http/logger.js';
import { runMaintenance } from './services/maintenance.js';
import type { Bindings } from './types.js';

routeLoopbackToLocalEndpoint();
const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller: ScheduledController, env: Bindings, ctx: ExecutionContext) {
    const config = resolveConfig(env);
    ctx.waitUntil(
      runMaintenance(createDb(config.databaseUrl), config).catch((error: unknown) =>
        log('error', 'scheduled maintenance failed', { error: String(error) }, config.logLevel),
      ),
    );
  },
} satisfies ExportedHandler<Bindings>;
