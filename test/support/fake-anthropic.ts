// A fake Anthropic Messages API for tests: the real @anthropic-ai/sdk client talks to it over HTTP through
// `baseURL` (ANTHROPIC_BASE_URL). It validates requests like the real API (auth, version, body, strict JSON
// schemas) and answers with scripted behaviours, consumed in order, then a default.
//
//   const fake = await startFakeAnthropic();
//   fake.enqueue(rateLimited(1), toolResult({ market_fit_score: 72, ... }));
//   const client = new Anthropic({ apiKey: 'test', baseURL: fake.url });
//   ...
//   expect(fake.requests[1].forcedTool).toBe('report_overview');
//   await fake.close();
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  error, statusOfErrorType,
  type Behaviour, type FakeRequest,
} from './fake-anthropic-behaviours.js';
import {
  buildMessage, sendError, sendJson, startSse, streamErrorEvents, streamEvents, writeSse,
} from './fake-anthropic-reply.js';
import { apiKeyOf, bodyRejection, headerRejection, parseBody, type Rejection } from './fake-anthropic-validate.js';

export * from './fake-anthropic-behaviours.js';
export { STRICT_LIMITS, strictSchemaProblem } from './fake-anthropic-schema.js';
export type { ScriptedCitation, ScriptedResult, ScriptedSearch, WebSearchErrorCode } from './fake-anthropic-search.js';

export interface FakeAnthropic {
  /** Base URL for the SDK (`baseURL`) or ANTHROPIC_BASE_URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Every request received, valid or not, in arrival order (the same array across `reset()`). */
  requests: FakeRequest[];
  /** Behaviours for the next valid requests, consumed in order. */
  enqueue(...behaviours: Behaviour[]): void;
  /** What valid requests get once the queue is empty. */
  setDefault(behaviour: Behaviour): void;
  /** Behaviours still queued. */
  pending(): number;
  /** Forget requests and queue; restore the initial default. */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeAnthropicOptions {
  /** When set, any other API key gets 401 like a revoked key. */
  apiKey?: string;
}

/** Unscripted calls fail loudly instead of returning something plausible. */
const UNSCRIPTED = error(400, 'invalid_request_error', {
  message: 'fake-anthropic: no behaviour scripted for this request (use enqueue() or setDefault())',
});

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const requests: FakeRequest[] = [];
  let queue: Behaviour[] = [];
  let fallback: Behaviour = UNSCRIPTED;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error('fake-anthropic: handler failed', err);
      if (!res.headersSent) sendError(res, { status: 500, type: 'api_error', message: 'fake-anthropic internal error' });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const record = toRecord(req, await readBody(req));
    requests.push(record);
    const rejection = rejectionOf(record, options.apiKey);
    if (rejection) return reject(res, record, rejection);
    if (record.body.max_tokens === 0) {
      // Cache pre-warming: nothing is generated and no behaviour is consumed.
      return perform({ kind: 'message', content: [], stopReason: 'max_tokens' }, record, req, res);
    }
    const behaviour = queue.shift() ?? fallback;
    if (behaviour === UNSCRIPTED) console.warn(`fake-anthropic: unscripted request (tools ${JSON.stringify(record.toolNames)})`);
    return perform(behaviour, record, req, res);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...behaviours) => void queue.push(...behaviours),
    setDefault: (behaviour) => void (fallback = behaviour),
    pending: () => queue.length,
    reset: () => {
      requests.length = 0;
      queue = [];
      fallback = UNSCRIPTED;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function rejectionOf(record: FakeRequest, apiKey: string | undefined): Rejection | null {
  if (record.method !== 'POST' || record.path !== '/v1/messages') {
    return { status: 404, type: 'not_found_error', message: `Not found: ${record.method} ${record.path}` };
  }
  const headerProblem = headerRejection(record.headers, apiKey);
  if (headerProblem) return headerProblem;
  const parsed = parseBody(record.rawBody);
  return 'rejection' in parsed ? parsed.rejection : bodyRejection(parsed.body);
}

function reject(res: ServerResponse, record: FakeRequest, rejection: Rejection & { retryAfter?: number; shouldRetry?: boolean }): void {
  record.status = rejection.status;
  sendError(res, rejection);
}

/** Answers `record` according to `behaviour`; stops quietly when the client has gone away. */
async function perform(behaviour: Behaviour, record: FakeRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (res.destroyed) return;
  switch (behaviour.kind) {
    case 'fn':
      return perform(behaviour.respond(record), record, req, res);
    case 'delay':
      await waitUnlessClosed(behaviour.ms, res);
      return perform(behaviour.then, record, req, res);
    case 'network_error':
      req.socket.destroy();
      return;
    case 'error':
      return reject(res, record, behaviour);
    case 'stream_error':
      return streamFailure(behaviour, record, res);
    case 'message': {
      const message = buildMessage(behaviour, record);
      if ('status' in message) return reject(res, record, message);
      record.status = 200;
      if (!record.stream) return sendJson(res, 200, message);
      startSse(res);
      for (const event of streamEvents(message)) writeSse(res, event);
      res.end();
      return;
    }
  }
}

function streamFailure(behaviour: Extract<Behaviour, { kind: 'stream_error' }>, record: FakeRequest, res: ServerResponse): void {
  if (!record.stream) {
    return reject(res, record, { status: statusOfErrorType(behaviour.type), type: behaviour.type, message: behaviour.message });
  }
  const opening = buildMessage({ kind: 'message', content: [{ type: 'text', text: behaviour.partialText }], stopReason: 'end_turn' }, record);
  if ('status' in opening) return reject(res, record, opening);
  record.status = 200;
  startSse(res);
  for (const event of streamErrorEvents(opening, behaviour.type, behaviour.message)) writeSse(res, event);
  res.end();
}

/** Sleeps `ms`, or less when the client disconnects (e.g. its timeout fired) or the fake closes. */
async function waitUnlessClosed(ms: number, res: ServerResponse): Promise<void> {
  const gone = new AbortController();
  const onClose = () => gone.abort();
  res.once('close', onClose);
  try {
    await sleep(ms, undefined, { signal: gone.signal });
  } catch {
    // aborted: the caller sees res.destroyed and stops
  } finally {
    res.off('close', onClose);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function toRecord(req: IncomingMessage, rawBody: string): FakeRequest {
  const url = new URL(req.url ?? '/', 'http://fake');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const parsed = parseBody(rawBody);
  const body = 'body' in parsed ? (parsed.body as FakeRequest['body']) : {};
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const choice = body.tool_choice;
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.search,
    headers,
    apiKey: apiKeyOf(headers),
    body,
    rawBody,
    toolNames: tools.map((tool) => String((tool as { name?: unknown }).name)),
    forcedTool: choice?.type === 'tool' ? choice.name : null,
    text: collectText([body.system, body.messages]).join('\n'),
    stream: body.stream === true,
    status: null,
  };
}

/** Every string under `text`/`content` keys (and bare strings), depth first: system, message and tool-result text. */
function collectText(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(collectText);
  if (typeof value !== 'object' || value === null) return [];
  const node = value as Record<string, unknown>;
  return [node.text, node.content].flatMap(collectText);
}
