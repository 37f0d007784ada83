/**
 * Public catalog reads (SPEC §10): `GET /credit-packages`, `/payment-methods`, `/settings`.
 *
 * - An in-isolate cache (module scope, 60 s TTL) keeps the catalog out of the database on most
 *   requests. An admin change invalidates it at once in the isolate that made it; other isolates
 *   (Workers) or processes (Node) see it when their entry expires, so within 60 seconds everywhere.
 *   Entries are keyed by database URL too, so two apps in one process never share a catalog.
 * - Responses carry a weak ETag over the data and the response language (`Vary: Accept-Language`
 *   is added for every response by http/context.ts) and `Cache-Control: public, max-age=60`; a
 *   matching `If-None-Match` gets `304 Not Modified` with no body.
 * - Admin views (`?include_inactive=true`) bypass the cache and are sent `private, no-store`.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../types.js';
import { typed, type NotModified } from './typed-response.js';

export type CatalogName = 'credit-packages' | 'payment-methods' | 'settings' | 'currencies' | 'partners' | 'social-media' | 'landing-stats';

const TTL_MS = 60_000;

interface Entry {
  value: unknown;
  expiresAt: number;
}

const entries = new Map<string, Entry>();
/** Bumped by every invalidation, so a load that started before it cannot store stale data after it. */
const generations = new Map<string, number>();

const keyOf = (c: Context<AppEnv>, name: CatalogName) => `${c.var.config.databaseUrl}\u0000${name}`;

export async function cachedCatalog<T>(c: Context<AppEnv>, name: CatalogName, load: () => Promise<T>, ttlMs = TTL_MS): Promise<T> {
  const key = keyOf(c, name);
  const hit = entries.get(key);
  if (hit && hit.expiresAt > Date.now()) return hit.value as T;
  const generation = generations.get(key) ?? 0;
  const value = await load();
  if ((generations.get(key) ?? 0) === generation) entries.set(key, { value, expiresAt: Date.now() + ttlMs });
  return value;
}

/** Call after an admin change to the catalog has been committed. */
export function invalidateCatalog(c: Context<AppEnv>, name: CatalogName): void {
  const key = keyOf(c, name);
  entries.delete(key);
  generations.set(key, (generations.get(key) ?? 0) + 1);
}

async function weakEtag(payload: unknown, lang: string): Promise<string> {
  const bytes = new TextEncoder().encode(`${lang}\u0000${JSON.stringify(payload)}`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const hex = Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
  return `W/"${hex}"`;
}

/**
 * ETags computed once per cached catalog value, language and variant (page window, item), not per
 * request: serialising and hashing the payload was a third of a catalog hit's CPU. Keyed weakly by
 * the cached value, so a reload or an invalidation starts afresh; bounded per value, so odd page
 * windows cannot grow it without limit (past the bound the tag is computed per request).
 */
const MAX_ETAGS_PER_VALUE = 256;
const etags = new WeakMap<object, Map<string, string>>();

async function memoizedEtag(source: object, variant: string, lang: string, payload: () => unknown): Promise<string> {
  let byVariant = etags.get(source);
  if (!byVariant) etags.set(source, (byVariant = new Map()));
  const key = `${lang}\u0000${variant}`;
  let etag = byVariant.get(key);
  if (etag === undefined) {
    etag = await weakEtag(payload(), lang);
    if (byVariant.size < MAX_ETAGS_PER_VALUE) byVariant.set(key, etag);
  }
  return etag;
}

/** Weak comparison (RFC 9110 §13.1.2): the opaque tags match, whatever their W/ prefixes. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/**
 * Sends a public catalog response: ETag over the payload (what the envelope's data and pagination are
 * made from) and the language, public caching, and a bodiless 304 when the client already has it.
 * `source` is the cached value the payload is derived from and `variant` names which part of it
 * (e.g. a page window): together they key the memoized ETag, so the payload is built only to hash it
 * the first time. Typed for hono/client as what `render` answers, or a bodiless 304 (http/typed-response.ts).
 */
export async function sendPublicCatalog<R extends Response>(
  c: Context<AppEnv>,
  cached: { source: object; variant: string; payload: () => unknown },
  render: () => R,
  maxAgeSeconds = TTL_MS / 1000,
): Promise<R | (Response & NotModified)> {
  const etag = await memoizedEtag(cached.source, cached.variant, c.var.lang, cached.payload);
  c.header('ETag', etag);
  c.header('Cache-Control', `public, max-age=${maxAgeSeconds}`);
  if (matches(c.req.header('if-none-match'), etag)) return typed<NotModified>(c.body(null, 304));
  return render();
}

/** For the admin (`include_inactive`) variants of catalog reads: never stored by any cache. */
export function sendPrivate<R extends Response>(c: Context<AppEnv>, render: () => R): R {
  c.header('Cache-Control', 'private, no-store');
  return render();
}
