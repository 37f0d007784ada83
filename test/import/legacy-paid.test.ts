/**
 * SPEC-WAVE2 §16.1 `analyses.legacy_paid`: a premium report paid for in the Flask system is generated
 * (its failed or missing sections included) without a charge, and has nothing refundable.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { answerSections, createAnalysis, generate, ledgerOf, newUser, startAiSuite, type AiSuite } from '../api/ai/setup.js';
import { overloaded } from '../support/fake-anthropic.js';

let s: AiSuite;
beforeAll(async () => {
  s = await startAiSuite();
});
afterAll(() => s.close());

/** What the importer writes for a paid upstream premium report: premium, legacy_paid, sections failed/pending. */
async function importedPremium(userId: string, analysisId: string) {
  await s.t.db.execute(sql`UPDATE analyses SET report_type = 'premium', legacy_paid = true, status = 'failed' WHERE id = ${analysisId} AND user_id = ${userId}`);
  await s.t.db.execute(sql`
    INSERT INTO analysis_sections (analysis_id, section, status, error_code)
    SELECT ${analysisId}, s, CASE WHEN s = 'business' THEN 'failed' ELSE 'pending' END, CASE WHEN s = 'business' THEN 'legacy_invalid' END
    FROM unnest(ARRAY['overview', 'market', 'business', 'technical', 'financial', 'strategy']) AS s
    ON CONFLICT (analysis_id, section) DO UPDATE SET status = excluded.status, error_code = excluded.error_code`);
}

it('generates a legacy-paid premium report without booking a charge', async () => {
  const user = await newUser(s.t, 10);
  const id = await createAnalysis(s.t, user);
  await importedPremium(user.id, id);
  s.fake.setDefault(answerSections());
  const res = await generate(s.t, user, { analysis_id: id });
  expect(res.status, res.text).toBe(200);
  expect(res.body.data).toMatchObject({ status: 'completed', report_type: 'premium' });
  expect(await ledgerOf(s.t, id)).toEqual([]);
  const me = await s.t.request('GET', '/api/auth/me', { token: user.token });
  expect(me.body.data.credits).toBe(10);
});

it('a failed premium run of a legacy-paid report refunds nothing (there is no charge) and the user can retry free', async () => {
  const user = await newUser(s.t, 0);
  const id = await createAnalysis(s.t, user);
  await importedPremium(user.id, id);
  s.fake.reset();
  s.fake.setDefault(answerSections({ business: () => overloaded(), technical: () => overloaded(), financial: () => overloaded(), strategy: () => overloaded() }));
  const res = await generate(s.t, user, { analysis_id: id });
  expect(res.body.data).toMatchObject({ status: 'failed', report_type: 'premium' });
  expect(await ledgerOf(s.t, id)).toEqual([]);
  s.fake.reset();
  s.fake.setDefault(answerSections());
  const again = await generate(s.t, user, { analysis_id: id });
  expect(again.body.data.status).toBe('completed');
  expect(await ledgerOf(s.t, id)).toEqual([]);
});
