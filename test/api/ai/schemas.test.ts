// The section schemas: what the model is asked to fill passes the API's strict-schema rules (as the fake
// enforces them, through the real SDK), and what comes back is checked with every bound.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { modelSchema } from '../../../src/ai/json-schema.js';
import { IdeaOpinionSchema } from '../../../src/ai/idea-opinion.js';
import { SECTION_SPECS, sectionTool } from '../../../src/ai/sections/index.js';
import { SECTION_NAMES } from '../../../src/db/schema.js';
import { startFakeAnthropic, strictSchemaProblem, toolResult, type FakeAnthropic } from '../../support/fake-anthropic.js';
import { BUSINESS, MARKET, OVERVIEW, SECTION_FIXTURES, STRATEGY } from './fixtures.js';

const BOUND_KEYWORDS = /"(minimum|maximum|exclusiveMinimum|exclusiveMaximum|multipleOf|minLength|maxLength|minItems|maxItems|pattern|format)"/;

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(() => fake.close());

describe('model-facing schemas', () => {
  it.each(SECTION_NAMES)('%s: strict-valid, no bound keywords, bounds moved into descriptions', (section) => {
    const tool = sectionTool(section);
    expect(strictSchemaProblem(tool.input_schema, 'schema', { optionalParams: 0, unionParams: 0 })).toBeNull();
    expect(JSON.stringify(tool.input_schema)).not.toMatch(BOUND_KEYWORDS);
    expect(tool.strict).toBe(true);
  });

  it('states the bounds in words where the model reads them', () => {
    const overview = sectionTool('overview').input_schema as any;
    expect(overview.properties.market_fit_score.description).toMatch(/at least 0, at most 100/i);
    const market = sectionTool('market').input_schema as any;
    expect(market.properties.target_audiences.description).toMatch(/at least 3 items, at most 5 items/i);
    expect(market.properties.competitors.items.properties.links.additionalProperties).toBe(false);
    // zod's safe-integer bounds are noise to a model: dropped without words.
    expect(JSON.stringify(overview)).not.toContain('9007199254740991');
  });

  it('the fake (like the API) refuses the raw zod JSON Schema, which still has its bounds', async () => {
    const raw = z.toJSONSchema(SECTION_SPECS.overview.schema, { io: 'output' }) as any;
    const client = new Anthropic({ apiKey: 'k', baseURL: fake.url, maxRetries: 0 });
    fake.enqueue(toolResult(OVERVIEW));
    const attempt = client.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ name: 'report_overview', strict: true, input_schema: raw }],
    });
    await expect(attempt).rejects.toThrow(/property 'minimum' is not supported/);
  });

  it('all six tools and the validate tool in ONE request pass the fake strictness, through the real SDK', async () => {
    const client = new Anthropic({ apiKey: 'k', baseURL: fake.url, maxRetries: 0 });
    fake.enqueue(toolResult(MARKET));
    const tools = [
      ...SECTION_NAMES.map(sectionTool),
      { name: 'validate_idea', strict: true, input_schema: modelSchema(IdeaOpinionSchema) as any },
    ];
    const message = await client.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'x' }],
      tools,
      tool_choice: { type: 'tool', name: 'report_market' },
    });
    expect(message.stop_reason).toBe('tool_use');
    expect(fake.requests.at(-1)?.status).toBe(200);
  });
});

describe('reply validation keeps every bound', () => {
  it.each(SECTION_NAMES)('%s fixture is valid', (section) => {
    expect(SECTION_SPECS[section].schema.safeParse(SECTION_FIXTURES[section]).success).toBe(true);
  });

  it.each([
    ['market_fit_score above 100', 'overview', { ...OVERVIEW, market_fit_score: 101 }],
    ['fractional months', 'overview', { ...OVERVIEW, time_to_build_months: 2.5 }],
    ['negative cost', 'overview', { ...OVERVIEW, starting_cost_usd: -1 }],
    ['an unknown field', 'overview', { ...OVERVIEW, extra: true }],
    ['a missing field', 'overview', { market_fit_score: 50 }],
    ['two audiences (3..5)', 'market', { ...MARKET, target_audiences: MARKET.target_audiences.slice(0, 2) }],
    ['six competitors (3..5)', 'market', { ...MARKET, competitors: [...MARKET.competitors, ...MARKET.competitors] }],
    ['an empty string', 'market', { ...MARKET, solution: { ...MARKET.solution, overview: '  ' } }],
    ['priority outside the enum', 'business', { ...BUSINESS, distribution_channels: [{ channel_name: 'x', details: 'y', priority: 'urgent' }] }],
    ['a string step number', 'strategy', { ...STRATEGY, action_plan: [{ ...STRATEGY.action_plan[0], step_number: '1' }] }],
  ] as const)('refuses %s', (_name, section, value) => {
    expect(SECTION_SPECS[section].schema.safeParse(value).success).toBe(false);
  });
});
