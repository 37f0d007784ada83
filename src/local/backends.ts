/**
 * Entry point for the local endpoint's databases: the SqlBackend contract and both implementations,
 * plus `openBackend(spec)` for scripts that take the choice from one setting.
 */
import { openPgBackend } from './pg-backend.js';
import { openPgliteBackend } from './pglite-backend.js';
import type { SqlBackend } from './sql-backend.js';

export * from './sql-backend.js';
export { openPgliteBackend, dumpPglite, type PgliteBackendOptions } from './pglite-backend.js';
export { openPgBackend, type PgBackendOptions } from './pg-backend.js';

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
