// POST /api/analyses/validate-idea: local checks always, the AI opinion when configured, and never a
// silent pass when the opinion is missing.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkIdeaLocally } from '../../../src/ai/idea-checks.js';
import { overloaded, toolResult } from '../../support/fake-anthropic.js';
import { createTestApp, expectErrorEnvelope, issuePaths, type TestUser } from '../../support/harness.js';
import { newUser, startAiSuite, type AiSuite } from './setup.js';

let s: AiSuite;
let user: TestUser;
beforeAll(async () => {
  s = await startAiSuite();
});
afterAll(() => s.close());
beforeEach(async () => {
  s.fake.reset();
  user = await newUser(s.t);
});

const validate = (body: Record<string, unknown>, u = user) =>
  s.t.request('POST', '/api/analyses/validate-idea', { token: u.token, body: { report_language: 'en', ...body } });
const opinion = (o: Partial<{ is_business_idea: boolean; confidence: number; industry_match: boolean | null }> = {}) =>
  toolResult({ is_business_idea: true, confidence: 0.85, industry_match: null, note: 'A clear service idea.', ...o });

describe('local checks', () => {
  it.each([
    ['A bakery that delivers fresh bread to offices in Damascus every morning', 'ok'],
    ['مطعم صغير يقدم وجبات صحية للطلاب في حلب بأسعار مناسبة', 'ok'],
    ['Coffee truck', 'too_short'],
    ['1234567890 !!! 55555', 'no_letters'],
    ['这是一个在大马士革的咖啡店项目想法', 'no_letters'],
    ['aaaaaaaaaaaaaaaaaaaa bbbbb', 'repetitive'],
    ['sell sell sell sell sell sell sell sell', 'repetitive'],
    ['abcabcabcabcabcabcabcabc', 'repetitive'],
    ['asdfgh qwerty zxcvbn hjklq', 'gibberish'],
    ['xkcdqzt bvnmrtp ghjklwq pqzrtvx', 'gibberish'],
  ])('%s → %s', (idea, reason) => {
    expect(checkIdeaLocally(idea).reason).toBe(reason);
  });

  it('a local failure answers without calling the model', async () => {
    const res = await validate({ business_idea: 'sell sell sell sell sell sell sell sell' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ valid: false, reason: 'repetitive', confidence: 0.9, industry_match: null, ai_checked: false });
    expect(s.fake.requests).toHaveLength(0);
  });

  it('input outside 10..10000 characters → 400 naming business_idea', async () => {
    for (const idea of ['too short', 'x'.repeat(10_001)]) {
      const res = await validate({ business_idea: idea });
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(issuePaths(res)).toEqual(['business_idea']);
    }
  });
});

describe('AI opinion', () => {
  it('a real idea: ai_checked with the model confidence; the idea travels as data', async () => {
    s.fake.enqueue(opinion());
    const res = await validate({ business_idea: 'A bakery that delivers fresh bread to offices in Damascus' });
    expect(res.body.data).toEqual({ valid: true, reason: 'ok', confidence: 0.85, industry_match: null, ai_checked: true });
    const req = s.fake.requests[0]!;
    expect(req.forcedTool).toBe('validate_idea');
    expect(req.text).toContain('<submission>');
    expect(req.text).toMatch(/industry_match to null/);
    const usage = await s.t.db.execute<{ kind: string }>(sql`SELECT kind FROM ai_usage WHERE user_id = ${user.id}`);
    expect(usage.rows.map((r) => r.kind)).toEqual(['validate']);
  });

  it('the model rejects it → ai_rejected; an industry that does not fit → industry_mismatch', async () => {
    s.fake.enqueue(opinion({ is_business_idea: false, confidence: 0.9 }), opinion({ industry_match: false }));
    const rejected = await validate({ business_idea: 'What is the weather like in Damascus today please' });
    expect(rejected.body.data).toMatchObject({ valid: false, reason: 'ai_rejected', ai_checked: true });
    const mismatch = await validate({ business_idea: 'A bakery that delivers fresh bread to offices', industry: 'Mining' });
    expect(mismatch.body.data).toMatchObject({ valid: false, reason: 'industry_mismatch', industry_match: false, ai_checked: true });
  });

  it('an upstream failure gives the local result, ai_checked false and ai_error — never a silent pass', async () => {
    s.fake.setDefault(overloaded());
    const res = await validate({ business_idea: 'A bakery that delivers fresh bread to offices in Damascus' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ valid: true, reason: 'ok', confidence: 0.6, industry_match: null, ai_checked: false, ai_error: 'AI_OVERLOADED' });
  });

  it('an invalid opinion (schema) is not trusted', async () => {
    s.fake.enqueue(toolResult({ is_business_idea: true, confidence: 7, industry_match: null, note: 'x' }));
    const res = await validate({ business_idea: 'A bakery that delivers fresh bread to offices in Damascus' });
    expect(res.body.data).toMatchObject({ ai_checked: false, ai_error: 'AI_OUTPUT_INVALID' });
  });

  it('30 AI opinions per user per hour, then 429', async () => {
    await s.t.db.execute(sql`INSERT INTO rate_limits (key, count, reset_at) VALUES (${`ai:validate:${user.id}`}, 30, now() + interval '1 hour')`);
    expectErrorEnvelope(await validate({ business_idea: 'A bakery that delivers fresh bread to offices' }), 429, 'RATE_LIMITED');
    expect(s.fake.requests).toHaveLength(0);
  });

  it('AI not configured: the local verdict with ai_error AI_UNAVAILABLE', async () => {
    const t = await createTestApp();
    try {
      const u = await newUser(t);
      const res = await t.request('POST', '/api/analyses/validate-idea', {
        token: u.token,
        body: { business_idea: 'A bakery that delivers fresh bread to offices in Damascus', report_language: 'en' },
      });
      expect(res.body.data).toEqual({ valid: true, reason: 'ok', confidence: 0.6, industry_match: null, ai_checked: false, ai_error: 'AI_UNAVAILABLE' });
    } finally {
      await t.close();
    }
  });
});
