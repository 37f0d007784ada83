// Turns a scripted answer into the bytes the real API would send: a Message as JSON, the same Message as
// the SSE event sequence of a streaming response, or an error envelope.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type Anthropic from '@anthropic-ai/sdk';
import type { Behaviour, FakeRequest, ScriptedBlock } from './fake-anthropic-behaviours.js';
import type { Rejection } from './fake-anthropic-validate.js';
import { buildCitations, buildSearch, newSearchState, type CitationBlock, type SearchContentBlock, type SearchState } from './fake-anthropic-search.js';

type MessageBehaviour = Extract<Behaviour, { kind: 'message' }>;
type ContentBlock =
  | { type: 'text'; text: string; citations?: CitationBlock[] | null }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | SearchContentBlock;

export interface FakeMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ContentBlock[];
  stop_reason: Anthropic.StopReason;
  stop_sequence: null;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
    service_tier: 'standard';
    /** Present when the request offered a server tool (web search). */
    server_tool_use?: { web_search_requests: number; web_fetch_requests: number };
  };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Ids shaped like the real ones: `msg_01…`, `toolu_01…`, `req_011C…`. */
export function fakeId(prefix: string): string {
  const bytes = randomBytes(22);
  return prefix + Array.from(bytes, (b) => BASE62[b % 62]).join('');
}

/** About four characters per token, like English text through Claude's tokenizer. */
const estimateTokens = (chars: number): number => Math.max(1, Math.ceil(chars / 4));

/** Builds the Message, or a Rejection when the script cannot apply to this request (a test bug). */
export function buildMessage(behaviour: MessageBehaviour, req: FakeRequest): FakeMessage | Rejection {
  const content: ContentBlock[] = [];
  const searches = newSearchState();
  for (const block of behaviour.content) {
    const built = buildBlock(block, req, searches);
    if ('status' in built) return built;
    content.push(...(Array.isArray(built) ? built : [built]));
  }
  const maxTokens = typeof req.body.max_tokens === 'number' ? req.body.max_tokens : 1;
  const outputChars = content.reduce(
    (n, b) => n + (b.type === 'text' ? b.text.length : b.type === 'web_search_tool_result' ? 0 : JSON.stringify(b.input).length),
    0,
  );
  // Search results are read by the model: they count as input, roughly their titles and pages.
  const searchChars = searches.performed * 2000;
  const promptChars = JSON.stringify([req.body.system ?? '', req.body.messages ?? [], req.body.tools ?? []]).length;
  return {
    id: fakeId('msg_01'),
    type: 'message',
    role: 'assistant',
    model: String(req.body.model),
    content,
    stop_reason: behaviour.stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: behaviour.usage?.input_tokens ?? estimateTokens(promptChars + searchChars),
      output_tokens:
        behaviour.usage?.output_tokens ??
        (behaviour.stopReason === 'max_tokens' ? maxTokens : Math.min(maxTokens, estimateTokens(outputChars))),
      cache_creation_input_tokens: behaviour.usage?.cache_creation_input_tokens ?? 0,
      cache_read_input_tokens: behaviour.usage?.cache_read_input_tokens ?? 0,
      service_tier: 'standard',
      ...(webSearchOffered(req) ? { server_tool_use: { web_search_requests: searches.performed, web_fetch_requests: 0 } } : {}),
    },
  };
}

const webSearchOffered = (req: FakeRequest) =>
  Array.isArray(req.body.tools) && (req.body.tools as { type?: unknown }[]).some((t) => String(t.type ?? '').startsWith('web_search_'));

function buildBlock(block: ScriptedBlock, req: FakeRequest, searches: SearchState): ContentBlock | ContentBlock[] | Rejection {
  if (block.type === 'web_search') return buildSearch(block, req, searches);
  if (block.type === 'text') {
    if (block.cite === undefined) return { type: 'text', text: block.text };
    const citations = buildCitations(block.cite, searches);
    if ('status' in citations) return citations;
    return { type: 'text', text: block.text, citations };
  }
  if (block.type === 'cut_off') {
    return req.forcedTool ? buildBlock({ type: 'tool_use', input: {} }, req, searches) : { type: 'text', text: '{"' };
  }
  const name = block.name ?? req.forcedTool ?? req.toolNames[0];
  if (name === undefined || !req.toolNames.includes(name)) {
    const message = `fake-anthropic: scripted a tool_use of ${JSON.stringify(name)} but the request offers tools ${JSON.stringify(req.toolNames)}`;
    return { status: 400, type: 'invalid_request_error', message };
  }
  return { type: 'tool_use', id: fakeId('toolu_01'), name, input: block.input };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
    'request-id': fakeId('req_011C'),
    ...headers,
  });
  res.end(payload);
}

export function sendError(res: ServerResponse, error: Rejection & { retryAfter?: number; shouldRetry?: boolean }): void {
  const headers: Record<string, string> = {};
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
  if (error.shouldRetry !== undefined) headers['x-should-retry'] = String(error.shouldRetry);
  const requestId = fakeId('req_011C');
  const body = { type: 'error', error: { type: error.type, message: error.message }, request_id: requestId };
  sendJson(res, error.status, body, { ...headers, 'request-id': requestId });
}

/** Splits into pieces of at most `size` characters (at least two when there are two characters). */
function chunks(value: string, size = 16): string[] {
  const step = Math.max(1, Math.min(size, Math.ceil(value.length / 2)));
  const out: string[] = [];
  for (let i = 0; i < value.length; i += step) out.push(value.slice(i, i + step));
  return out;
}

type SseEvent = { type: string } & Record<string, unknown>;

/** The real streaming sequence: message_start, ping, per block start/deltas/stop, message_delta, message_stop. */
export function streamEvents(message: FakeMessage): SseEvent[] {
  const start = { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } };
  const events: SseEvent[] = [{ type: 'message_start', message: start }, { type: 'ping' }];
  message.content.forEach((block, index) => events.push(...blockEvents(block, index)));
  events.push(
    {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: null, stop_details: null },
      usage: { output_tokens: message.usage.output_tokens },
    },
    { type: 'message_stop' },
  );
  return events;
}

function blockEvents(block: ContentBlock, index: number): SseEvent[] {
  if (block.type === 'text') {
    const start = block.citations ? { type: 'text', text: '', citations: [] } : { type: 'text', text: '' };
    return [
      { type: 'content_block_start', index, content_block: start },
      ...(block.citations ?? []).map((citation) => ({ type: 'content_block_delta', index, delta: { type: 'citations_delta', citation } })),
      ...chunks(block.text).map((piece) => ({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } })),
      { type: 'content_block_stop', index },
    ];
  }
  if (block.type === 'web_search_tool_result') {
    return [{ type: 'content_block_start', index, content_block: block }, { type: 'content_block_stop', index }];
  }
  return [
    { type: 'content_block_start', index, content_block: { ...block, input: {} } },
    ...chunks(JSON.stringify(block.input)).map((piece) => ({
      type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece },
    })),
    { type: 'content_block_stop', index },
  ];
}

export function startSse(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': fakeId('req_011C'),
  });
}

export function writeSse(res: ServerResponse, event: SseEvent): void {
  res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

/** A stream that starts like a text answer, then fails with an SSE `error` event. */
export function streamErrorEvents(message: FakeMessage, type: string, errorMessage: string): SseEvent[] {
  const events = streamEvents(message);
  const firstStop = events.findIndex((e) => e.type === 'content_block_stop');
  return [...events.slice(0, firstStop), { type: 'error', error: { type, message: errorMessage } }];
}
