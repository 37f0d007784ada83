// Issue 15 §4: what a report costs. Per call: model, input/output/cache tokens, web searches, and a cost
// from AI_PRICES in exact integer arithmetic (nano-USD); summed per analysis (admins see it) and shown per
// day and per model at GET /api/ai/usage (view_analyses). Also measures a free and a premium report
// against the fake (the README quotes these lines).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callCostNano, decimalToScaled, nanoToUsdText, parsePriceTable } from '../../../src/ai/prices.js';
import { ConfigError, parseConfig } from '../../../src/config.js';
import { fn, search, searchAnswer, toolResult, type UsageOverride } from '../../support/fake-anthropic.js';
import { expectErrorEnvelope, loginAdmin, userWithPermissions, type TestUser } from '../../support/harness.js';
import { SECTION_FIXTURES, sectionOf } from './fixtures.js';
import { createAnalysis, generate, MODEL, newUser, premiumAnalysis, startAiSuite, type AiSuite } from './setup.js';

const PRICES = JSON.stringify({
  [MODEL]: { input_usd_per_mtok: '2.5', output_usd_per_mtok: 12.125, web_search_usd_per_1k: '7.5' },
});
const SECTION_USAGE: UsageOverride = { input_tokens: 1000, output_tokens: 500, cache_creation_input_tokens: 100, cache_read_input_tokens: 2000 };
const RESEARCH_USAGE: UsageOverride = { input_tokens: 3000, output_tokens: 400 };
// nano-USD per token = USD per MTok × 1000: input 2500, output 12125, cache write 2500 × 5/4 = 3125, cache read 250; a search 7,500,000.
const SECTION_NANO = 1000n * 2500n + 100n * 3125n + 2000n * 250n + 500n * 12125n; // 9,375,000
const RESEARCH_NANO = 3000n * 2500n + 400n * 12125n + 2n * 7_500_000n; // 27,350,000

const scripted = (sectionUsage?: UsageOverride, researchUsage?: UsageOverride) =>
  fn((req) => {
    if (req.toolNames.includes('web_search')) {
      return searchAnswer(
        [search('q1', [{ url: 'https://a.example', title: 'A' }]), search('q2', [{ url: 'https://b.example', title: 'B' }])],
        [{ text: 'Found.', cite: [{ url: 'https://a.example', cited_text: 'a' }] }],
        researchUsage ? { usage: researchUsage } : {},
      );
    }
    return toolResult(SECTION_FIXTURES[sectionOf(req.forcedTool)], sectionUsage ? { usage: sectionUsage } : {});
  });

describe('prices', () => {
  it('decimal prices become exact integers; more decimals than the unit allows, or junk, are refused with the setting named', () => {
    expect(decimalToScaled('0.3', 3)).toBe(300n);
    expect(decimalToScaled(12.125, 3)).toBe(12125n);
    expect(decimalToScaled('0.0001', 3)).toBeNull();
    expect(decimalToScaled('-1', 3)).toBeNull();
    expect(nanoToUsdText(46_100_000n)).toBe('0.046100000');
    const table = parsePriceTable(PRICES);
    expect(table[MODEL]).toEqual({ inputNano: 2500n, outputNano: 12125n, cacheWriteNano: 3125n, cacheReadNano: 250n, searchNano: 7_500_000n });
    expect(callCostNano(table, MODEL, { uncachedInputTokens: 1000, cacheWriteTokens: 100, cacheReadTokens: 2000, outputTokens: 500, webSearches: 0 })).toBe(SECTION_NANO);
    expect(callCostNano(table, 'unknown-model', { uncachedInputTokens: 1, cacheWriteTokens: 0, cacheReadTokens: 0, outputTokens: 0, webSearches: 0 })).toBeNull();
    for (const bad of ['{', '{"m": {"input_usd_per_mtok": "0.0001", "output_usd_per_mtok": "1"}}', '{"m": {"input_usd_per_mtok": "1"}}']) {
      expect(() => parseConfig({ APP_ENV: 'test', AI_PRICES: bad })).toThrow(ConfigError);
      try {
        parseConfig({ APP_ENV: 'test', AI_PRICES: bad });
      } catch (error) {
        expect((error as ConfigError).problems.join(' ')).toMatch(/^AI_PRICES/);
      }
    }
  });
});

