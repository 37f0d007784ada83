// Request validation for the fake `POST /v1/messages`, in the order the real API applies it:
// authentication (401), version header (400), body parse (400), then the body fields (400).
import { STRICT_LIMITS, strictSchemaProblem, type StrictCounts } from './fake-anthropic-schema.js';
import { webSearchToolProblem } from './fake-anthropic-search.js';

export interface Rejection {
  status: number;
  type: string;
  message: string;
}

type Body = Record<string, unknown>;

// Body fields of MessageCreateParams (GA and beta) in the installed @anthropic-ai/sdk, plus the sampling
// parameters older models take. The real API answers any other top-level field with
// "<field>: Extra inputs are not permitted".
const KNOWN_FIELDS = new Set([
  'model', 'max_tokens', 'messages', 'system', 'tools', 'tool_choice', 'stream', 'stop_sequences',
  'metadata', 'output_config', 'output_format', 'thinking', 'service_tier', 'speed', 'container',
  'cache_control', 'diagnostics', 'inference_geo', 'mcp_servers', 'context_management', 'compaction',
  'billing_policy', 'fallbacks', 'fallback_credit_token', 'thread', 'temperature', 'top_p', 'top_k',
]);

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

const invalid = (message: string): Rejection => ({ status: 400, type: 'invalid_request_error', message });

const isObject = (value: unknown): value is Body =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The key a request authenticates with: `x-api-key`, or `Authorization: Bearer` (what SDK 1.x sends for `apiKey`). */
export function apiKeyOf(headers: Record<string, string>): string | null {
  const bearer = /^Bearer (.+)$/i.exec(headers.authorization ?? '')?.[1];
  return headers['x-api-key'] || bearer || null;
}

/** `expectedApiKey` undefined: any non-empty key is accepted. */
export function headerRejection(headers: Record<string, string>, expectedApiKey?: string): Rejection | null {
  const apiKey = apiKeyOf(headers);
  if (!apiKey) {
    return { status: 401, type: 'authentication_error', message: 'x-api-key header or Authorization: Bearer token is required' };
  }
  if (expectedApiKey !== undefined && apiKey !== expectedApiKey) {
    return { status: 401, type: 'authentication_error', message: 'invalid x-api-key' };
  }
  const version = headers['anthropic-version'];
  if (!version) return invalid('anthropic-version: header is required');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(version)) return invalid(`anthropic-version: invalid version '${version}'`);
  return null;
}

export function parseBody(raw: string): { body: Body } | { rejection: Rejection } {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (isObject(parsed)) return { body: parsed };
  } catch {
    // fall through
  }
  return { rejection: invalid('There was an error parsing the body: expected a JSON object') };
}

export function bodyRejection(body: Body): Rejection | null {
  const message =
    unknownFieldProblem(body) ??
    modelProblem(body) ??
    maxTokensProblem(body) ??
    messagesProblem(body.messages) ??
    systemProblem(body.system) ??
    (body.stream !== undefined && typeof body.stream !== 'boolean' ? 'stream: Input should be a valid boolean' : null) ??
    strictSchemasProblem(body);
  return message === null ? null : invalid(message);
}

function unknownFieldProblem(body: Body): string | null {
  const extra = Object.keys(body).find((key) => !KNOWN_FIELDS.has(key));
  return extra === undefined ? null : `${extra}: Extra inputs are not permitted`;
}

function modelProblem(body: Body): string | null {
  if (body.model === undefined) return 'model: Field required';
  return typeof body.model === 'string' && body.model.length > 0 ? null : 'model: Input should be a non-empty string';
}

function maxTokensProblem(body: Body): string | null {
  if (body.max_tokens === undefined) return 'max_tokens: Field required';
  // 0 is valid: it pre-warms the prompt cache without generating (see MessageCreateParamsBase.max_tokens).
  const ok = typeof body.max_tokens === 'number' && Number.isInteger(body.max_tokens) && body.max_tokens >= 0;
  return ok ? null : 'max_tokens: Input should be a non-negative integer';
}

// Consecutive turns of the same role are legal: the API merges them (see MessageCreateParamsBase.messages).
function messagesProblem(messages: unknown): string | null {
  if (messages === undefined) return 'messages: Field required';
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: at least one message is required';
  for (const [i, message] of messages.entries()) {
    if (!isObject(message)) return `messages.${i}: Input should be an object`;
    if (message.role !== 'user' && message.role !== 'assistant' && message.role !== 'system') {
      return `messages.${i}.role: Input should be 'user', 'assistant' or 'system'`;
    }
    const isFinalAssistant = i === messages.length - 1 && message.role === 'assistant';
    const problem = contentProblem(message.content, `messages.${i}.content`, isFinalAssistant);
    if (problem) return problem;
  }
  return null;
}

function contentProblem(content: unknown, path: string, mayBeEmpty: boolean): string | null {
  if (typeof content === 'string') {
    return content.length > 0 || mayBeEmpty ? null : `${path}: text content blocks must be non-empty`;
  }
  if (!Array.isArray(content)) return `${path}: Input should be a string or a list of content blocks`;
  if (content.length === 0 && !mayBeEmpty) return `${path}: all messages must have non-empty content except for the optional final assistant message`;
  for (const [i, block] of content.entries()) {
    const problem = blockProblem(block, `${path}.${i}`);
    if (problem) return problem;
  }
  return null;
}

