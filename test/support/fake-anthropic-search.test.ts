// The fake's web search server tool, through the real SDK: the shapes of @anthropic-ai/sdk's
// ServerToolUseBlock / WebSearchToolResultBlock / CitationsWebSearchResultLocation / ServerToolUsage,
// max_uses, search errors, tool declaration checks, and the streamed form.
import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { search, searchAnswer, searchError, startFakeAnthropic, type FakeAnthropic } from './fake-anthropic.js';

const MODEL = 'claude-sonnet-4-6';
let fake: FakeAnthropic;
const client = () => new Anthropic({ apiKey: 'test', baseURL: fake.url, maxRetries: 0, timeout: 5_000 });
const webSearch = (extra: Record<string, unknown> = {}) => ({ type: 'web_search_20250305', name: 'web_search', ...extra }) as Anthropic.WebSearchTool20250305;
const ask = (tools: Anthropic.ToolUnion[], stream = false) =>
  stream
    ? client().messages.stream({ model: MODEL, max_tokens: 512, messages: [{ role: 'user', content: 'Find competitors' }], tools }).finalMessage()
    : client().messages.create({ model: MODEL, max_tokens: 512, messages: [{ role: 'user', content: 'Find competitors' }], tools });

beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const SCRIPT = () =>
  searchAnswer(
    [search('food delivery apps Damascus', [{ url: 'https://talabat.example/sy', title: 'Talabat Syria' }, { url: 'https://bee.example', title: 'Bee Order' }])],
    [{ text: 'Talabat operates in Damascus.', cite: [{ url: 'https://talabat.example/sy', cited_text: 'Talabat now delivers in Damascus' }] }],
  );

describe('web search server tool', () => {
  it('answers searches with server_tool_use + web_search_tool_result blocks, cited text and usage.server_tool_use', async () => {
    fake.enqueue(SCRIPT());
    const msg = await ask([webSearch({ max_uses: 3, user_location: { type: 'approximate', country: 'SY', city: 'Damascus' } })]);
    expect(msg.stop_reason).toBe('end_turn');
    const [use, result, text] = msg.content as [Anthropic.ServerToolUseBlock, Anthropic.WebSearchToolResultBlock, Anthropic.TextBlock];
    expect(use).toMatchObject({ type: 'server_tool_use', name: 'web_search', input: { query: 'food delivery apps Damascus' } });
    expect(use.id).toMatch(/^srvtoolu_01/);
    expect(result).toMatchObject({ type: 'web_search_tool_result', tool_use_id: use.id });
    const results = result.content as Anthropic.WebSearchResultBlock[];
    expect(results.map((r) => [r.type, r.url, r.title, r.page_age])).toEqual([
      ['web_search_result', 'https://talabat.example/sy', 'Talabat Syria', null],
      ['web_search_result', 'https://bee.example', 'Bee Order', null],
    ]);
    expect(typeof results[0]!.encrypted_content).toBe('string');
    expect(text.citations).toEqual([
      { type: 'web_search_result_location', url: 'https://talabat.example/sy', title: 'Talabat Syria', cited_text: 'Talabat now delivers in Damascus', encrypted_index: expect.any(String) },
    ]);
    expect(msg.usage.server_tool_use).toEqual({ web_search_requests: 1, web_fetch_requests: 0 });
  });

  it('streams the same message (citations_delta, a whole web_search_tool_result block)', async () => {
    fake.enqueue(SCRIPT());
    const msg = await ask([webSearch()], true);
    expect(msg.content.map((b) => b.type)).toEqual(['server_tool_use', 'web_search_tool_result', 'text']);
    expect((msg.content[0] as Anthropic.ServerToolUseBlock).input).toEqual({ query: 'food delivery apps Damascus' });
    expect((msg.content[2] as Anthropic.TextBlock).citations).toHaveLength(1);
  });

  it('a failed search is a web_search_tool_result_error inside a 200, not counted in usage', async () => {
    fake.enqueue(searchAnswer([searchError('anything', 'unavailable')], [{ text: 'I could not search.' }]));
    const msg = await ask([webSearch()]);
    expect((msg.content[1] as Anthropic.WebSearchToolResultBlock).content).toEqual({ type: 'web_search_tool_result_error', error_code: 'unavailable' });
    expect(msg.usage.server_tool_use?.web_search_requests).toBe(0);
  });

  it('searches past max_uses fail with max_uses_exceeded', async () => {
    fake.enqueue(searchAnswer([search('a', [{ url: 'https://a.example', title: 'A' }]), search('b', [{ url: 'https://b.example', title: 'B' }])], [{ text: 'Done.' }]));
    const msg = await ask([webSearch({ max_uses: 1 })]);
    expect((msg.content[3] as Anthropic.WebSearchToolResultBlock).content).toEqual({ type: 'web_search_tool_result_error', error_code: 'max_uses_exceeded' });
    expect(msg.usage.server_tool_use?.web_search_requests).toBe(1);
  });

  it('refuses bad declarations like the API (name, max_uses, user_location, both domain lists)', async () => {
    for (const tool of [
      webSearch({ name: 'search' }),
      webSearch({ max_uses: 0 }),
      webSearch({ user_location: { type: 'exact', country: 'SY' } }),
      webSearch({ user_location: { type: 'approximate', country: 'Syria' } }),
      webSearch({ allowed_domains: ['a.example'], blocked_domains: ['b.example'] }),
      webSearch({ unknown_field: 1 }),
    ]) {
      fake.enqueue(SCRIPT());
      const error = (await ask([tool]).then(() => null, (e: unknown) => e)) as APIError;
      expect(error?.status, JSON.stringify(tool)).toBe(400);
    }
  });

  it('a scripted search without a web_search tool, or a citation of an unseen URL, is a test bug (400)', async () => {
    fake.enqueue(SCRIPT());
    expect(((await ask([]).then(() => null, (e: unknown) => e)) as APIError).status).toBe(400);
    fake.enqueue(searchAnswer([], [{ text: 'x', cite: [{ url: 'https://never.example', cited_text: 'x' }] }]));
    expect(((await ask([webSearch()]).then(() => null, (e: unknown) => e)) as APIError).status).toBe(400);
  });
});