describe('cost per report and GET /api/ai/usage', () => {
  let s: AiSuite;
  let admin: TestUser;
  beforeAll(async () => {
    s = await startAiSuite({ AI_WEB_SEARCH: 'true', AI_PRICES: PRICES });
    admin = await loginAdmin(s.t);
  });
  afterAll(() => s.close());

  it('records every call with its tokens, searches and exact cost; sums them on the analysis and per day / per model', async () => {
    s.fake.setDefault(scripted(SECTION_USAGE, RESEARCH_USAGE));
    const user = await newUser(s.t, 10);
    const from = new Date(Date.now() - 60_000).toISOString();
    const id = await createAnalysis(s.t, user);
    expect((await generate(s.t, user, { analysis_id: id })).body.data.status).toBe('completed');
    const expected = 2n * SECTION_NANO + RESEARCH_NANO; // overview + market + one research step = 46,100,000

    const a = (await s.t.request('GET', `/api/analyses/${id}`, { token: admin.token })).body.data;
    expect(a.ai_usage).toEqual({ input_tokens: 2 * 3100 + 3000, output_tokens: 2 * 500 + 400, calls: 3, web_searches: 2, cost_usd: 0.0461 });

    const res = await s.t.request('GET', `/api/ai/usage?from=${encodeURIComponent(from)}`, { token: admin.token });
    expect(res.status, res.text).toBe(200);
    expect(res.cost.roundTrips).toBe(2);
    const u = res.body.data;
    const totals = {
      calls: 3, failed_calls: 0, input_tokens: 9200, cache_creation_input_tokens: 200, cache_read_input_tokens: 4000,
      output_tokens: 1400, web_searches: 2, cost_usd: 0.0461, cost_usd_exact: nanoToUsdText(expected), unpriced_calls: 0, analyses: 1,
    };
    expect(u.totals).toEqual(totals);
    expect(u.by_model).toEqual([{ model: MODEL, ...totals }]);
    expect(u.by_day).toEqual([{ date: new Date().toISOString().slice(0, 10), ...totals }]);
    expect(u.per_report).toEqual({ reports: 1, average_cost_usd: 0.0461, average_input_tokens: 9200, average_output_tokens: 1400, average_web_searches: 2 });
    const research = await s.t.request('GET', `/api/ai/usage?from=${encodeURIComponent(from)}&kind=research`, { token: admin.token });
    expect(research.body.data.totals.cost_usd_exact).toBe(nanoToUsdText(RESEARCH_NANO));
  });

  it('needs view_analyses (403 otherwise); bad windows are 400 naming the field', async () => {
    const user = await newUser(s.t);
    expectErrorEnvelope(await s.t.request('GET', '/api/ai/usage', { token: user.token }), 403, 'AUTHORIZATION_ERROR');
    const viewer = await userWithPermissions(s.t, ['view_analyses']);
    expect((await s.t.request('GET', '/api/ai/usage', { token: viewer.token })).status).toBe(200);
    const bad = await s.t.request('GET', '/api/ai/usage?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', { token: viewer.token });
    expectErrorEnvelope(bad, 400, 'VALIDATION_ERROR');
    expect(bad.body.details.issues.map((i: { path: string }) => i.path)).toEqual(['to']);
  });

  it('measures a free and a premium report against the fake (its token estimates) at the configured prices', async () => {
    s.fake.setDefault(scripted());
    const user = await newUser(s.t, 10);
    const free = await createAnalysis(s.t, user);
    await generate(s.t, user, { analysis_id: free });
    const premium = await premiumAnalysis(s.t, user);
    await generate(s.t, user, { analysis_id: premium });
    for (const [label, id] of [['free', free], ['premium', premium]] as const) {
      const a = (await s.t.request('GET', `/api/analyses/${id}`, { token: admin.token })).body.data;
      expect(a.status).toBe('completed');
      expect(a.ai_usage.web_searches).toBe(2);
      console.info(`[cost] ${label} report: ${a.ai_usage.calls} calls, ${a.ai_usage.input_tokens} input + ${a.ai_usage.output_tokens} output tokens, ` +
        `${a.ai_usage.web_searches} searches, $${a.ai_usage.cost_usd} at ${PRICES}`);
    }
  });
});

describe('a model without a price', () => {
  let s: AiSuite;
  beforeAll(async () => {
    s = await startAiSuite({ AI_PRICES: JSON.stringify({ 'another-model': { input_usd_per_mtok: 1, output_usd_per_mtok: 1 } }) });
  });
  afterAll(() => s.close());

  it('is recorded with cost null, counted as unpriced_calls, and adds nothing to the cost', async () => {
    s.fake.setDefault(scripted());
    const user = await newUser(s.t, 10);
    const id = await createAnalysis(s.t, user);
    await generate(s.t, user, { analysis_id: id });
    const admin = await loginAdmin(s.t);
    const u = (await s.t.request('GET', '/api/ai/usage', { token: admin.token })).body.data;
    expect(u.totals).toMatchObject({ calls: 2, unpriced_calls: 2, cost_usd: 0, cost_usd_exact: '0.000000000' });
  });
});
