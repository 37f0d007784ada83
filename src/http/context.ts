/**
 * Dependencies every handler reads from `c.var` (CONVENTIONS §2), set once per request: language,
 * config (parsed once per env object) and the database handle (built once per config, see below).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { resolveConfig, type Config } from '../config.js';
import { createDb, type Database } from '../db/client.js';
import { pickLanguage } from '../i18n/messages.js';
import { isWorkerRuntime } from '../runtime.js';
import type { AppEnv } from '../types.js';

/** Headers set before `next()`, so they are part of whatever Response follows (see requestId in app.ts). */
export const languageContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  const lang = pickLanguage(c.req.header('accept-language'));
  c.set('lang', lang);
  c.header('Content-Language', lang);
  c.header('Vary', 'Accept-Language', { append: true });
  await next();
};

/**
 * One Database per configuration (so per isolate / process). Building drizzle with the schema costs
 * ≈ 0.5 ms (it derives the relational config), a third of a simple request; the instance holds no
 * connection or request state (each query is its own HTTP round trip with its own timeout signal),
 * so sharing it is safe.
 */
const databases = new WeakMap<Config, Database>();

function databaseFor(config: Config): Database {
  let db = databases.get(config);
  if (!db) {
    db = createDb(config.databaseUrl, { queryTimeoutMs: config.dbQueryTimeoutMs });
    databases.set(config, db);
  }
  return db;
}

export const appContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  const config = resolveConfig(c.env ?? {});
  c.set('config', config);
  c.set('db', databaseFor(config));
  await next();
};

/** Socket addresses of requests served by the Node entry (src/node.ts), keyed by the Request. */
export const socketAddresses = new WeakMap<Request, string>();

/**
 * The Workers execution context (`waitUntil`), or undefined on Node and for `app.request` without one.
 * hono's `c.executionCtx` throws when there is none, and an Error with its stack trace on every request was
 * a measurable part of a Node request's CPU (issue 16), so a request the Node entry served (it records the
 * socket address) is known to have none without asking.
 */
export function executionContextOf(c: Context<AppEnv>): { waitUntil(promise: Promise<unknown>): void } | undefined {
  if (socketAddresses.has(c.req.raw)) return undefined;
  try {
    return c.executionCtx;
  } catch {
    return undefined; // app.request without a context
  }
}

/**
 * The client IP (SPEC §2): `CF-Connecting-IP` on Workers; on Node the socket address, or the left-most
 * `X-Forwarded-For` entry only when TRUST_PROXY=true. A header a client could forge is never trusted
 * unless configuration says a proxy in front sets it.
 */
export function clientIp(c: Context<AppEnv>): string {
  if (c.get('config').trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  if (isWorkerRuntime()) return c.req.header('cf-connecting-ip') ?? 'unknown';
  return socketAddresses.get(c.req.raw) ?? 'unknown';
}
