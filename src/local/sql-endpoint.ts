/**
 * A local implementation of Neon's SQL-over-HTTP endpoint (`POST /sql`), for development and tests.
 * The app keeps talking to Postgres only through `drizzle(neon(DATABASE_URL))`; pointing the neon
 * driver here (in-process through `neonConfig.fetchFunction`, see ./neon-local.ts, or over HTTP through
 * `neonConfig.fetchEndpoint`, see ./http-server.ts) gives it the answers Neon would give: same JSON,
 * text cells parsed by the driver's own pg-types, same error fields (e.g. 23505 + constraint name),
 * batches atomic in one transaction, multi-statement strings refused (42601).
 *
 * What it adds for tests: a round-trip counter (one per HTTP request, a batch is one) and fault
 * injection (HTTP status, network failure, hang, delay; before or after the SQL ran), plus a batch
 * failing MIDWAY (`failStatement`): statements 1..N-1 run inside the batch's transaction, statement N is
 * replaced by one that raises the chosen SQLSTATE (default 57P01, what Postgres reports when the compute
 * restarts mid-transaction), so the backend rolls back what already ran and answers the SQL error as
 * Neon would — the way to prove through the API that a multi-statement write is all-or-nothing.
 *
 * Honest limits — where this is NOT Neon:
 * - No authentication: Neon-Connection-String must parse as postgres://user@host/db, but user,
 *   password and database name are ignored; every request goes to the one backend it was built with.
 * - PGlite is ONE session for all requests. Requests are serialized (no concurrency, no lock waits,
 *   no serialization failures), and session state persists across requests: `SET`, temp tables,
 *   advisory locks. Neon hands each request some pooled connection, so never rely on session state.
 *   (A request that leaves a transaction open is rolled back, as Neon discards that connection.)
 * - PGlite is PostgreSQL 18, the pg backend whatever server you run; Neon runs the version of your
 *   project. Extensions differ.
 * - Neon's limits are partly modelled: 10 MiB response (HTTP 507) yes; request size, query timeout,
 *   connection limits, cold starts, JWT auth (Authorization header) no. The Authorization header is
 *   ignored.
 * - Non-database failures (backend unreachable, bug) answer HTTP 500 with a JSON message, which the
 *   driver reports as "Server error (HTTP status 500)"; Neon's exact texts for those differ.
 */
import {
  encodeError,
  encodeResult,
  NeonRequestError,
  type ArrayElementTypes,
  type NeonHeaders,
  type NeonPayload,
} from './neon-protocol.js';
import { DirectResponse, directIncoming, fromRequest, readIncoming, toResponse, type Incoming, type Reply } from './sql-endpoint-io.js';
import { SqlError, type RawResult, type SqlBackend } from './sql-backend.js';

export interface EndpointStats {
  /** HTTP requests received (including refused and fault-injected ones). A batch counts once. */
  roundTrips: number;
  /** SQL statements sent to the backend (a batch of 3 counts 3). */
  statements: number;
  /** Requests answered with an error status (SQL errors, bad requests, injected HTTP errors). */
  errors: number;
}

export interface FaultContext {
  /** 1-based number of this round trip (stats.roundTrips after counting it). */
  roundTrip: number;
  batch: boolean;
  /** SQL texts of the request ([] if the payload could not be parsed). */
  queries: string[];
  headers: Headers;
}

export type FaultAction =
  /** Answer this HTTP status (default body: a JSON message). afterExecute: the SQL ran (and committed) first. */
  | { type: 'status'; status: number; body?: string; afterExecute?: boolean }
  /** Fail like a refused or reset connection. afterExecute: the SQL ran (and committed) first. */
  | { type: 'network'; message?: string; afterExecute?: boolean }
  /** Never answer, until the caller's AbortSignal fires (or, with ms, then fail as a network error). */
  | { type: 'hang'; ms?: number }
  /** Answer normally, ms later. */
  | { type: 'delay'; ms: number }
  /**
   * The request's `statement`-th statement (1-based; a single query is statement 1) fails with SQLSTATE
   * `code` (default 57P01) and `message`, after the statements before it ran in the batch's transaction;
   * the backend rolls them back and the later ones never run. Beyond the request's last statement: no fault.
   */
  | { type: 'failStatement'; statement: number; code?: string; message?: string };

/** Decides, per request, whether to inject a fault. Return nothing to serve the request normally. */
export type Fault = (context: FaultContext) => FaultAction | null | undefined | void;

export interface RequestLogEntry {
  roundTrip: number;
  batch: boolean;
  queries: string[];
  status: number | 'network-error' | 'aborted';
  ms: number;
  error?: string;
}

export interface SqlEndpointOptions {
  /** Neon refuses responses over 10 MiB with HTTP 507; same default here. */
  maxResponseBytes?: number;
  /** Called after each request (e.g. a dev server printing SQL). */
  onRequest?: (entry: RequestLogEntry) => void;
}

