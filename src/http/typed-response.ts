/**
 * Responses built without `c.json()` (a bodiless 304, an event stream, JSON text assembled elsewhere), typed
 * for hono/client. hono types a route by what its handler returns, and a plain `Response` makes the route's
 * output `unknown` in `hc<AppType>`. `typed<T>(response)` returns the SAME object, untouched: only its static
 * type changes, to what it really carries. The one way to do this (no other `as TypedResponse` casts).
 */
import type { TypedResponse } from 'hono';

export function typed<T extends TypedResponse>(response: Response): Response & T {
  return response as Response & T;
}

/**
 * `304 Not Modified` (a conditional read, `If-None-Match`): no body. Typed as empty text, which is exact at run
 * time: `text()` resolves to `''` and `json()` rejects (hono/client types it `Promise<never>`). A client that sends
 * `If-None-Match` tells the two apart by `res.status` (`200 | 304`).
 */
export type NotModified = TypedResponse<'', 304, 'text'>;

/** A `text/event-stream` answer (`Accept: text/event-stream`): `text()` is the events' text; `json()` rejects. */
export type EventStream = TypedResponse<string, 200, 'text'>;
