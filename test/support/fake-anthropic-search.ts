// The web search server tool (`web_search_20250305` and later versions) as the Messages API answers it:
// the model's searches come back in ONE response as `server_tool_use` blocks (name `web_search`, input
// `{query}`), each followed by a `web_search_tool_result` whose content is a list of `web_search_result`
// blocks (url, title, opaque `encrypted_content`, `page_age`) or a `web_search_tool_result_error`
// (`error_code`); the answer is text blocks whose `citations` are `web_search_result_location`s (url,
// title, cited_text, encrypted_index) pointing at results of the same response; `usage.server_tool_use`
// counts the searches performed. Searches past the tool's `max_uses` fail with `max_uses_exceeded`.
// Shapes: @anthropic-ai/sdk resources/messages (ServerToolUseBlock, WebSearchToolResultBlock,
// CitationsWebSearchResultLocation, ServerToolUsage, WebSearchTool20250305, UserLocation).
import { randomBytes } from 'node:crypto';
import type { FakeRequest } from './fake-anthropic-behaviours.js';
import type { Rejection } from './fake-anthropic-validate.js';

export const WEB_SEARCH_ERROR_CODES = [
  'invalid_tool_input', 'unavailable', 'max_uses_exceeded', 'too_many_requests', 'query_too_long', 'request_too_large',
] as const;
export type WebSearchErrorCode = (typeof WEB_SEARCH_ERROR_CODES)[number];

export interface ScriptedResult {
  url: string;
  title: string;
  page_age?: string | null;
}

export type ScriptedSearch =
  | { type: 'web_search'; query: string; results: ScriptedResult[] }
  | { type: 'web_search'; query: string; error: WebSearchErrorCode };

export interface ScriptedCitation {
  url: string;
  cited_text: string;
}

type Caller = { type: 'direct' };
export type SearchContentBlock =
  | { type: 'server_tool_use'; id: string; name: 'web_search'; input: { query: string }; caller: Caller }
  | {
      type: 'web_search_tool_result';
      tool_use_id: string;
      caller: Caller;
      content:
        | { type: 'web_search_result'; url: string; title: string; encrypted_content: string; page_age: string | null }[]
        | { type: 'web_search_tool_result_error'; error_code: WebSearchErrorCode };
    };

