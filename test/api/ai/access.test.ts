// Access rules of the AI group: someone else's analysis is a 404, free reports never get or leak premium
// sections, and invoke-llm is a guarded, bounded, rate-limited proxy.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { overloaded, text } from '../../support/fake-anthropic.js';
import { expectErrorEnvelope, issuePaths, loginAdmin, userWithPermissions, type TestUser } from '../../support/harness.js';
import { BUSINESS } from './fixtures.js';
import { answerSections, createAnalysis, generate, newUser, premiumAnalysis, startAiSuite, upgrade, type AiSuite } from './setup.js';

let s: AiSuite;
let user: TestUser;
let other: TestUser;
beforeAll(async () => {
  s = await startAiSuite();
});
afterAll(() => s.close());
beforeEach(async () => {
  s.fake.reset();
  user = await newUser(s.t, 10);
  other = await newUser(s.t, 10);
});

describe("someone else's analysis", () => {
  it('generate and upgrade answer 404, even for an admin holding view_analyses; nothing sent or charged', async () => {
    const id = await createAnalysis(s.t, user);
    const admin = await loginAdmin(s.t);
    for (const who of [other, admin]) {
      expectErrorEnvelope(await generate(s.t, who, { analysis_id: id }), 404, 'NOT_FOUND');
      expectErrorEnvelope(await upgrade(s.t, who, id), 404, 'NOT_FOUND');
    }
    expect(s.fake.requests).toHaveLength(0);
    const charges = await s.t.db.execute(sql`SELECT 1 FROM transactions WHERE reference_id = ${id}`);
    expect(charges.rows).toHaveLength(0);
  });

  it('a deleted analysis is a 404 for its owner too', async () => {
    const id = await createAnalysis(s.t, user);
    expect((await s.t.request('DELETE', `/api/analyses/${id}`, { token: user.token })).status).toBe(200);
    expectErrorEnvelope(await generate(s.t, user, { analysis_id: id }), 404, 'NOT_FOUND');
    expectErrorEnvelope(await upgrade(s.t, user, id), 404, 'NOT_FOUND');
  });

  it('a path id that is not a UUID → 400 naming id', async () => {
    const res = await s.t.request('POST', '/api/analyses/not-a-uuid/upgrade-premium', { token: user.token });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toEqual(['id']);
  });
});

describe('free reports never get or leak premium sections', () => {
  it('premium rows left on a free analysis are neither generated nor returned', async () => {
    const id = await createAnalysis(s.t, user);
    await s.t.db.execute(sql`INSERT INTO analysis_sections (analysis_id, section, status, content)
                             VALUES (${id}, 'business', 'completed', ${JSON.stringify(BUSINESS)}::jsonb),
                                    (${id}, 'technical', 'failed', NULL)`);
    s.fake.setDefault(answerSections());
    const res = await generate(s.t, user, { analysis_id: id, force: true });
    expect(res.status).toBe(200);
    expect(s.fake.requests.map((r) => r.forcedTool).sort()).toEqual(['report_market', 'report_overview']);
    expect(Object.keys(res.body.data.report).sort()).toEqual(['market', 'overview']);
    expect(Object.keys(res.body.data.sections).sort()).toEqual(['market', 'overview']);
    expect(res.text).not.toContain('go_to_market_strategy');
    expect(res.body.data.status).toBe('completed'); // the stray premium rows do not count for a free tier
  });

  it("a free report's run asks only for free sections, next to another user's premium run", async () => {
    s.fake.setDefault(answerSections());
    const premium = await premiumAnalysis(s.t, user);
    const free = await createAnalysis(s.t, other, { business_idea: 'A mobile repair kiosk in Homs for cheap phones' });
    await Promise.all([generate(s.t, user, { analysis_id: premium }), generate(s.t, other, { analysis_id: free })]);
    const freeCalls = s.fake.requests.filter((r) => r.text.includes('mobile repair kiosk'));
    expect(freeCalls.map((r) => r.forcedTool).sort()).toEqual(['report_market', 'report_overview']);
    expect(s.fake.requests).toHaveLength(8);
  });
});

describe('POST /api/ai/invoke-llm', () => {
  const invoke = (u: TestUser, body: Record<string, unknown>) => s.t.request('POST', '/api/ai/invoke-llm', { token: u.token, body });

  it('403 without the invoke_llm permission (admins lack it by default), nothing sent', async () => {
    expectErrorEnvelope(await invoke(user, { prompt: 'hi' }), 403, 'AUTHORIZATION_ERROR');
    const adminRole = await userWithPermissions(s.t, ['view_users', 'manage_settings']);
    expectErrorEnvelope(await invoke(adminRole, { prompt: 'hi' }), 403, 'AUTHORIZATION_ERROR');
    expect(s.fake.requests).toHaveLength(0);
  });

  it('max_tokens above 4096 → 400 naming max_tokens', async () => {
    const caller = await userWithPermissions(s.t, ['invoke_llm']);
    const res = await invoke(caller, { prompt: 'hi', max_tokens: 4097 });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toEqual(['max_tokens']);
    expect(s.fake.requests).toHaveLength(0);
  });

  it('answers {text, usage, stop_reason} and records usage', async () => {
    const caller = await userWithPermissions(s.t, ['invoke_llm']);
    s.fake.enqueue(text('Hello founder', { usage: { input_tokens: 5, output_tokens: 3 } }));
    const res = await invoke(caller, { prompt: 'Say hello', system: 'Be brief', max_tokens: 4096 });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toEqual({ text: 'Hello founder', usage: { input_tokens: 5, output_tokens: 3 }, stop_reason: 'end_turn' });
    expect(s.fake.requests[0]!.body).toMatchObject({ max_tokens: 4096, system: 'Be brief' });
    const usage = await s.t.db.execute<{ kind: string }>(sql`SELECT kind FROM ai_usage WHERE user_id = ${caller.id}`);
    expect(usage.rows.map((r) => r.kind)).toEqual(['invoke']);
  });

  it('upstream failure → 502 with a code, never the upstream message', async () => {
    const caller = await userWithPermissions(s.t, ['invoke_llm']);
    s.fake.setDefault(overloaded());
    const res = await invoke(caller, { prompt: 'hi' });
    const body = expectErrorEnvelope(res, 502, 'AI_UPSTREAM_ERROR');
    expect(body.details).toEqual({ ai_error: 'AI_OVERLOADED' });
    expect(res.text).not.toContain('Overloaded"');
  });

  it('20 calls per user per hour, then 429', async () => {
    const caller = await userWithPermissions(s.t, ['invoke_llm']);
    s.fake.setDefault(text('ok'));
    const results = await Promise.all(Array.from({ length: 22 }, () => invoke(caller, { prompt: 'hi' })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(20);
    for (const r of results.filter((x) => x.status !== 200)) expectErrorEnvelope(r, 429, 'RATE_LIMITED');
    expect(s.fake.requests).toHaveLength(20);
  });
});
