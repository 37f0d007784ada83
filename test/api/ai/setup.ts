// Shared set-up of the AI suites: the real app with ANTHROPIC_BASE_URL pointing at the fake Messages API,
// helpers to create analyses, script the fake per section, read SSE streams and check the ledger.
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { setAiTuning, type AiTuning } from '../../../src/ai/client.js';
import { fn, startFakeAnthropic, toolResult, type Behaviour, type FakeAnthropic, type FakeRequest } from '../../support/fake-anthropic.js';
import { createTestApp, ledgerInvariant, registerUser, type TestApp, type TestUser } from '../../support/harness.js';
import { SECTION_FIXTURES, sectionOf } from './fixtures.js';

export const MODEL = 'claude-sonnet-5-5';

/** Fast retries so fault tests take milliseconds, with the same shape as production. */
export const FAST_TUNING: Partial<AiTuning> = {
  attemptTimeoutMs: 2_000,
  backoffBaseMs: 20,
  backoffMaxMs: 100,
  maxRetryAfterMs: 2_000,
  sectionBudgetMs: 10_000,
  interactiveBudgetMs: 10_000,
};

export interface AiSuite {
  t: TestApp;
  fake: FakeAnthropic;
  close(): Promise<void>;
}

export async function startAiSuite(env: Record<string, string> = {}, tuning: Partial<AiTuning> = FAST_TUNING): Promise<AiSuite> {
  const fake = await startFakeAnthropic();
  const t = await createTestApp({ ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_MODEL: MODEL, ...env });
  const restore = setAiTuning(tuning);
  return {
    t,
    fake,
    async close() {
      restore();
      await t.close();
      await fake.close();
    },
  };
}

/** Every section request answered with its valid fixture (after optional per-section overrides). */
export function answerSections(overrides: Partial<Record<string, (req: FakeRequest) => Behaviour>> = {}): Behaviour {
  return fn((req) => {
    const section = sectionOf(req.forcedTool);
    const override = overrides[section];
    if (override) return override(req);
    const fixture = SECTION_FIXTURES[section];
    if (!fixture) throw new Error(`unexpected request for tool ${req.forcedTool}`);
    return toolResult(fixture);
  });
}

export async function createAnalysis(t: TestApp, user: TestUser, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await t.request('POST', '/api/analyses', {
    token: user.token,
    body: { business_idea: 'Home-cooked meal delivery for working parents in Damascus', report_language: 'en', ...extra },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.data.id as string;
}

export async function upgrade(t: TestApp, user: TestUser, id: string) {
  return t.request('POST', `/api/analyses/${id}/upgrade-premium`, { token: user.token });
}

export async function premiumAnalysis(t: TestApp, user: TestUser, extra: Record<string, unknown> = {}): Promise<string> {
  const id = await createAnalysis(t, user, extra);
  const res = await upgrade(t, user, id);
  expect(res.status, res.text).toBe(200);
  return id;
}

export const generate = (t: TestApp, user: TestUser, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  t.request('POST', '/api/ai/generate-analysis', { token: user.token, body, headers });

export interface SseEvent {
  event: string;
  data: any;
}

/** Parses an SSE body into events (comment lines such as keep-alives are skipped). */
export function parseSse(text: string): SseEvent[] {
  return text
    .split(/\n\n/)
    .map((block) => block.split('\n').filter((line) => line && !line.startsWith(':')))
    .filter((lines) => lines.length > 0)
    .map((lines) => {
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      return { event, data: data ? JSON.parse(data) : null };
    });
}

export async function newUser(t: TestApp, credits?: number): Promise<TestUser> {
  const user = await registerUser(t);
  if (credits !== undefined) {
    // Through the ledger, so the balance = sum of ledger invariant keeps holding.
    const delta = credits - 3;
    if (delta !== 0) {
      await t.db.execute(sql`
        WITH b AS (UPDATE users SET credits = credits + ${delta} WHERE id = ${user.id} RETURNING credits)
        INSERT INTO transactions (user_id, type, credits, balance_after, description)
        SELECT ${user.id}, 'adjustment', ${delta}, b.credits, 'test set-up' FROM b`);
    }
  }
  return user;
}

export async function expectLedgerConsistent(t: TestApp, userId: string): Promise<number> {
  const { balance, ledgerSum } = await ledgerInvariant(t, userId);
  expect(balance).toBe(ledgerSum);
  return balance;
}

export async function ledgerOf(t: TestApp, analysisId: string) {
  const rows = await t.db.execute<{ id: string; type: string; credits: number; refunded_by: string | null; reference_id: string }>(sql`
    SELECT id, type, credits, refunded_by, reference_id FROM transactions
    WHERE reference_id = ${analysisId}
       OR reference_id IN (SELECT id FROM transactions WHERE reference_id = ${analysisId})
    ORDER BY created_at, type`);
  return rows.rows.map((r) => ({ ...r, credits: Number(r.credits) }));
}

export async function sectionRows(t: TestApp, analysisId: string) {
  const rows = await t.db.execute<{ section: string; status: string; error_code: string | null; content: unknown }>(
    sql`SELECT section, status, error_code, content FROM analysis_sections WHERE analysis_id = ${analysisId} ORDER BY section`,
  );
  return Object.fromEntries(rows.rows.map((r) => [r.section, r]));
}
