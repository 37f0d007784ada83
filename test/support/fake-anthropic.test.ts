import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { zodOutputFormat } from '@anthropic-ai/sdk/helpers/zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  delay, fn, jsonResult, networkError, overloaded, rateLimited, startFakeAnthropic, streamError,
  strictSchemaProblem, text, toolResult, truncated, type FakeAnthropic,
} from './fake-anthropic.js';

const MODEL = 'claude-sonnet-4-6'; // SDK 1.14 warns on every call with a -4-5 model (deprecated)

const overviewTool = {
  name: 'report_overview',
  description: 'Return the overview section',
  strict: true,
  input_schema: {
    type: 'object' as const,
    properties: { market_fit_score: { type: 'integer' }, value_proposition: { type: 'string' } },
    required: ['market_fit_score', 'value_proposition'],
    additionalProperties: false,
  },
};

let fake: FakeAnthropic;
const client = (opts: { maxRetries?: number; timeout?: number } = {}) =>
  new Anthropic({ apiKey: 'test', baseURL: fake.url, maxRetries: opts.maxRetries ?? 0, timeout: opts.timeout ?? 5_000 });
const ask = (anthropic: Anthropic, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) =>
  anthropic.messages.create({ model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'Hello' }], ...extra });
const rejectionOf = (promise: Promise<unknown>) => promise.then(() => expect.fail('expected a rejection'), (e: unknown) => e);

beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('answers', () => {
  it('returns a tool_use block for the forced tool, with usage and ids, and records the request', async () => {
    const input = { market_fit_score: 72, value_proposition: 'Fast invoices' };
    fake.enqueue(toolResult(input));
    const msg = await ask(client(), {
      system: 'You write reports.',
      tools: [overviewTool],
      tool_choice: { type: 'tool', name: 'report_overview' },
    });
    expect(msg).toMatchObject({ type: 'message', role: 'assistant', model: MODEL, stop_reason: 'tool_use' });
    expect(msg.id).toMatch(/^msg_01/);
    expect(msg.content).toEqual([{ type: 'tool_use', id: expect.stringMatching(/^toolu_01/), name: 'report_overview', input }]);
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    expect(msg.usage.output_tokens).toBeGreaterThan(0);
    const [req] = fake.requests;
    expect(req).toMatchObject({ path: '/v1/messages', forcedTool: 'report_overview', status: 200, stream: false });
    expect(req?.apiKey).toBe('test'); // SDK 1.x sends it as Authorization: Bearer
    expect(req?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(req?.text).toContain('You write reports.');
    expect(req?.body.tools?.[0]).toMatchObject({ name: 'report_overview', strict: true });
  });

  it('serves structured output: the SDK zod helper schema is accepted and parsed', async () => {
    fake.enqueue(jsonResult({ score: 80, tags: ['a'] }));
    const format = zodOutputFormat(z.object({ score: z.number().int().min(0).max(100), tags: z.array(z.string()).min(1).max(5) }));
    const msg = await client().messages.parse({
      model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'Score it' }], output_config: { format },
    });
    expect(msg.parsed_output).toEqual({ score: 80, tags: ['a'] });
    const sent = fake.requests[0]?.body.output_config?.format;
    expect(sent).toMatchObject({ type: 'json_schema', schema: { type: 'object', additionalProperties: false } });
    expect(JSON.stringify(sent)).not.toMatch(/"(minimum|maximum|maxItems)"/); // moved into descriptions by the SDK
  });

  it('receives the deprecated beta output_format as output_config.format (the SDK rewrites it)', async () => {
    fake.enqueue(jsonResult({ ok: true }));
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false };
    await client().beta.messages.create({
      model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'ok?' }], output_format: { type: 'json_schema', schema },
    });
    const [req] = fake.requests;
    expect(req?.path).toBe('/v1/messages');
    expect(req?.body.output_config).toEqual({ format: { type: 'json_schema', schema } });
    expect(req?.body).not.toHaveProperty('output_format');
  });

  it('streams text in several deltas that the SDK accumulates', async () => {
    const story = 'Planlyze turns a business idea into a feasibility report.';
    fake.enqueue(text(story));
    const deltas: string[] = [];
    const stream = client().messages.stream({ model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] });
    stream.on('text', (piece) => deltas.push(piece));
    const final = await stream.finalMessage();
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.join('')).toBe(story);
    expect(final.content).toEqual([{ type: 'text', text: story }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBeGreaterThan(1);
    expect(fake.requests[0]?.stream).toBe(true);
  });

  it('emits the real SSE event sequence to create({ stream: true })', async () => {
    fake.enqueue(text('Hello there, friend'));
    const stream = await client().messages.create({
      model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }], stream: true,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    const deltas = types.filter((t) => t === 'content_block_delta').length;
    expect(deltas).toBeGreaterThan(1);
    expect(types).toEqual([
      'message_start', 'content_block_start', ...Array<string>(deltas).fill('content_block_delta'),
      'content_block_stop', 'message_delta', 'message_stop',
    ]);
  });

  it('streams a tool call as input_json_delta events', async () => {
    const input = { market_fit_score: 55, value_proposition: 'x'.repeat(100) };
    fake.enqueue(toolResult(input));
    const stream = client().messages.stream({
      model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }],
      tools: [overviewTool], tool_choice: { type: 'tool', name: 'report_overview' },
    });
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'tool_use', name: 'report_overview', input });
    expect(final.stop_reason).toBe('tool_use');
  });

  it('reports truncation with stop_reason max_tokens', async () => {
    fake.enqueue(truncated('{"market_fit_score": 7'), truncated());
    const asText = await ask(client(), { max_tokens: 50 });
    expect(asText.stop_reason).toBe('max_tokens');
    expect(asText.content).toEqual([{ type: 'text', text: '{"market_fit_score": 7' }]);
    expect(asText.usage.output_tokens).toBe(50);
    const asTool = await ask(client(), { tools: [overviewTool], tool_choice: { type: 'tool', name: 'report_overview' } });
    expect(asTool.stop_reason).toBe('max_tokens');
    expect(asTool.content[0]).toMatchObject({ type: 'tool_use', name: 'report_overview' });
  });

  it('answers by request content with fn(), and consumes the queue before the default', async () => {
    fake.setDefault(fn((req) => text(req.text.includes('market') ? 'market answer' : 'other answer')));
    fake.enqueue(text('first'));
    const anthropic = client();
    const first = await ask(anthropic, { messages: [{ role: 'user', content: 'market please' }] });
    const second = await ask(anthropic, { messages: [{ role: 'user', content: 'market please' }] });
    const third = await ask(anthropic, { messages: [{ role: 'user', content: 'overview please' }] });
    expect([first, second, third].map((m) => (m.content[0] as Anthropic.TextBlock).text))
      .toEqual(['first', 'market answer', 'other answer']);
  });

  it('answers concurrent calls by their forced tool', async () => {
    const sections = ['overview', 'market', 'business', 'technical'];
    fake.setDefault(fn((req) => toolResult({ section: req.forcedTool })));
    const tools = sections.map((s) => ({ name: `report_${s}`, input_schema: { type: 'object' as const } }));
    const anthropic = client();
    const answers = await Promise.all(
      sections.map((s) => ask(anthropic, { tools, tool_choice: { type: 'tool', name: `report_${s}` } })),
    );
    expect(answers.map((m) => (m.content[0] as Anthropic.ToolUseBlock).input))
      .toEqual(sections.map((s) => ({ section: `report_${s}` })));
  });

  it('fails loudly when nothing is scripted', async () => {
    const err = await rejectionOf(ask(client()));
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(String((err as Error).message)).toContain('no behaviour scripted');
  });
});

