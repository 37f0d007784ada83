// The fault matrix: each upstream failure with its exact outcome for the sections, the analysis status,
// the ledger and the response. Retries are bounded (attempts, backoff, Retry-After cap, deadline).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setAiTuning } from '../../../src/ai/client.js';
import { SECTION_SPECS } from '../../../src/ai/sections/index.js';
import {
  delay, error, fn, networkError, overloaded, rateLimited, serverError, toolResult, truncated, type Behaviour,
} from '../../support/fake-anthropic.js';
import { createTestApp, expectErrorEnvelope, type TestUser } from '../../support/harness.js';
import { OVERVIEW, SECTION_FIXTURES, sectionOf } from './fixtures.js';
import {
  createAnalysis, expectLedgerConsistent, generate, ledgerOf, newUser, parseSse, premiumAnalysis, sectionRows, startAiSuite, type AiSuite,
} from './setup.js';

let s: AiSuite;
let user: TestUser;
beforeAll(async () => {
  s = await startAiSuite();
});
afterAll(() => s.close());
beforeEach(async () => {
  s.fake.reset();
  user = await newUser(s.t, 10);
});

/** Scripted answers per section, consumed in order; then the section's valid fixture. */
function script(plan: Partial<Record<string, Behaviour[]>>): Behaviour {
  const queues = new Map(Object.entries(plan).map(([k, v]) => [k, [...(v ?? [])]]));
  return fn((req) => {
    const section = sectionOf(req.forcedTool);
    return queues.get(section)?.shift() ?? toolResult(SECTION_FIXTURES[section]);
  });
}

const requestsFor = (section: string) => s.fake.requests.filter((r) => r.forcedTool === `report_${section}`);
const always = (b: Behaviour) => Array<Behaviour>(10).fill(b);

describe('transient failures are retried, then succeed', () => {
  it.each([
    ['529 overloaded', overloaded()],
    ['500 server error', serverError()],
    ['429 rate limited', rateLimited(0.05)],
    ['a dropped connection', networkError()],
  ])('%s once → retried, section completed', async (_name, fault) => {
    s.fake.setDefault(script({ overview: [fault] }));
    const id = await createAnalysis(s.t, user);
    const res = await generate(s.t, user, { analysis_id: id });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.status).toBe('completed');
    expect(requestsFor('overview')).toHaveLength(2);
    expect(res.body.data.ai_usage.calls).toBe(3); // the failed attempt is a recorded call
  });

  it('429 honours Retry-After within the budget', async () => {
    s.fake.setDefault(script({ overview: [rateLimited(1)] }));
    const id = await createAnalysis(s.t, user);
    const started = Date.now();
    const res = await generate(s.t, user, { analysis_id: id });
    expect(res.body.data.status).toBe('completed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('a timeout is retried with a new attempt', async () => {
    const restore = setAiTuning({ attemptTimeoutMs: 300 });
    try {
      s.fake.setDefault(script({ overview: [delay(3_000, toolResult(OVERVIEW))] }));
      const id = await createAnalysis(s.t, user);
      const res = await generate(s.t, user, { analysis_id: id });
      expect(res.body.data.status).toBe('completed');
      expect(requestsFor('overview')).toHaveLength(2);
    } finally {
      restore();
    }
  });
});

