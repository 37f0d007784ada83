// Latency and tokens of a premium report against the fake with a per-call latency L: the six sections run
// concurrently, so the report costs about one L (not 6 L); a lower concurrency bound is respected.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAiTuning } from '../../../src/ai/client.js';
import { delay, fn, toolResult } from '../../support/fake-anthropic.js';
import { SECTION_FIXTURES, sectionOf } from './fixtures.js';
import { generate, newUser, premiumAnalysis, startAiSuite, type AiSuite } from './setup.js';

const L = 600;
let s: AiSuite;
beforeAll(async () => {
  s = await startAiSuite();
});
afterAll(() => s.close());

async function timedPremiumReport(latency = L) {
  s.fake.setDefault(fn((req) => delay(latency, toolResult(SECTION_FIXTURES[sectionOf(req.forcedTool)]))));
  const user = await newUser(s.t, 10);
  const id = await premiumAnalysis(s.t, user);
  s.fake.requests.length = 0;
  const started = performance.now();
  const res = await generate(s.t, user, { analysis_id: id });
  const elapsed = performance.now() - started;
  expect(res.body.data.status).toBe('completed');
  const arrivals = s.fake.requests.map((r) => r.forcedTool);
  return { id, elapsed, arrivals, usage: res.body.data.ai_usage };
}

describe(`premium report with per-call latency L = ${L} ms`, () => {
  it('takes about L, not 6 L, and records its tokens', async () => {
    await timedPremiumReport(0); // warm-up (module loading, first connections)
    const baseline = (await timedPremiumReport(0)).elapsed; // the run's own work: database round trips, SDK
    const { id, elapsed, usage } = await timedPremiumReport();
    const perSection = await s.t.db.execute<{ section: string; input_tokens: number; output_tokens: number }>(
      sql`SELECT section, input_tokens, output_tokens FROM ai_usage WHERE analysis_id = ${id} ORDER BY section`,
    );
    console.log(
      `premium report: ${Math.round(elapsed)} ms with L = ${L} ms (${(elapsed / L).toFixed(2)} L); ` +
        `${Math.round(baseline)} ms with L = 0, so the model calls cost ${((elapsed - baseline) / L).toFixed(2)} L; tokens: ` +
        `${usage.input_tokens} in / ${usage.output_tokens} out over ${usage.calls} calls; per section: ` +
        perSection.rows.map((r) => `${r.section} ${r.input_tokens}/${r.output_tokens}`).join(', '),
    );
    expect(elapsed).toBeGreaterThanOrEqual(L);
    expect(elapsed).toBeLessThan(3 * L); // 6 sequential calls would be ≥ 6 L; headroom for a loaded machine
    expect(elapsed - baseline).toBeLessThan(1.5 * L);
    expect(usage.calls).toBe(6);
    expect(usage.input_tokens).toBeGreaterThan(0);
    expect(usage.output_tokens).toBeGreaterThan(0);
  });

  it('respects the concurrency bound (2 at a time → about 3 L)', async () => {
    const restore = setAiTuning({ sectionConcurrency: 2 });
    try {
      const { elapsed } = await timedPremiumReport();
      console.log(`premium report with sectionConcurrency 2: ${Math.round(elapsed)} ms (${(elapsed / L).toFixed(2)} L)`);
      expect(elapsed).toBeGreaterThanOrEqual(3 * L);
      expect(elapsed).toBeLessThan(4 * L);
    } finally {
      restore();
    }
  });
});
