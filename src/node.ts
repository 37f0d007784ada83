/**
 * Node entry (`npm start`): the same app as the Worker, served by @hono/node-server on PORT (8787).
 * Embedded PGlite unless DATABASE_URL is set; migrations and seed applied before serving; a
 * housekeeping interval replaces the Worker cron; SIGINT/SIGTERM drain in-flight requests.
 */
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { ConfigError, parseConfig } from './config.js';
import { createDb } from './db/client.js';
import { seedDatabase } from './db/seed.js';
import { socketAddresses } from './http/context.js';
import { log } from './http/logger.js';
import { useBatchedStdoutLogs } from './http/node-log.js';
import { openAppDatabase } from './local/app-database.js';
import { runMaintenance } from './services/maintenance.js';
import { startOutboxInterval } from './email/delivery.js';

const MAINTENANCE_INTERVAL_MS = 5 * 60 * 1000;

async function main() {
  // Validate what we were given before opening anything.
  parseConfig(process.env);
  useBatchedStdoutLogs();
  const database = await openAppDatabase(process.env.DATABASE_URL);
  const env: Record<string, string> = Object.fromEntries(
    Object.entries({ ...process.env, DATABASE_URL: database.databaseUrl }).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
  const config = parseConfig(env);
  const db = createDb(config.databaseUrl);
  await seedDatabase(db, config);

  const app = createApp();
  const server = serve(
    {
      port: config.port,
      hostname: process.env.HOST ?? '0.0.0.0',
      fetch: (request, info: { incoming?: { socket?: { remoteAddress?: string } } }) => {
        const address = info?.incoming?.socket?.remoteAddress;
        if (address) socketAddresses.set(request, address.replace(/^::ffff:/, ''));
        return app.fetch(request, env);
      },
    },
    (addr) => {
      log('info', 'listening', { url: `http://localhost:${addr.port}`, database: database.kind }, config.logLevel);
      console.log(`Planlyze API on http://localhost:${addr.port}/api (docs: /api/docs, database: ${database.kind})`);
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
  if (error instanceof ConfigError || (error instanceof Error && /lock/i.test(error.name + error.message))) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