describe('persistent failures: bounded, the section fails with a clear code, nothing unvalidated stored', () => {
  it.each([
    ['529 overloaded', 'AI_OVERLOADED', 3, overloaded()],
    ['500 server error', 'AI_SERVER_ERROR', 3, serverError()],
    ['429 with a short Retry-After', 'AI_RATE_LIMITED', 3, rateLimited(0.05)],
    ['429 with a Retry-After past the budget (not waited for)', 'AI_RATE_LIMITED', 1, rateLimited(3600)],
    ['a dropped connection', 'AI_NETWORK_ERROR', 3, networkError()],
    ['a 400 (our request or key is wrong: not retried)', 'AI_REQUEST_REJECTED', 1, error(400, 'invalid_request_error')],
  ] as const)('%s → %s after %i request(s)', async (_name, code, attempts, fault) => {
    s.fake.setDefault(script({ overview: always(fault) }));
    const id = await createAnalysis(s.t, user);
    const started = Date.now();
    const res = await generate(s.t, user, { analysis_id: id });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(res.status).toBe(200); // market was stored: the run ended with a failed section
    expect(res.body.data.status).toBe('failed');
    expect(res.body.data.sections.overview).toMatchObject({ status: 'failed', error_code: code });
    expect(res.body.data.report.overview).toBeNull();
    expect(res.body.data.sections.market.status).toBe('completed');
    expect(requestsFor('overview')).toHaveLength(attempts);
    expect(JSON.stringify(res.body)).not.toMatch(/"Overloaded"|Internal server error|per-minute rate limit|Invalid request/); // no upstream text
  });

  it('a timeout on every attempt → AI_TIMEOUT within the section budget', async () => {
    const restore = setAiTuning({ attemptTimeoutMs: 200, sectionBudgetMs: 700 });
    try {
      s.fake.setDefault(script({ overview: always(delay(5_000, toolResult(OVERVIEW))) }));
      const id = await createAnalysis(s.t, user);
      const started = Date.now();
      const res = await generate(s.t, user, { analysis_id: id });
      const elapsed = Date.now() - started;
      expect(res.body.data.sections.overview).toMatchObject({ status: 'failed', error_code: 'AI_TIMEOUT' });
      expect(elapsed).toBeLessThan(1_500);
      expect(requestsFor('overview').length).toBeLessThanOrEqual(3);
    } finally {
      restore();
    }
  });

  it('truncated output → retried once with a bigger budget and a request for concision → stored', async () => {
    s.fake.setDefault(script({ market: [truncated()] }));
    const id = await createAnalysis(s.t, user);
    const res = await generate(s.t, user, { analysis_id: id });
    expect(res.body.data.status).toBe('completed');
    const [first, second] = requestsFor('market');
    expect(first!.body.max_tokens).toBe(SECTION_SPECS.market.maxTokens);
    expect(second!.body.max_tokens).toBe(SECTION_SPECS.market.maxTokensRetry);
    expect(second!.text).toMatch(/cut off/);
  });

  it('truncated twice → AI_OUTPUT_TRUNCATED, partial output never stored', async () => {
    s.fake.setDefault(script({ market: [truncated({ target_audiences: [] }), truncated({ target_audiences: [] })] }));
    const id = await createAnalysis(s.t, user);
    const res = await generate(s.t, user, { analysis_id: id });
    expect(res.body.data.sections.market).toMatchObject({ status: 'failed', error_code: 'AI_OUTPUT_TRUNCATED' });
    expect((await sectionRows(s.t, id)).market!.content).toBeNull();
    expect(requestsFor('market')).toHaveLength(2);
  });

  it('schema-violating output → one repair turn showing the errors → stored', async () => {
    s.fake.setDefault(script({ overview: [toolResult({ ...OVERVIEW, market_fit_score: 150 })] }));
    const id = await createAnalysis(s.t, user);
    const res = await generate(s.t, user, { analysis_id: id });
    expect(res.body.data.status).toBe('completed');
    expect(res.body.data.report.overview.market_fit_score).toBe(72);
    const repair = requestsFor('overview')[1]!;
    const messages = repair.body.messages as any[];
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(messages[2].content[0]).toMatchObject({ type: 'tool_result', is_error: true, tool_use_id: messages[1].content[0].id });
    expect(messages[2].content[0].content).toContain('market_fit_score');
  });

  it('schema-violating twice → AI_OUTPUT_INVALID, the invalid content never stored', async () => {
    const bad = toolResult({ ...OVERVIEW, market_fit_score: 150 });
    s.fake.setDefault(script({ overview: [bad, bad] }));
    const id = await createAnalysis(s.t, user);
    const res = await generate(s.t, user, { analysis_id: id });
    expect(res.body.data.sections.overview).toMatchObject({ status: 'failed', error_code: 'AI_OUTPUT_INVALID' });
    expect((await sectionRows(s.t, id)).overview!.content).toBeNull();
    expect(res.body.data.market_fit_score).toBeNull();
  });
});

describe('runs that store nothing', () => {
  it('premium, every call 529 → 502 AI_UPSTREAM_ERROR, failed, the charge refunded exactly', async () => {
    s.fake.setDefault(overloaded());
    const id = await premiumAnalysis(s.t, user);
    expect(await expectLedgerConsistent(s.t, user.id)).toBe(9);
    const res = await generate(s.t, user, { analysis_id: id });
    const body = expectErrorEnvelope(res, 502, 'AI_UPSTREAM_ERROR');
    expect(body.details.sections).toMatchObject({ overview: 'AI_OVERLOADED', strategy: 'AI_OVERLOADED' });
    expect(body.details.refunded_credits).toBe(1);
    const ledger = await ledgerOf(s.t, id);
    expect(ledger.map((l) => [l.type, l.credits])).toEqual([['analysis_charge', -1], ['refund', 1]]);
    expect(ledger[0]!.refunded_by).toBe(ledger[1]!.id);
    expect(await expectLedgerConsistent(s.t, user.id)).toBe(10);
    const a = await s.t.request('GET', `/api/analyses/${id}`, { token: user.token });
    expect(a.body.data).toMatchObject({ status: 'failed', report_type: 'premium' });
    expect(s.fake.requests).toHaveLength(18); // 6 sections × 3 attempts: bounded
  });

  it('SSE: the same run ends with an error event instead of done', async () => {
    s.fake.setDefault(serverError());
    const id = await createAnalysis(s.t, user);
    const res = await generate(s.t, user, { analysis_id: id }, { accept: 'text/event-stream' });
    const events = parseSse(res.text);
    expect(events.filter((e) => e.event === 'section_failed').map((e) => e.data.error_code)).toEqual(['AI_SERVER_ERROR', 'AI_SERVER_ERROR']);
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { error_code: 'AI_UPSTREAM_ERROR', message: expect.any(String) } });
    expect(events.map((e) => e.event)).not.toContain('done');
  });
});

describe('AI not configured', () => {
  it('503 AI_UNAVAILABLE for generate, upgrade and chat: nothing charged, no request sent', async () => {
    const t = await createTestApp({ ANTHROPIC_BASE_URL: s.fake.url });
    try {
      const u = await newUser(t, 5);
      const id = await createAnalysis(t, u);
      expectErrorEnvelope(await generate(t, u, { analysis_id: id }), 503, 'AI_UNAVAILABLE');
      expectErrorEnvelope(await t.request('POST', `/api/analyses/${id}/upgrade-premium`, { token: u.token }), 503, 'AI_UNAVAILABLE');
      expectErrorEnvelope(await t.request('POST', '/api/ai/chat', { token: u.token, body: { message: 'hi' } }), 503, 'AI_UNAVAILABLE');
      expect(s.fake.requests).toHaveLength(0);
      expect((await ledgerOf(t, id)).length).toBe(0);
      expect(await expectLedgerConsistent(t, u.id)).toBe(5);
    } finally {
      await t.close();
    }
  });
});
