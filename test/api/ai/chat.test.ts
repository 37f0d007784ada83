// POST /api/ai/chat: premium reports only, persisted exchanges, history window, context budget,
// the daily limit, streaming, and failures that persist nothing.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HISTORY_MESSAGES, REPORT_CONTEXT_TOKENS } from '../../../src/ai/chat-context.js';
import { overloaded, streamError, text } from '../../support/fake-anthropic.js';
import { expectErrorEnvelope, type TestUser } from '../../support/harness.js';
import { answerSections, createAnalysis, generate, newUser, parseSse, premiumAnalysis, startAiSuite, type AiSuite } from './setup.js';

let s: AiSuite;
let user: TestUser;
let reportId: string;
beforeAll(async () => {
  s = await startAiSuite();
});
afterAll(() => s.close());
beforeEach(async () => {
  s.fake.reset();
  user = await newUser(s.t, 10);
  s.fake.setDefault(answerSections());
  reportId = await premiumAnalysis(s.t, user);
  await generate(s.t, user, { analysis_id: reportId });
  s.fake.reset();
});

const chat = (u: TestUser, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  s.t.request('POST', '/api/ai/chat', { token: u.token, body, headers });

describe('premium report chat', () => {
  it('answers with the report as context, creates and persists the conversation', async () => {
    s.fake.enqueue(text('Start with a pilot in one neighbourhood.', { usage: { input_tokens: 900, output_tokens: 12 } }));
    const res = await chat(user, { message: 'Where should I start?', analysis_id: reportId });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toEqual({
      conversation_id: expect.any(String),
      message: { role: 'assistant', content: 'Start with a pilot in one neighbourhood.' },
      usage: { input_tokens: 900, output_tokens: 12 },
    });
    const req = s.fake.requests[0]!;
    expect(String(req.body.system)).toContain('<report>');
    expect(String(req.body.system)).toContain('"market_fit_score":72');
    expect(req.body.messages).toEqual([{ role: 'user', content: 'Where should I start?' }]);

    const conv = await s.t.request('GET', `/api/chat-conversations/${res.body.data.conversation_id}`, { token: user.token });
    expect(conv.body.data).toMatchObject({ analysis_id: reportId, message_count: 2, ai_usage: { input_tokens: 900, output_tokens: 12 } });
    expect(conv.body.data.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    const usage = await s.t.db.execute<{ kind: string }>(sql`SELECT kind FROM ai_usage WHERE conversation_id = ${res.body.data.conversation_id}`);
    expect(usage.rows.map((r) => r.kind)).toEqual(['chat']);
  });

  it('sends the previous 20 messages plus the new one', async () => {
    const history = Array.from({ length: 30 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `m${i}`, timestamp: new Date().toISOString() }));
    const [conv] = (
      await s.t.db.execute<{ id: string }>(sql`
        INSERT INTO chat_conversations (user_id, analysis_id, messages, message_count)
        VALUES (${user.id}, ${reportId}, ${JSON.stringify(history)}::jsonb, 30) RETURNING id`)
    ).rows;
    s.fake.enqueue(text('ok'));
    const res = await chat(user, { message: 'next', conversation_id: conv!.id });
    expect(res.status, res.text).toBe(200);
    const sent = s.fake.requests[0]!.body.messages as { content: string }[];
    expect(sent).toHaveLength(HISTORY_MESSAGES + 1);
    expect(sent[0]!.content).toBe('m10');
    expect(sent.at(-1)!.content).toBe('next');
    const after = await s.t.request('GET', `/api/chat-conversations/${conv!.id}`, { token: user.token });
    expect(after.body.data.message_count).toBe(32);
  });

  it('trims a large report to the context budget', async () => {
    const huge = { ...JSON.parse('{}'), note: 'x'.repeat(200_000) };
    await s.t.db.execute(sql`UPDATE analysis_sections SET content = ${JSON.stringify(huge)}::jsonb WHERE analysis_id = ${reportId} AND section = 'market'`);
    s.fake.enqueue(text('ok'));
    expect((await chat(user, { message: 'hi', analysis_id: reportId })).status).toBe(200);
    const system = String(s.fake.requests[0]!.body.system);
    expect(system.length).toBeLessThan(REPORT_CONTEXT_TOKENS * 3 + 3_000);
    expect(system).toContain('[truncated]');
    expect(system).toContain('"market_fit_score":72'); // overview comes first and survives
  });

  it('streams delta events then done, and persists the reply', async () => {
    s.fake.enqueue(text('A long answer that arrives in several pieces.'));
    const res = await chat(user, { message: 'Tell me', analysis_id: reportId }, { accept: 'text/event-stream' });
    const events = parseSse(res.text);
    const deltas = events.filter((e) => e.event === 'delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((d) => d.data.text).join('')).toBe('A long answer that arrives in several pieces.');
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data.message).toEqual({ role: 'assistant', content: 'A long answer that arrives in several pieces.' });
    const conv = await s.t.request('GET', `/api/chat-conversations/${done.data.conversation_id}`, { token: user.token });
    expect(conv.body.data.message_count).toBe(2);
  });

  it('a stream that fails after the first byte ends with an error event and persists nothing', async () => {
    s.fake.enqueue(streamError('Half an ans'));
    const res = await chat(user, { message: 'Tell me', analysis_id: reportId }, { accept: 'text/event-stream' });
    const events = parseSse(res.text);
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { error_code: 'AI_UPSTREAM_ERROR' } });
    expect(s.fake.requests).toHaveLength(1); // not retried once text was shown
    const count = await s.t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM chat_conversations WHERE user_id = ${user.id}`);
    expect(Number(count.rows[0]!.n)).toBe(0);
  });

  it('JSON: upstream failure → 502 after bounded retries; nothing persisted; the daily hit given back', async () => {
    s.fake.setDefault(overloaded());
    const res = await chat(user, { message: 'hi', analysis_id: reportId });
    expectErrorEnvelope(res, 502, 'AI_UPSTREAM_ERROR');
    expect(s.fake.requests).toHaveLength(3);
    const count = await s.t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM chat_conversations WHERE user_id = ${user.id}`);
    expect(Number(count.rows[0]!.n)).toBe(0);
    const hits = await s.t.db.execute(sql`SELECT count FROM rate_limits WHERE key LIKE ${`ai:chat:${user.id}:%`}`);
    expect(hits.rows).toEqual([]);
  });
});