export interface CitationBlock {
  type: 'web_search_result_location';
  url: string;
  title: string | null;
  cited_text: string;
  encrypted_index: string;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const srvId = () => 'srvtoolu_01' + Array.from(randomBytes(22), (b) => BASE62[b % 62]).join('');
/** Opaque like the real thing: base64 the client must send back unchanged in a later turn, never read. */
const opaque = (seed: string) => Buffer.from(`fake-encrypted:${seed}:${randomBytes(12).toString('hex')}`).toString('base64');

/** The web search tool the request declares, if any. */
export function webSearchToolOf(req: FakeRequest): Record<string, unknown> | undefined {
  const tools = Array.isArray(req.body.tools) ? (req.body.tools as unknown as Record<string, unknown>[]) : [];
  return tools.find((t) => typeof t.type === 'string' && t.type.startsWith('web_search_'));
}

/** State of one response: searches performed so far (for max_uses) and the results seen (for citations). */
export interface SearchState {
  performed: number;
  attempted: number;
  results: Map<string, string>;
}

export function newSearchState(): SearchState {
  return { performed: 0, attempted: 0, results: new Map() };
}

export function buildSearch(block: ScriptedSearch, req: FakeRequest, state: SearchState): SearchContentBlock[] | Rejection {
  const tool = webSearchToolOf(req);
  if (!tool) {
    return { status: 400, type: 'invalid_request_error', message: 'fake-anthropic: scripted a web search but the request offers no web_search tool' };
  }
  const id = srvId();
  const use = { type: 'server_tool_use' as const, id, name: 'web_search' as const, input: { query: block.query }, caller: { type: 'direct' as const } };
  state.attempted += 1;
  const maxUses = typeof tool.max_uses === 'number' ? tool.max_uses : Infinity;
  const errorCode: WebSearchErrorCode | undefined =
    state.attempted > maxUses ? 'max_uses_exceeded' : 'error' in block ? block.error : undefined;
  if (errorCode) {
    return [use, { type: 'web_search_tool_result', tool_use_id: id, caller: { type: 'direct' }, content: { type: 'web_search_tool_result_error', error_code: errorCode } }];
  }
  state.performed += 1;
  const results = (block as Extract<ScriptedSearch, { results: unknown }>).results;
  for (const r of results) state.results.set(r.url, r.title);
  return [
    use,
    {
      type: 'web_search_tool_result',
      tool_use_id: id,
      caller: { type: 'direct' },
      content: results.map((r) => ({ type: 'web_search_result', url: r.url, title: r.title, encrypted_content: opaque(r.url), page_age: r.page_age ?? null })),
    },
  ];
}

/** Citations of a text block; a citation of a URL no search of this response returned is a test bug (400). */
export function buildCitations(cites: ScriptedCitation[], state: SearchState): CitationBlock[] | Rejection {
  const out: CitationBlock[] = [];
  for (const c of cites) {
    const title = state.results.get(c.url);
    if (title === undefined) {
      return { status: 400, type: 'invalid_request_error', message: `fake-anthropic: a citation of ${c.url}, which no earlier search of this response returned` };
    }
    out.push({ type: 'web_search_result_location', url: c.url, title, cited_text: c.cited_text, encrypted_index: opaque(c.url) });
  }
  return out;
}

const USER_LOCATION_KEYS = new Set(['type', 'city', 'region', 'country', 'timezone']);
const WEB_SEARCH_KEYS = new Set([
  'type', 'name', 'max_uses', 'allowed_domains', 'blocked_domains', 'user_location', 'cache_control', 'allowed_callers',
  'defer_loading', 'strict', 'response_inclusion',
]);

/** Why the API would refuse this web search tool declaration, or null. */
export function webSearchToolProblem(tool: Record<string, unknown>, path: string): string | null {
  if (!['web_search_20250305', 'web_search_20260209', 'web_search_20260318'].includes(String(tool.type))) {
    return `${path}.type: unknown server tool type ${JSON.stringify(tool.type)}`;
  }
  const extra = Object.keys(tool).find((k) => !WEB_SEARCH_KEYS.has(k));
  if (extra) return `${path}.${extra}: Extra inputs are not permitted`;
  if (tool.name !== 'web_search') return `${path}.name: Input should be 'web_search'`;
  if (tool.max_uses !== undefined && tool.max_uses !== null && !(Number.isInteger(tool.max_uses) && (tool.max_uses as number) > 0)) {
    return `${path}.max_uses: Input should be greater than 0`;
  }
  if (tool.allowed_domains && tool.blocked_domains) return `${path}: allowed_domains and blocked_domains cannot both be set`;
  const loc = tool.user_location;
  if (loc !== undefined && loc !== null) {
    if (typeof loc !== 'object' || Array.isArray(loc)) return `${path}.user_location: Input should be an object`;
    const l = loc as Record<string, unknown>;
    if (l.type !== 'approximate') return `${path}.user_location.type: Input should be 'approximate'`;
    const extraKey = Object.keys(l).find((k) => !USER_LOCATION_KEYS.has(k));
    if (extraKey) return `${path}.user_location.${extraKey}: Extra inputs are not permitted`;
    if (l.country !== undefined && l.country !== null && !/^[A-Z]{2}$/.test(String(l.country))) {
      return `${path}.user_location.country: String should be a two-letter ISO 3166-1 country code`;
    }
    for (const k of ['city', 'region', 'timezone']) {
      if (l[k] !== undefined && l[k] !== null && (typeof l[k] !== 'string' || (l[k] as string).length === 0 || (l[k] as string).length > 255)) {
        return `${path}.user_location.${k}: String should have 1 to 255 characters`;
      }
    }
  }
  return null;
}
