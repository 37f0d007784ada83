/**
 * How a `/sql` request reaches the endpoint (./sql-endpoint.ts) and how its answer leaves: as a
 * Request/Response pair (the HTTP server, any fetch-shaped call), or — for the neon driver's own
 * in-process call — straight from its fetch arguments to a minimal response object, skipping a Request
 * and a Response body stream per query. The endpoint's logic sees only `Incoming` and `Reply`.
 */
import {
  NeonRequestError,
  parseNeonPayload,
  readNeonHeaders,
  type HeaderLookup,
  type NeonHeaders,
  type NeonPayload,
} from './neon-protocol.js';

/** A `/sql` request as the endpoint needs it, whether it came as a Request or as the driver's fetch arguments. */
export interface Incoming {
  method: string;
  headers: HeaderLookup;
  text(): Promise<string>;
  signal: AbortSignal;
  /** Every header as a Headers object (built only when a fault hook asks to see them). */
  allHeaders(): Headers;
}

/** The endpoint's answer before it becomes an HTTP response. */
export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string>;
}

const NEVER_ABORTED = new AbortController().signal;

export function fromRequest(request: Request): Incoming {
  return { method: request.method, headers: request.headers, text: () => request.text(), signal: request.signal, allHeaders: () => request.headers };
}

/**
 * The neon driver calls `fetch(url, { method: 'POST', body: <JSON string>, headers: {…}, signal? })`.
 * Served as is, that skips a Request (and its body stream) per query; other shapes return undefined.
 */
export function directIncoming(input: string | URL | Request, init: RequestInit | undefined): Incoming | undefined {
  if (typeof input !== 'string' || !init || typeof init.body !== 'string') return undefined;
  const plain = init.headers;
  if (!plain || typeof plain !== 'object' || plain instanceof Headers || Array.isArray(plain)) return undefined;
  const byName = new Map<string, string>();
  for (const [name, value] of Object.entries(plain as Record<string, string>)) byName.set(name.toLowerCase(), String(value));
  const body = init.body;
  return {
    method: (init.method ?? 'GET').toUpperCase(),
    headers: { get: (name) => byName.get(name.toLowerCase()) ?? null },
    text: async () => body,
    signal: init.signal ?? NEVER_ABORTED,
    allHeaders: () => new Headers(plain as Record<string, string>),
  };
}

export function toResponse(reply: Reply): Response {
  return new Response(reply.body, { status: reply.status, headers: reply.headers });
}

/**
 * What the in-process driver gets back: the part of a Response it reads (`ok`, `status`, `json()`,
 * `text()`; `headers` and `clone()` for completeness). The JSON text is still produced and parsed, as over
 * HTTP — only the stream machinery of a real Response is left out.
 */
export class DirectResponse {
  readonly status: number;
  readonly statusText = '';
  readonly ok: boolean;
  readonly bodyUsed = false;
  #reply: Reply;
  #headers: Headers | undefined;

  constructor(reply: Reply) {
    this.#reply = reply;
    this.status = reply.status;
    this.ok = reply.status >= 200 && reply.status < 300;
  }

  get headers(): Headers {
    return (this.#headers ??= new Headers(this.#reply.headers));
  }

  async text(): Promise<string> {
    return this.#reply.body;
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.#reply.body);
  }

  clone(): DirectResponse {
    return new DirectResponse(this.#reply);
  }
}

/** The request's headers and payload, or the reason Neon would refuse it. */
export async function readIncoming(incoming: Incoming): Promise<{ headers: NeonHeaders; payload: NeonPayload } | NeonRequestError> {
  try {
    if (incoming.method !== 'POST') throw new NeonRequestError('method not allowed', 405);
    const body = await incoming.text();
    const headers = readNeonHeaders(incoming.headers); // Neon checks headers before the payload
    return { headers, payload: parseNeonPayload(body) };
  } catch (e) {
    if (e instanceof NeonRequestError) return e;
    throw e;
  }
}
