// Scriptable answers of the fake Anthropic API. A behaviour is plain data; the server turns it into an
// HTTP response (JSON or SSE) for the request it answers.
import type Anthropic from '@anthropic-ai/sdk';
import type { ScriptedCitation, ScriptedResult, ScriptedSearch, WebSearchErrorCode } from './fake-anthropic-search.js';

/** What the fake received. `body` is whatever JSON arrived (typed as the SDK would send it). */
export interface FakeRequest {
  method: string;
  /** Path without query string, e.g. `/v1/messages`. */
  path: string;
  query: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The API key sent (`x-api-key` or `Authorization: Bearer`), or null. */
  apiKey: string | null;
  body: Partial<Anthropic.MessageCreateParams> & Record<string, unknown>;
  rawBody: string;
  /** Names of the tools offered in the request. */
  toolNames: string[];
  /** The forced tool (`tool_choice: {type: 'tool'}`), if any. */
  forcedTool: string | null;
  /** All text of `system` and `messages`, joined by newlines: handy for `fn(req => ...)` matching. */
  text: string;
  stream: boolean;
  /** HTTP status the fake answered with; null while pending or when the connection was dropped. */
  status: number | null;
}

export interface UsageOverride {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

export type ScriptedBlock =
  /** `cite`: web_search_result_location citations of results an earlier search of the same response returned. */
  | { type: 'text'; text: string; cite?: ScriptedCitation[] }
  /** One search of the web_search server tool: a server_tool_use block and its web_search_tool_result. */
  | ScriptedSearch
  | { type: 'tool_use'; input: unknown; name?: string }
  /** Truncation without a scripted partial: a cut-off tool call when a tool is forced, else cut-off text. */
  | { type: 'cut_off' };

export type Behaviour =
  | { kind: 'message'; content: ScriptedBlock[]; stopReason: Anthropic.StopReason; usage?: UsageOverride }
  | { kind: 'error'; status: number; type: string; message: string; retryAfter?: number; shouldRetry?: boolean }
  | { kind: 'stream_error'; partialText: string; type: string; message: string }
  | { kind: 'delay'; ms: number; then: Behaviour }
  | { kind: 'network_error' }
  | { kind: 'fn'; respond: (req: FakeRequest) => Behaviour };

export interface ResultOptions {
  usage?: UsageOverride;
}

/** A `tool_use` block with `input`, `stop_reason: 'tool_use'`. The tool is `name`, else the forced tool, else the first. */
export function toolResult(input: unknown, opts: ResultOptions & { name?: string } = {}): Behaviour {
  const block: ScriptedBlock = opts.name === undefined ? { type: 'tool_use', input } : { type: 'tool_use', input, name: opts.name };
  return message([block], 'tool_use', opts.usage);
}

/** Text content holding `JSON.stringify(value)` (the shape of a structured-output answer), `end_turn`. */
export function jsonResult(value: unknown, opts: ResultOptions = {}): Behaviour {
  return message([{ type: 'text', text: JSON.stringify(value) }], 'end_turn', opts.usage);
}

export function text(value: string, opts: ResultOptions = {}): Behaviour {
  return message([{ type: 'text', text: value }], 'end_turn', opts.usage);
}

/**
 * `stop_reason: 'max_tokens'`. A string partial becomes text (e.g. half a JSON document); an object partial
 * becomes the (incomplete) input of a tool call; no partial: whichever fits the request.
 */
export function truncated(partial?: string | Record<string, unknown>, opts: ResultOptions = {}): Behaviour {
  const block: ScriptedBlock =
    partial === undefined ? { type: 'cut_off' }
    : typeof partial === 'string' ? { type: 'text', text: partial }
    : { type: 'tool_use', input: partial };
  return message([block], 'max_tokens', opts.usage);
}

/** Any content and stop reason, for cases the helpers above do not cover (e.g. text then a tool call). */
export function message(content: ScriptedBlock[], stopReason: Anthropic.StopReason, usage?: UsageOverride): Behaviour {
  return usage === undefined ? { kind: 'message', content, stopReason } : { kind: 'message', content, stopReason, usage };
}

/** One web search returning `results` (for `searchAnswer`). */
export const search = (query: string, results: ScriptedResult[]): ScriptedSearch => ({ type: 'web_search', query, results });

/** One web search failing with `web_search_tool_result_error` (the response itself is still a 200). */
export const searchError = (query: string, code: WebSearchErrorCode = 'unavailable'): ScriptedSearch => ({ type: 'web_search', query, error: code });

/**
 * A research answer: the searches (server_tool_use + web_search_tool_result each), then text blocks with
 * their citations, `end_turn`; `usage.server_tool_use.web_search_requests` counts the searches performed.
 */
export function searchAnswer(
  searches: ScriptedSearch[],
  answer: { text: string; cite?: ScriptedCitation[] }[],
  opts: ResultOptions = {},
): Behaviour {
  return message([...searches, ...answer.map((a) => ({ type: 'text' as const, ...a }))], 'end_turn', opts.usage);
}

const DEFAULT_ERROR_MESSAGES: Record<string, string> = {
  invalid_request_error: 'Invalid request',
  authentication_error: 'invalid x-api-key',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'Not found',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit',
  api_error: 'Internal server error',
  overloaded_error: 'Overloaded',
};

const STATUS_BY_TYPE: Record<string, number> = {
  invalid_request_error: 400, authentication_error: 401, permission_error: 403, not_found_error: 404,
  request_too_large: 413, rate_limit_error: 429, api_error: 500, overloaded_error: 529,
};

export interface ErrorOptions {
  /** Seconds, sent as the `retry-after` header. */
  retryAfter?: number;
  message?: string;
  /** Sent as `x-should-retry`, which the SDK obeys over its own status rules. */
  shouldRetry?: boolean;
}

/** An error response: `{"type":"error","error":{"type", "message"}}` with `status`. */
export function error(status: number, type: string, opts: ErrorOptions = {}): Behaviour {
  const behaviour: Behaviour = { kind: 'error', status, type, message: opts.message ?? DEFAULT_ERROR_MESSAGES[type] ?? type };
  if (opts.retryAfter !== undefined) behaviour.retryAfter = opts.retryAfter;
  if (opts.shouldRetry !== undefined) behaviour.shouldRetry = opts.shouldRetry;
  return behaviour;
}

export const rateLimited = (retryAfterSeconds = 1): Behaviour =>
  error(429, 'rate_limit_error', { retryAfter: retryAfterSeconds });
export const overloaded = (): Behaviour => error(529, 'overloaded_error');
export const serverError = (): Behaviour => error(500, 'api_error');

/**
 * Streaming requests: `message_start` and some text deltas, then an SSE `error` event (as the real API does
 * when it is overloaded mid-stream). Non-streaming requests get the same error as an HTTP status.
 */
export function streamError(partialText = 'Partial ', type = 'overloaded_error'): Behaviour {
  return { kind: 'stream_error', partialText, type, message: DEFAULT_ERROR_MESSAGES[type] ?? type };
}

export function statusOfErrorType(type: string): number {
  return STATUS_BY_TYPE[type] ?? 500;
}

/** Waits `ms` before answering with `then` (latency; past the client's timeout, a timeout). */
export const delay = (ms: number, then: Behaviour): Behaviour => ({ kind: 'delay', ms, then });

/** Destroys the socket without answering. */
export const networkError = (): Behaviour => ({ kind: 'network_error' });

/** Decides per request, e.g. `fn(req => req.forcedTool === 'report_market' ? toolResult(m) : overloaded())`. */
export const fn = (respond: (req: FakeRequest) => Behaviour): Behaviour => ({ kind: 'fn', respond });
