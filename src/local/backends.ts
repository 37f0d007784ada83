/**
 * Entry point for the local endpoint's databases: the SqlBackend contract and both implementations,
 * plus `openBackend(spec)` for scripts that take the choice from one setting.
 *
 * PGlite is loaded only when a PGlite database is opened (a dynamic import): a production install
 * (`npm ci --omit=dev`) serving PostgreSQL has no @electric-sql/pglite and must never need it.
 */
import { openPgBackend } from './pg-backend.js';
import type { PgliteBackendOptions } from './pglite-backend.js';
import type { PgliteBackend, SqlBackend } from './sql-backend.js';

export * from './sql-backend.js';
export type { PgliteBackendOptions } from './pglite-backend.js';
export { openPgBackend, type PgBackendOptions } from './pg-backend.js';

/** Embedded PGlite (a devDependency), imported on first use. */
export async function openPgliteBackend(options: PgliteBackendOptions = {}): Promise<PgliteBackend> {
  const { openPgliteBackend: open } = await import('./pglite-backend.js');
  return open(options);
}

export async function dumpPglite(...args: Parameters<typeof import('./pglite-backend.js').dumpPglite>) {
  const { dumpPglite: dump } = await import('./pglite-backend.js');
  return dump(...args);
}

/**
 * `postgres://…` / `postgresql://…`: a real server through pg. `memory` (or empty): in-memory PGlite.
 * Anything else: the data directory of a persistent PGlite database, e.g. `.data/pglite`.
 */
export function openBackend(spec: string | undefined): Promise<SqlBackend> {
  const value = spec?.trim() ?? '';
  if (/^postgres(ql)?:\/\//i.test(value)) return openPgBackend(value);
  if (value === '' || value === 'memory' || value === 'memory://') return openPgliteBackend();
  return openPgliteBackend({ dataDir: value });
}
