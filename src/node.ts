/**
 * Node entry (`npm start` in development, `npm run start:prod` = node dist/node.js in a deployment):
 * the same app as the Worker, served by @hono/node-server on HOST:PORT (127.0.0.1:8787 unless HOST
 * opens it, e.g. HOST=0.0.0.0). Embedded PGlite unless DATABASE_URL is set. Development applies the
 * migrations before serving; production (APP_ENV=production) only checks them and refuses to serve a
 * database that lacks some (`npm run db:migrate:prod` applies them). The seed (idempotent bootstrap)
 * runs at every start; a housekeeping interval replaces the Worker cron; SIGINT/SIGTERM drain
 * in-flight requests and exit 0.
 */
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { buildOpenApiDocument } from './http/openapi.js';
import { ConfigError, parseConfig } from './config.js';
import { createDb } from './db/client.js';
import { seedDatabase } from './db/seed.js';
import { socketAddresses } from './http/context.js';
import { log } from './http/logger.js';
import { setScalarBundleSource } from './http/docs-page.js';
import { useBatchedStdoutLogs } from './http/node-log.js';
import { MIGRATIONS_FOLDER, openAppDatabase } from './local/app-database.js';
import { MigrationsMissingError, pendingMigrations } from './local/migration-status.js';
import { installedScalarBundle } from './local/scalar-bundle.js';
import { runMaintenance } from './services/maintenance.js';
import { flushRequestLogs } from './services/request-logs.js';
import { startOutboxInterval } from './email/delivery.js';

/** Every 5 minutes, like the Worker's housekeeping cron (SPEC-WAVE2 §0); GET /analyses/:id settles a dead run at once. */
const MAINTENANCE_INTERVAL_MS = 5 * 60 * 1000;
/** Loopback unless HOST says otherwise: a development server with development secrets stays on this machine. */
const DEFAULT_HOST = '127.0.0.1';

async function main() {
  // Validate what we were given before opening anything.
  const production = parseConfig(process.env).appEnv === 'production';
  useBatchedStdoutLogs();
  const database = await openAppDatabase(process.env.DATABASE_URL, { migrate: !production });
  const env: Record<string, string> = Object.fromEntries(
    Object.entries({ ...process.env, DATABASE_URL: database.databaseUrl }).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
  const config = parseConfig(env);
  const db = createDb(config.databaseUrl);
  if (production) {
    const missing = await pendingMigrations(db, MIGRATIONS_FOLDER).catch(async (error: unknown) => {
      await database.close();
      throw error;
    });
    if (missing.length > 0) {
      await database.close();
      throw new MigrationsMissingError(missing);
    }
  }
  await seedDatabase(db, config);
  const hostname = process.env.HOST?.trim() || DEFAULT_HOST;

  // /api/docs works offline where @scalar/api-reference is installed (development).
  setScalarBundleSource(installedScalarBundle);
  const app = createApp({ openApiDocument: buildOpenApiDocument });
  const server = serve(
    {
      port: config.port,
      hostname,
      fetch: (request, info: { incoming?: { socket?: { remoteAddress?: string } } }) => {
        const address = info?.incoming?.socket?.remoteAddress;
        if (address) socketAddresses.set(request, address.replace(/^::ffff:/, ''));
        return app.fetch(request, env);
      },
    },
    (addr) => {
      const shown = hostname.includes(':') ? `[${hostname}]` : hostname;
      const url = `http://${shown}:${addr.port}`;
      log('info', 'listening', { url, host: hostname, database: database.kind }, config.logLevel);
      console.log(`Planlyze API on ${url}/api (docs: /api/docs, database: ${database.kind})`);
    },
  );

  const maintenance = setInterval(() => {
    runMaintenance(db, config).catch((error: unknown) => log('error', 'maintenance failed', { error: String(error) }, config.logLevel));
  }, MAINTENANCE_INTERVAL_MS);
  maintenance.unref();
  const outbox = startOutboxInterval(db, config);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'shutting down', { signal }, config.logLevel);
    clearInterval(maintenance);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close(async () => {
      await flushRequestLogs(2000); // queued request-log rows, with a deadline (SPEC-WAVE2 §15.2)
      await outbox.stop();
      await database.close();
      process.exit(0);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  // Expected start-up refusals (configuration, a locked data directory) get one clear line, not a stack.
  if (
    error instanceof ConfigError ||
    error instanceof MigrationsMissingError ||
    (error instanceof Error && /lock/i.test(error.name + error.message))
  )
    console.error(error.message);
  else console.error(error);
  process.exit(1);
});