describe('refusals', () => {
  it('a free report → 409 INVALID_STATE, nothing sent', async () => {
    const free = await createAnalysis(s.t, user);
    expectErrorEnvelope(await chat(user, { message: 'hi', analysis_id: free }), 409, 'INVALID_STATE');
    expect(s.fake.requests).toHaveLength(0);
  });

  it("another user's analysis or conversation → 404", async () => {
    const other = await newUser(s.t);
    s.fake.enqueue(text('ok'));
    const mine = await chat(user, { message: 'hi', analysis_id: reportId });
    expectErrorEnvelope(await chat(other, { message: 'hi', analysis_id: reportId }), 404, 'NOT_FOUND');
    expectErrorEnvelope(await chat(other, { message: 'hi', conversation_id: mine.body.data.conversation_id }), 404, 'NOT_FOUND');
    expect(s.fake.requests).toHaveLength(1);
  });

  it('chat_daily_limit per user per day → 429 with Retry-After', async () => {
    await s.t.db.execute(sql`INSERT INTO system_settings (key, value) VALUES ('chat_daily_limit', '2'::jsonb)
                             ON CONFLICT (key) DO UPDATE SET value = '2'::jsonb`);
    try {
      s.fake.setDefault(text('ok'));
      const results = await Promise.all([1, 2, 3].map(() => chat(user, { message: 'hi' })));
      expect(results.filter((r) => r.status === 200)).toHaveLength(2);
      const refused = results.find((r) => r.status !== 200)!;
      expectErrorEnvelope(refused, 429, 'RATE_LIMITED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(s.fake.requests).toHaveLength(2);
    } finally {
      await s.t.db.execute(sql`DELETE FROM system_settings WHERE key = 'chat_daily_limit'`);
    }
  });

  it('a full conversation (200 messages) → 409 before the model is called', async () => {
    const history = Array.from({ length: 200 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'x', timestamp: new Date().toISOString() }));
    const [conv] = (
      await s.t.db.execute<{ id: string }>(sql`
        INSERT INTO chat_conversations (user_id, messages, message_count) VALUES (${user.id}, ${JSON.stringify(history)}::jsonb, 200) RETURNING id`)
    ).rows;
    expectErrorEnvelope(await chat(user, { message: 'more', conversation_id: conv!.id }), 409, 'INVALID_STATE');
    expect(s.fake.requests).toHaveLength(0);
  });

  it('validates the body strictly', async () => {
    expectErrorEnvelope(await chat(user, { message: '' }), 400, 'VALIDATION_ERROR');
    expectErrorEnvelope(await chat(user, { message: 'x'.repeat(20_001) }), 400, 'VALIDATION_ERROR');
    expectErrorEnvelope(await chat(user, { message: 'hi', role: 'system' }), 400, 'VALIDATION_ERROR');
  });
});