describe('errors', () => {
  it('surfaces 429 with retry-after as RateLimitError', async () => {
    fake.enqueue(rateLimited(7));
    const err = await rejectionOf(ask(client()));
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as APIError).headers?.get('retry-after')).toBe('7');
    expect((err as APIError).type).toBe('rate_limit_error');
  });

  it('lets the SDK retry after retry-after and then succeed', async () => {
    fake.enqueue(rateLimited(0.05), text('after retry'));
    const msg = await ask(client({ maxRetries: 2 }));
    expect(msg.content).toEqual([{ type: 'text', text: 'after retry' }]);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(fake.requests[1]?.headers['x-stainless-retry-count']).toBe('1');
  });

  it('surfaces 529 as OverloadedError', async () => {
    fake.enqueue(overloaded());
    const err = await rejectionOf(ask(client()));
    expect(err).toBeInstanceOf(Anthropic.OverloadedError);
    expect((err as APIError).status).toBe(529);
  });

  it('rejects a strict tool whose schema has minimum, without consuming a behaviour', async () => {
    fake.enqueue(toolResult({}));
    const tool = structuredClone(overviewTool);
    Object.assign(tool.input_schema.properties.market_fit_score, { minimum: 0, maximum: 100 });
    const err = await rejectionOf(ask(client(), { tools: [tool] }));
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as APIError).type).toBe('invalid_request_error');
    expect((err as Error).message).toContain(
      "tools.0.custom.input_schema.properties.market_fit_score: For 'integer' type, property 'minimum' is not supported",
    );
    expect(fake.pending()).toBe(1);
    // The same schema on a non-strict tool is accepted, as by the real API.
    const msg = await ask(client(), { tools: [{ ...tool, strict: false }] });
    expect(msg.stop_reason).toBe('tool_use');
  });

  it('answers 401 without an API key', async () => {
    const anonymous = new Anthropic({ apiKey: null, baseURL: fake.url, maxRetries: 0, defaultHeaders: { authorization: null } });
    const err = await rejectionOf(ask(anonymous));
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as APIError).type).toBe('authentication_error');
  });

  it('ends a stream with an SSE error event', async () => {
    fake.enqueue(streamError('Half an ans'));
    const stream = client().messages.stream({ model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] });
    const seen: string[] = [];
    stream.on('text', (piece) => seen.push(piece));
    const err = await rejectionOf(stream.finalMessage());
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as APIError).type).toBe('overloaded_error');
    expect(seen.join('')).toBe('Half an ans');
  });

  it('drops the connection: APIConnectionError', async () => {
    fake.enqueue(networkError());
    const err = await rejectionOf(ask(client()));
    expect(err).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(err).not.toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    expect(fake.requests[0]?.status).toBeNull();
  });

  it('answers after the client timeout: APIConnectionTimeoutError', async () => {
    fake.enqueue(delay(2_000, text('too late')));
    const started = Date.now();
    const err = await rejectionOf(ask(client({ timeout: 150 })));
    expect(err).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe('request validation (raw HTTP)', () => {
  const post = (body: unknown, headers: Record<string, string> = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }) =>
    fetch(`${fake.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
      .then(async (res) => ({ status: res.status, body: (await res.json()) as { type: string; error: { type: string; message: string } } }));
  const valid = { model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };

  it.each([
    ['missing anthropic-version', valid, { 'x-api-key': 'k' }, 400, 'anthropic-version'],
    ['missing API key', valid, { 'anthropic-version': '2023-06-01' }, 401, 'x-api-key'],
    ['missing max_tokens', { ...valid, max_tokens: undefined }, undefined, 400, 'max_tokens'],
    ['negative max_tokens', { ...valid, max_tokens: -1 }, undefined, 400, 'max_tokens'],
    ['empty messages', { ...valid, messages: [] }, undefined, 400, 'messages'],
    ['empty user text', { ...valid, messages: [{ role: 'user', content: '' }] }, undefined, 400, 'non-empty'],
    ['unknown field', { ...valid, output_schema: {} }, undefined, 400, 'Extra inputs'],
    ['tool_choice of an unknown tool', { ...valid, tools: [overviewTool], tool_choice: { type: 'tool', name: 'x' } }, undefined, 400, 'tool_choice'],
    ['output format with maxItems', {
      ...valid,
      output_config: { format: { type: 'json_schema', schema: {
        type: 'object', additionalProperties: false, required: ['xs'],
        properties: { xs: { type: 'array', items: { type: 'string' }, maxItems: 3 } },
      } } },
    }, undefined, 400, "property 'maxItems' is not supported"],
  ])('%s', async (_name, body, headers, status, fragment) => {
    fake.setDefault(text('ok'));
    const res = await post(body, headers);
    expect(res.status).toBe(status);
    expect(res.body.type).toBe('error');
    expect(res.body.error.message).toContain(fragment);
  });

  it('accepts consecutive user turns (the API merges them) and max_tokens 0 without consuming a behaviour', async () => {
    fake.enqueue(text('merged'));
    const merged = await post({ ...valid, messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] });
    expect(merged.status).toBe(200);
    const warm = await post({ ...valid, max_tokens: 0 });
    expect(warm).toMatchObject({ status: 200, body: { content: [], stop_reason: 'max_tokens' } });
  });

  it('answers 404 for other endpoints', async () => {
    const res = await fetch(`${fake.url}/v1/complete`, { method: 'POST' });
    expect(res.status).toBe(404);
  });
});

describe('strict schema rules', () => {
  const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    type: 'object', properties, required: Object.keys(properties), additionalProperties: false, ...extra,
  });
  const problem = (schema: unknown) => strictSchemaProblem(schema, 'schema', { optionalParams: 0, unionParams: 0 });

  it.each([
    ['minimum', obj({ n: { type: 'number', minimum: 0 } })],
    ['exclusiveMaximum', obj({ n: { type: 'number', exclusiveMaximum: 9 } })],
    ['multipleOf', obj({ n: { type: 'integer', multipleOf: 2 } })],
    ['minLength', obj({ s: { type: 'string', minLength: 1 } })],
    ['maxLength', obj({ s: { type: 'string', maxLength: 9 } })],
    ['minItems', obj({ a: { type: 'array', items: { type: 'string' }, minItems: 3 } })],
    ['maxItems', obj({ a: { type: 'array', items: { type: 'string' }, maxItems: 3 } })],
    ['uniqueItems', obj({ a: { type: 'array', items: { type: 'string' }, uniqueItems: true } })],
    ['additionalProperties', { type: 'object', properties: { a: { type: 'string' } } }],
    ['additionalProperties', obj({ o: { type: 'object', properties: {}, additionalProperties: true } })],
    ['oneOf', obj({ u: { oneOf: [{ type: 'string' }, { type: 'null' }] } })],
    ['pattern', obj({ s: { type: 'string', pattern: '^(?!x)\\w+$' } })],
    ['format', obj({ s: { type: 'string', format: 'uri-reference' } })],
    ['enum', obj({ e: { enum: [{ a: 1 }] } })],
    ['recursive', obj({ node: { $ref: '#/$defs/node' } }, { $defs: { node: obj({ next: { $ref: '#/$defs/node' } }) } })],
    ['external', obj({ r: { $ref: 'https://example.com/s.json' } })],
    ['minimum', obj({ list: { type: 'array', items: obj({ deep: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] } }) } })],
  ])('rejects %s', (keyword, schema) => {
    expect(problem(schema)).toContain(keyword);
  });

  it('accepts what the docs list as supported', () => {
    const schema = obj(
      {
        score: { type: 'integer', description: 'between 0 and 100' },
        tier: { type: 'string', enum: ['high', 'medium', 'low'] },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
        when: { type: 'string', format: 'date-time' },
        code: { type: 'string', pattern: '^[A-Z]{2}\\d+$' },
        maybe: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        both: { type: ['string', 'null'] },
        ref: { $ref: '#/$defs/item' },
        links: { type: 'object', properties: { website: { type: 'string' } }, additionalProperties: false },
      },
      { $defs: { item: obj({ name: { type: 'string' } }) }, $schema: 'https://json-schema.org/draft/2020-12/schema' },
    );
    expect(problem(schema)).toBeNull();
  });
});
