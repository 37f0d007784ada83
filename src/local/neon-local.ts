/**
 * Points the neon driver (and so drizzle neon-http) at local endpoints.
 *
 * In-process: `useLocalEndpoint(endpoint)` registers the endpoint under a unique fake host and returns
 * a DATABASE_URL naming it. One router installed as `neonConfig.fetchFunction` reads the host from the
 * `Neon-Connection-String` header each request carries and hands the request to that endpoint, so
 * several endpoints (e.g. PGlite and PostgreSQL in one test file) coexist; unknown hosts go to the
 * previous fetchFunction or the real fetch. Router state lives on globalThis, so module copies
 * (vitest re-imports per file) share it.
 *
 * Over HTTP (another process, e.g. wrangler dev): serve the endpoint (./http-server.ts), give the app
 * `localDatabaseUrl(port)` and set `neonConfig.fetchEndpoint` to db/client.ts's `loopbackAwareFetchEndpoint`, which sends
 * loopback hosts to http://host:port/sql and leaves real Neon hosts alone.
 */
import { neonConfig } from '@neondatabase/serverless';
import { loopbackAwareFetchEndpoint } from '../db/client.js';
import type { SqlEndpoint } from './sql-endpoint.js';

type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

interface RouterState {
  routes: Map<string, SqlEndpoint>;
  catchAll: SqlEndpoint | null;
  counter: number;
  router: FetchLike;
  /** The fetchFunction that was set before the router (used for hosts we do not serve). */
  fallback: FetchLike | undefined;
}

const STATE_KEY = Symbol.for('planlyze.local-neon-router');

function state(): RouterState {
  const holder = globalThis as unknown as Record<symbol, RouterState | undefined>;
  let current = holder[STATE_KEY];
  if (!current) {
    const created: RouterState = {
      routes: new Map(),
      catchAll: null,
      counter: 0,
      fallback: undefined,
      router: (input, init) => {
        const endpoint = endpointFor(created, input, init);
        if (endpoint) return endpoint.fetch(input, init);
        return (created.fallback ?? globalThis.fetch)(input, init);
      },
    };
    holder[STATE_KEY] = current = created;
  }
  return current;
}

function endpointFor(s: RouterState, input: string | URL | Request, init?: RequestInit): SqlEndpoint | null {
  const connectionString = connectionStringOf(input, init);
  let host: string | undefined;
  try {
    if (connectionString) host = new URL(connectionString).hostname.toLowerCase();
  } catch {
    // Not a URL: let the endpoint (if any) refuse it the way Neon would.
  }
  return (host !== undefined ? s.routes.get(host) : undefined) ?? s.catchAll;
}

/**
 * The driver passes its headers as a plain object with this exact spelling: read it directly (two
 * Headers objects per query were a measurable part of an in-process round trip); anything else goes
 * the general, case-insensitive way.
 */
function connectionStringOf(input: string | URL | Request, init?: RequestInit): string | null {
  const plain = init?.headers;
  if (typeof input === 'string' && plain && typeof plain === 'object' && !(plain instanceof Headers) && !Array.isArray(plain)) {
    const direct = (plain as Record<string, string>)['Neon-Connection-String'];
    if (typeof direct === 'string') return direct;
  }
  const headers = new Headers(input instanceof Request ? input.headers : undefined);
  new Headers(init?.headers).forEach((value, name) => headers.set(name, value));
  return headers.get('Neon-Connection-String');
}

function installRouter(s: RouterState): void {
  const current = neonConfig.fetchFunction as FetchLike | undefined;
  if (current !== s.router) {
    s.fallback = current;
    neonConfig.fetchFunction = s.router;
  }
}

export interface LocalRoute {
  /** A connection string routed to the endpoint, e.g. postgres://planlyze:local@local-1.neon.localhost/planlyze */
  databaseUrl: string;
  host: string;
  /** Unregisters the endpoint (the router stays installed; it passes unknown hosts through). */
  release(): void;
}

export interface UseLocalEndpointOptions {
  /** Fake host to register (default: a unique local-N.neon.localhost). */
  host?: string;
  /** Also serve every request whose host is not registered (when the app's DATABASE_URL is fixed). */
  catchAll?: boolean;
}

/** Routes the neon driver in-process to `endpoint`; use the returned `databaseUrl` as DATABASE_URL. */
export function useLocalEndpoint(endpoint: SqlEndpoint, options: UseLocalEndpointOptions = {}): LocalRoute {
  const s = state();
  installRouter(s);
  // .localhost never resolves off this machine, so a leak past the router cannot reach a real server.
  const host = (options.host ?? `local-${++s.counter}.neon.localhost`).toLowerCase();
  s.routes.set(host, endpoint);
  if (options.catchAll) s.catchAll = endpoint;
  return {
    databaseUrl: `postgres://planlyze:local@${host}/planlyze`,
    host,
    release() {
      if (s.routes.get(host) === endpoint) s.routes.delete(host);
      if (s.catchAll === endpoint) s.catchAll = null;
    },
  };
}

/**
 * A DATABASE_URL for an endpoint served over HTTP on this machine (see loopbackAwareFetchEndpoint in db/client.ts). Without a
 * port: postgres://planlyze:local@localhost/planlyze, e.g. for an in-process catch-all route.
 */
export function localDatabaseUrl(port?: number, host = port === undefined ? 'localhost' : '127.0.0.1'): string {
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return `postgres://planlyze:local@${urlHost}${port === undefined ? '' : `:${port}`}/planlyze`;
}

/** Sets `neonConfig.fetchEndpoint` to the app's own loopback rule (db/client.ts); returns a function restoring the previous value. */
export function useLoopbackFetchEndpoint(): () => void {
  const previous = neonConfig.fetchEndpoint;
  neonConfig.fetchEndpoint = loopbackAwareFetchEndpoint;
  return () => {
    neonConfig.fetchEndpoint = previous;
  };
}
