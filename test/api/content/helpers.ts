/**
 * Shared steps of the content suites: create an analysis through the API, and simulate what the AI
 * engine stores (section contents written directly with SQL, as a finished run would leave them).
 */
import { sql } from 'drizzle-orm';
import type { TestApp, TestUser } from '../../support/harness.js';

export const IDEA = 'A marketplace connecting home cooks in Damascus with office workers who want lunch.';

export async function createAnalysis(t: TestApp, user: TestUser, overrides: Record<string, unknown> = {}): Promise<any> {
  const res = await t.request('POST', '/api/analyses', {
    token: user.token,
    body: { business_idea: IDEA, report_language: 'en', ...overrides },
  });
  if (res.status !== 201) throw new Error(`create analysis failed: ${res.status} ${res.text}`);
  return res.body.data;
}

export const SAMPLE_SECTIONS: Record<string, Record<string, unknown>> = {
  overview: { market_fit_score: 72, time_to_build_months: 4, competitors_count: 3, starting_cost_usd: 5000, value_proposition: 'OVERVIEW-CONTENT' },
  market: { swot: { strengths: ['MARKET-CONTENT'], weaknesses: [], opportunities: [], threats: [] } },
  business: { kpis: [{ metric: 'BUSINESS-SECRET', target: '10', measurement_frequency: 'weekly' }] },
  technical: { mvp: { core_features: ['TECHNICAL-SECRET'], scope: 's', timeline: 't' } },
  financial: { revenue_streams: [{ name: 'FINANCIAL-SECRET' }] },
  strategy: { action_plan: [{ step_number: 1, title: 'STRATEGY-SECRET' }] },
};

/** Marks the given sections completed with SAMPLE_SECTIONS content (creating rows when missing). */
export async function storeSections(t: TestApp, analysisId: string, sections: string[]) {
  for (const section of sections) {
    await t.db.execute(sql`
      INSERT INTO analysis_sections (analysis_id, section, status, content, updated_at)
      VALUES (${analysisId}, ${section}, 'completed', ${JSON.stringify(SAMPLE_SECTIONS[section])}::jsonb, now())
      ON CONFLICT (analysis_id, section) DO UPDATE SET status = 'completed', content = excluded.content, updated_at = now()`);
  }
}

/** A finished free report: overview + market completed, analysis completed. */
export async function completeAnalysis(t: TestApp, analysisId: string, extraSections: string[] = []) {
  await storeSections(t, analysisId, ['overview', 'market', ...extraSections]);
  await t.db.execute(sql`
    UPDATE analyses SET status = 'completed', market_fit_score = 72, generation_started_at = now() WHERE id = ${analysisId}`);
}
