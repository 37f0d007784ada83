/**
 * The only way the app reaches Postgres: drizzle over Neon's HTTP driver. Building it per request
 * is cheap (no sockets; each query is one HTTPS round trip, a batch is one round trip).
 */
import { neon, neonConfig } from '@neondatabase/serverless';
import { drizzle } from 'drizzle-orm/neon-http';
import { isWorkerRuntime } from '../runtime.js';

/**
 * `queryTimeoutMs` bounds every round trip: Neon's driver has no timeout of its own, so a hung
 * connection would hold the request forever. The driver spreads `fetchOptions` into each fetch's
 * init, so a getter yields the timeout signal of each query (a single signal would expire for the
 * whole client). A timed-out query surfaces as a NeonDbError without SQLSTATE → 503.
 */
export function createDb(databaseUrl: string, options: { queryTimeoutMs?: number } = {}) {
  const timeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const signals = isWorkerRuntime() ? () => AbortSignal.timeout(timeoutMs) : timeoutSignals(timeoutMs);
  const fetchOptions = {
    get signal() {
      return signals();
    },
  };
  // No `schema`: the app never uses drizzle's relational queries (`db.query.*`). Given one, every createDb (one per
  // request) walks all tables to build their relational config, and the Worker bundles drizzle's relations code.
  return drizzle({ client: neon(databaseUrl, { fetchOptions }), casing: DB_CASING });
}

/**
 * Timeout signals for queries on Node, one shared by the queries that start within the same short window
 * (1/20 of the timeout, at most 100 ms) and firing `timeoutMs + window` after the window opened: each query is
 * cut between `timeoutMs` and `timeoutMs + window` after it started. `AbortSignal.timeout` per query cost
 * ~20 µs of CPU on Node (a timer and a transferable signal each), a tenth of the CPU of `GET /auth/me`
 * outside the database (issue 16); per window it is one timer however many queries run. Not on Workers:
 * there a timer belongs to the request that set it (and ends with it), so each query keeps its own signal.
 */
export function timeoutSignals(timeoutMs: number, now: () => number = Date.now): () => AbortSignal {
  const window = Math.min(100, Math.floor(timeoutMs / 20));
  let signal: AbortSignal | undefined;
  let openUntil = 0;
  return () => {
    const at = now();
    if (!signal || at >= openUntil) {
      signal = AbortSignal.timeout(timeoutMs + window);
      openUntil = at + window;
    }
    return signal;
  };
}

export const DEFAULT_QUERY_TIMEOUT_MS = 15_000;

/** How drizzle names columns in SQL (db/pagination.ts renders list items with the same setting). */
export const DB_CASING = 'snake_case';

export type Database = ReturnType<typeof createDb>;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const neonDefaultEndpoint = neonConfig.fetchEndpoint;

/**
 * A DATABASE_URL on a loopback host means the local Neon-compatible endpoint (src/local) that
 * `npm run dev` serves to `wrangler dev`: plain HTTP on that host and port. Other hosts keep Neon's
 * own endpoint (https://api.<host>/sql). A value for `neonConfig.fetchEndpoint`.
 */
export const loopbackAwareFetchEndpoint: typeof neonConfig.fetchEndpoint = (host, port, options) => {
  if (LOOPBACK_HOSTS.has(host)) {
    const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return `http://${urlHost}:${port || 80}/sql`;
  }
  return typeof neonDefaultEndpoint === 'function' ? neonDefaultEndpoint(host, port, options) : neonDefaultEndpoint;
};

export function routeLoopbackToLocalEndpoint(): void {
  neonConfig.fetchEndpoint = loopbackAwareFetchEndpoint;
}
