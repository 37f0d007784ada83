/**
 * The database behind `npm start`, `npm run dev`, `npm run db:seed` and the benchmarks (Node only).
 * - DATABASE_URL unset: embedded PGlite in .data/pglite (zero set-up).
 * - DATABASE_URL on a Neon host (*.neon.tech): the real Neon HTTP endpoint; migrations through the
 *   neon-http migrator.
 * - any other postgres:// URL: that PostgreSQL server behind the local Neon-compatible endpoint, so
 *   the app still speaks only Neon's HTTP protocol.
 * Migrations are applied before anything is served (development), or only checked (`migrate: false`
 * and ./migration-status.ts: a production start refuses a database that lacks some).
 */
import { fileURLToPath } from 'node:url';
import { neon } from '@neondatabase/serverless';
import { drizzle } from 'drizzle-orm/neon-http';
import { migrate as migrateNeonHttp } from 'drizzle-orm/neon-http/migrator';
import type { SqlBackend } from './backends.js';
import { openLockedBackend } from './data-dir-lock.js';
import { applyMigrations } from './migrate.js';
import { useLocalEndpoint } from './neon-local.js';
import { createSqlEndpoint, type SqlEndpoint } from './sql-endpoint.js';

export const DEFAULT_PGLITE_DIR = '.data/pglite';
/**
 * drizzle/ next to src/ (development) or dist/ (a deployment ships dist/ and drizzle/ side by side):
 * found from this module, so the server works whatever the current directory.
 */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

export interface AppDatabase {
  /** The DATABASE_URL to hand to the app. */
  databaseUrl: string;
  kind: 'neon' | 'pglite' | 'pg';
  /** Present for local databases: the endpoint (round-trip counter) and its backend. */
  endpoint?: SqlEndpoint;
  backend?: SqlBackend;
  close(): Promise<void>;
}

export function isNeonUrl(url: string): boolean {
  try {
    return new URL(url).hostname.endsWith('.neon.tech');
  } catch {
    return false;
  }
}

export async function openAppDatabase(databaseUrl: string | undefined, options: { migrate?: boolean } = {}): Promise<AppDatabase> {
  const migrate = options.migrate ?? true;
  if (databaseUrl && isNeonUrl(databaseUrl)) {
    if (migrate) await migrateNeonHttp(drizzle({ client: neon(databaseUrl) }), { migrationsFolder: MIGRATIONS_FOLDER });
    return { databaseUrl, kind: 'neon', close: async () => {} };
  }
  // Locked: two processes on one PGlite data directory would corrupt it (./data-dir-lock.ts).
  const backend = await openLockedBackend(databaseUrl ?? DEFAULT_PGLITE_DIR);
  if (migrate) await applyMigrations(backend, MIGRATIONS_FOLDER);
  const endpoint = createSqlEndpoint(backend);
  const route = useLocalEndpoint(endpoint, { catchAll: true });
  return {
    databaseUrl: route.databaseUrl,
    kind: backend.kind,
    endpoint,
    backend,
    async close() {
      route.release();
      await backend.close();
    },
  };
}