export interface SqlEndpoint {
  readonly backend: SqlBackend;
  /** Serves one Neon `/sql` request. Rejects only for injected network faults and aborted hangs. */
  handle(request: Request): Promise<Response>;
  /** A `fetch` for `neonConfig.fetchFunction`: every call is served by `handle`, whatever the URL. */
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** Live counters. */
  readonly stats: Readonly<EndpointStats>;
  /** Zeroes the counters and returns their previous values. */
  resetStats(): EndpointStats;
  /** Installs (or, with null, removes) the fault hook consulted on every request. */
  setFault(fault: Fault | null): void;
}

/** Thrown by `handle` for an injected network fault; the HTTP server turns it into a dropped socket. */
export class NetworkFaultError extends Error {
  constructor(message = 'connect ECONNREFUSED (injected fault)') {
    super(message);
    this.name = 'NetworkFaultError';
  }
}

const TEN_MIB = 10 * 1024 * 1024;

export function createSqlEndpoint(backend: SqlBackend, options: SqlEndpointOptions = {}): SqlEndpoint {
  const maxResponseBytes = options.maxResponseBytes ?? TEN_MIB;
  const stats: EndpointStats = { roundTrips: 0, statements: 0, errors: 0 };
  let fault: Fault | null = null;
  const typeCache = new Map<number, number>(); // type OID → array element OID, 0 for non-arrays

  /** One `/sql` request, whichever way it came (HTTP server, in-process fetch). */
  async function serve(incoming: Incoming): Promise<Reply> {
    const started = Date.now();
    const roundTrip = ++stats.roundTrips;
    const parsed = await readIncoming(incoming);
    const payload = parsed instanceof NeonRequestError ? undefined : parsed.payload;
    const queries = !payload ? [] : payload.kind === 'single' ? [payload.query.text] : payload.queries.map((q) => q.text);
    const log = (status: RequestLogEntry['status'], error?: string) =>
      options.onRequest?.({
        roundTrip,
        batch: payload?.kind === 'batch',
        queries,
        status,
        ms: Date.now() - started,
        ...(error !== undefined ? { error } : {}),
      });

    const action = fault?.({ roundTrip, batch: payload?.kind === 'batch', queries, headers: incoming.allHeaders() }) ?? undefined;
    try {
      if (action && !runsAfterExecute(action)) {
        const early = await applyFault(action, incoming.signal);
        if (early) {
          stats.errors++;
          log(early.status);
          return early;
        }
      }
      const failAt = action?.type === 'failStatement' ? action : undefined;
      const reply =
        parsed instanceof NeonRequestError ? errorReply(parsed) : await execute(parsed.headers, parsed.payload, failAt);
      if (action && runsAfterExecute(action)) {
        const late = await applyFault(action, incoming.signal);
        if (late) {
          stats.errors++;
          log(late.status);
          return late;
        }
      }
      const ok = reply.status >= 200 && reply.status < 300;
      if (!ok) stats.errors++;
      log(reply.status, ok ? undefined : reply.body);
      return reply;
    } catch (e) {
      log(e instanceof NetworkFaultError ? 'network-error' : 'aborted', String(e));
      throw e;
    }
  }

  async function execute(headers: NeonHeaders, payload: NeonPayload, failAt?: FailStatement): Promise<Reply> {
    try {
      if (payload.kind === 'single') {
        const { query } = payload;
        stats.statements++;
        const run = failAt?.statement === 1 ? failingStatement(failAt) : query;
        const result = await backend.query(run.text, run.params);
        const types = await elementTypesFor([result], headers);
        return jsonReply(200, encode(result, query.arrayMode ?? headers.arrayMode, headers, types));
      }
      stats.statements += payload.queries.length;
      const statements = payload.queries.map((q) => ({ text: q.text, params: q.params }));
      if (failAt && failAt.statement >= 1 && failAt.statement <= statements.length) {
        statements.splice(failAt.statement - 1, statements.length, failingStatement(failAt));
      }
      const results = await backend.batch(statements, headers.tx);
      const types = await elementTypesFor(results, headers);
      const body = {
        results: results.map((r, i) => encode(r, payload.queries[i]!.arrayMode ?? headers.arrayMode, headers, types)),
      };
      return jsonReply(200, body, batchHeaders(headers));
    } catch (e) {
      return errorReply(e);
    }
  }

  function encode(result: RawResult, arrayMode: boolean, headers: NeonHeaders, types: ArrayElementTypes) {
    return encodeResult(result, { arrayMode, rawTextOutput: headers.rawTextOutput, arrayElementTypes: types });
  }

  function jsonReply(status: number, body: unknown, extraHeaders: Record<string, string> = {}): Reply {
    const text = JSON.stringify(body);
    if (status === 200 && text.length * 3 > maxResponseBytes && Buffer.byteLength(text) > maxResponseBytes) {
      return errorReply(new NeonRequestError(`response is too large (max is ${maxResponseBytes} bytes)`, 507));
    }
    return { status, body: text, headers: { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*', ...extraHeaders } };
  }

  function errorReply(e: unknown): Reply {
    if (e instanceof SqlError) return jsonReply(400, encodeError(e.message, e.fields));
    if (e instanceof NeonRequestError) return jsonReply(e.status, encodeError(e.message));
    return jsonReply(500, encodeError(e instanceof Error ? e.message : String(e)));
  }

  /** Array element types, looked up only when cells must become JSON (no Neon-Raw-Text-Output). */
  async function elementTypesFor(results: RawResult[], headers: NeonHeaders): Promise<ArrayElementTypes> {
    if (headers.rawTextOutput) return typeCache;
    const unknown = [...new Set(results.flatMap((r) => r.fields.map((f) => f.dataTypeID)))].filter(
      (oid) => !typeCache.has(oid),
    );
    if (unknown.length) {
      const found = await backend.query(
        "SELECT oid::int4, typelem::int4 FROM pg_type WHERE oid = ANY($1::oid[]) AND typcategory = 'A' AND typelem <> 0",
        [`{${unknown.join(',')}}`],
      );
      for (const oid of unknown) typeCache.set(oid, 0);
      for (const [oid, elem] of found.rows) typeCache.set(Number(oid), Number(elem));
    }
    return new Map([...typeCache].filter(([, elem]) => elem !== 0));
  }

  return {
    backend,
    handle: async (request) => toResponse(await serve(fromRequest(request))),
    fetch: async (input, init) => {
      try {
        // The driver's own call (string URL, string body, plain headers) is served without building a
        // Request and answered without a Response stream; anything else takes the general way.
        const direct = directIncoming(input, init);
        return direct ? (new DirectResponse(await serve(direct)) as unknown as Response) : toResponse(await serve(fromRequest(new Request(input, init))));
      } catch (e) {
        // What a real fetch does when the connection fails.
        if (e instanceof NetworkFaultError) throw new TypeError('fetch failed', { cause: e });
        throw e;
      }
    },
    stats,
    resetStats() {
      const previous = { ...stats };
      stats.roundTrips = 0;
      stats.statements = 0;
      stats.errors = 0;
      return previous;
    },
    setFault(next) {
      fault = next;
    },
  };
}

type FailStatement = Extract<FaultAction, { type: 'failStatement' }>;

/** A statement that fails with the fault's SQLSTATE and message (PL/pgSQL RAISE: same error fields as a real one). */
function failingStatement({ code = '57P01', message }: FailStatement): { text: string; params: (string | null)[] } {
  if (!/^[0-9A-Z]{5}$/.test(code)) throw new Error(`failStatement: not a SQLSTATE: ${code}`);
  const text = (message ?? 'terminating connection due to administrator command (injected fault)').replace(/'/g, "''");
  return { text: `DO $fault$ BEGIN RAISE EXCEPTION USING ERRCODE = '${code}', MESSAGE = '${text}'; END $fault$`, params: [] };
}

function runsAfterExecute(action: FaultAction): boolean {
  return (action.type === 'status' || action.type === 'network') && action.afterExecute === true;
}

/** Returns the reply replacing the real one, or undefined to go on (after a delay). */
async function applyFault(action: FaultAction, signal: AbortSignal): Promise<Reply | undefined> {
  switch (action.type) {
    case 'status':
      return {
        status: action.status,
        body: action.body ?? JSON.stringify({ message: `injected HTTP ${action.status}` }),
        headers: { 'Content-Type': action.body === undefined ? 'application/json' : 'text/plain' },
      };
    case 'network':
      throw new NetworkFaultError(action.message);
    case 'hang':
      await sleep(action.ms ?? Number.POSITIVE_INFINITY, signal);
      throw new NetworkFaultError('connection timed out (injected hang)');
    case 'delay':
      await sleep(action.ms, signal);
      return undefined;
    case 'failStatement':
      return undefined; // applied by execute()
  }
}

/** Resolves after ms (never, for Infinity); rejects with the signal's reason when it aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    function done() {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function batchHeaders(headers: NeonHeaders): Record<string, string> {
  // Neon echoes the transaction options it applied.
  const out: Record<string, string> = {};
  if (headers.tx.readOnly) out['Neon-Batch-Read-Only'] = 'true';
  if (headers.tx.deferrable) out['Neon-Batch-Deferrable'] = 'true';
  if (headers.tx.isolationLevel) out['Neon-Batch-Isolation-Level'] = headers.tx.isolationLevel;
  return out;
}

/** Fault helpers for tests. */
export const faults = {
  /** The next request gets `action`; later ones are served normally. */
  once(action: FaultAction): Fault {
    return faults.times(1, action);
  },
  /** The next n requests get `action`. */
  times(n: number, action: FaultAction): Fault {
    let left = n;
    return () => (left-- > 0 ? action : undefined);
  },
  /** Requests with a statement matching `pattern` get `action` (at most `times` times). */
  matching(pattern: RegExp, action: FaultAction, times = Number.POSITIVE_INFINITY): Fault {
    let left = times;
    return ({ queries }) => (left > 0 && queries.some((q) => pattern.test(q)) && left-- > 0 ? action : undefined);
  },
};
