/**
 * The only way the app reaches Postgres: drizzle over Neon's HTTP driver. Building it per request
 * is cheap (no sockets; each query is one HTTPS round trip, a batch is one round trip).
 */
import { neon, neonConfig } from '@neondatabase/serverless';
import { drizzle } from 'drizzle-orm/neon-http';
import * as schema from './schema.js';

export function createDb(databaseUrl: string) {
  return drizzle({ client: neon(databaseUrl), schema, casing: 'snake_case' });
}

export type Database = ReturnType<typeof createDb>;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const neonDefaultEndpoint = neonConfig.fetchEndpoint;

/**
 * A DATABASE_URL on a loopback host means the local Neon-compatible endpoint (src/local) that
 * `npm run dev` serves to `wrangler dev`: plain HTTP on that host and port. Other hosts keep Neon's
 * own endpoint (https://api.<host>/sql).
 */
export function routeLoopbackToLocalEndpoint(): void {
  neonConfig.fetchEndpoint = (host, port, options) => {
    if (LOOPBACK_HOSTS.has(host)) return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}/sql`;
    return typeof neonDefaultEndpoint === 'function' ? neonDefaultEndpoint(host, port, options) : neonDefaultEndpoint;
  };
}