function blockProblem(block: unknown, path: string): string | null {
  if (!isObject(block) || typeof block.type !== 'string') return `${path}.type: Field required`;
  if (block.type === 'text' && (typeof block.text !== 'string' || block.text.length === 0)) {
    return `${path}: text content blocks must be non-empty`;
  }
  if (block.type === 'tool_use' && (typeof block.id !== 'string' || typeof block.name !== 'string')) {
    return `${path}: tool_use blocks need 'id' and 'name'`;
  }
  if (block.type === 'tool_result' && typeof block.tool_use_id !== 'string') return `${path}.tool_use_id: Field required`;
  return null;
}

function systemProblem(system: unknown): string | null {
  if (system === undefined || typeof system === 'string') return null;
  if (!Array.isArray(system)) return 'system: Input should be a string or a list of text blocks';
  const bad = system.findIndex((b) => !isObject(b) || b.type !== 'text' || typeof b.text !== 'string' || b.text === '');
  return bad === -1 ? null : `system.${bad}: Input should be a non-empty text block`;
}

function toolsProblem(tools: unknown): string | null {
  if (tools === undefined) return null;
  if (!Array.isArray(tools)) return 'tools: Input should be a valid list';
  const names = new Set<string>();
  for (const [i, tool] of tools.entries()) {
    if (!isObject(tool)) return `tools.${i}: Input should be an object`;
    if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) {
      return `tools.${i}.name: String should match pattern '${TOOL_NAME.source}'`;
    }
    if (names.has(tool.name)) return `tools: Tool names must be unique (${tool.name})`;
    names.add(tool.name);
    if (typeof tool.type === 'string' && tool.type.startsWith('web_search_')) {
      const problem = webSearchToolProblem(tool, `tools.${i}`);
      if (problem) return problem;
      continue;
    }
    if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') continue; // other server tools
    if (!isObject(tool.input_schema) || tool.input_schema.type !== 'object') {
      return `tools.${i}.custom.input_schema.type: Input should be 'object'`;
    }
  }
  return null;
}

function toolChoiceProblem(body: Body): string | null {
  const choice = body.tool_choice;
  if (choice === undefined) return null;
  if (!isObject(choice) || !['auto', 'any', 'tool', 'none'].includes(String(choice.type))) {
    return "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'";
  }
  const tools = Array.isArray(body.tools) ? (body.tools as Body[]) : [];
  if (choice.type !== 'none' && tools.length === 0) return 'tool_choice: may only be specified while providing tools';
  if (choice.type === 'tool' && !tools.some((t) => t.name === choice.name)) {
    return `tool_choice.name: tool ${JSON.stringify(choice.name)} is not defined in tools`;
  }
  return null;
}

/** The structured-output format the request asks for (GA `output_config.format` or beta `output_format`). */
export function outputFormatOf(body: Body): { path: string; format: unknown } | null {
  const config = body.output_config;
  if (isObject(config) && config.format !== undefined && config.format !== null) {
    return { path: 'output_config.format', format: config.format };
  }
  if (body.output_format !== undefined && body.output_format !== null) {
    return { path: 'output_format', format: body.output_format };
  }
  return null;
}

function outputFormatProblem(body: Body, counts: StrictCounts): string | null {
  if (body.output_config !== undefined && !isObject(body.output_config)) return 'output_config: Input should be an object';
  if (isObject(body.output_config) && body.output_config.format && body.output_format) {
    return 'output_format and output_config.format cannot both be set';
  }
  const found = outputFormatOf(body);
  if (!found) return null;
  if (!isObject(found.format) || found.format.type !== 'json_schema') return `${found.path}.type: Input should be 'json_schema'`;
  if (!isObject(found.format.schema)) return `${found.path}.schema: Field required`;
  return strictSchemaProblem(found.format.schema, `${found.path}.schema`, counts);
}

function strictSchemasProblem(body: Body): string | null {
  const counts: StrictCounts = { optionalParams: 0, unionParams: 0 };
  const basic = toolsProblem(body.tools) ?? toolChoiceProblem(body) ?? outputFormatProblem(body, counts);
  if (basic) return basic;
  const tools = Array.isArray(body.tools) ? (body.tools as Body[]) : [];
  const strict = tools.map((tool, i) => ({ tool, i })).filter(({ tool }) => tool.strict === true);
  if (strict.length > STRICT_LIMITS.strictTools) return `tools: at most ${STRICT_LIMITS.strictTools} tools may set strict: true`;
  for (const { tool, i } of strict) {
    const problem = strictSchemaProblem(tool.input_schema, `tools.${i}.custom.input_schema`, counts);
    if (problem) return problem;
  }
  if (counts.optionalParams > STRICT_LIMITS.optionalParams) {
    return `Schemas contain too many optional parameters (${counts.optionalParams}, limit ${STRICT_LIMITS.optionalParams})`;
  }
  if (counts.unionParams > STRICT_LIMITS.unionParams) {
    return `Schemas contain too many parameters with union types (${counts.unionParams}, limit ${STRICT_LIMITS.unionParams})`;
  }
  return null;
}
