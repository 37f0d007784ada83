// The stale-section sweep: sections stuck in `processing` longer than AI_SECTION_TIMEOUT_S are failed
// (a forced regeneration keeps its previous content), the run is ended and the refund rule applied —
// from the maintenance task (Worker cron / Node interval) and on the next generate request.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STALE_SECTION_ERROR_CODE } from '../../../src/services/analyses.js';
import { runMaintenance } from '../../../src/services/maintenance.js';
import { sweepStaleSections } from '../../../src/services/report-finish.js';
import { storeSection } from '../../../src/services/report-runs.js';
import type { TestUser } from '../../support/harness.js';
import { BUSINESS } from './fixtures.js';
import { answerSections, expectLedgerConsistent, generate, ledgerOf, MODEL, newUser, premiumAnalysis, sectionRows, startAiSuite, type AiSuite } from './setup.js';

let s: AiSuite;
let user: TestUser;
beforeAll(async () => {
  s = await startAiSuite({ AI_SECTION_TIMEOUT_S: '60' });
});
afterAll(() => s.close());
beforeEach(async () => {
  s.fake.reset();
  user = await newUser(s.t, 10);
});

const PREMIUM_ONLY = sql`('business', 'technical', 'financial', 'strategy')`;

/** A premium report whose run died: free sections completed, premium-only sections stuck `ageSeconds` ago. */
async function stuckPremium(ageSeconds: number) {
  s.fake.setDefault(answerSections());
  const id = await premiumAnalysis(s.t, user);
  await generate(s.t, user, { analysis_id: id, sections: ['overview', 'market'] });
  await s.t.db.execute(sql`UPDATE analysis_sections SET status = 'processing', started_at = now() - make_interval(secs => ${ageSeconds})
                           WHERE analysis_id = ${id} AND section IN ${PREMIUM_ONLY}`);
  await s.t.db.execute(sql`UPDATE analyses SET status = 'processing' WHERE id = ${id}`);
  s.fake.reset();
  return id;
}

describe('maintenance sweep', () => {
  it('fails stuck sections, ends the run and refunds the charge exactly', async () => {
    const id = await stuckPremium(700);
    expect(await expectLedgerConsistent(s.t, user.id)).toBe(9);
    await runMaintenance(s.t.db, s.t.config);
    const rows = await sectionRows(s.t, id);
    for (const section of ['business', 'technical', 'financial', 'strategy']) {
      expect(rows[section]).toMatchObject({ status: 'failed', error_code: STALE_SECTION_ERROR_CODE, content: null });
    }
    expect(rows.overview!.status).toBe('completed');
    const a = await s.t.request('GET', `/api/analyses/${id}`, { token: user.token });
    expect(a.body.data).toMatchObject({ status: 'failed', report_type: 'premium' });
    expect((await ledgerOf(s.t, id)).map((l) => [l.type, l.credits])).toEqual([['analysis_charge', -1], ['refund', 1]]);
    expect(await expectLedgerConsistent(s.t, user.id)).toBe(10);
    const notes = await s.t.db.execute<{ type: string; data: { refunded_credits: number } }>(
      sql`SELECT type, data FROM notifications WHERE user_id = ${user.id} AND type = 'analysis_failed'`,
    );
    expect(notes.rows.map((n) => n.data.refunded_credits)).toEqual([1]);
    await runMaintenance(s.t.db, s.t.config); // idempotent: nothing left to sweep, no second refund
    expect((await ledgerOf(s.t, id)).length).toBe(2);
  });

  it('leaves live sections alone', async () => {
    const id = await stuckPremium(10);
    await runMaintenance(s.t.db, s.t.config);
    expect((await sectionRows(s.t, id)).business!.status).toBe('processing');
    expect((await ledgerOf(s.t, id)).length).toBe(1);
  });

  it('a stuck forced regeneration keeps the previous valid content (completed), and is never refunded', async () => {
    s.fake.setDefault(answerSections());
    const id = await premiumAnalysis(s.t, user);
    await generate(s.t, user, { analysis_id: id });
    await s.t.db.execute(sql`UPDATE analysis_sections SET status = 'processing', started_at = now() - interval '700 seconds'
                             WHERE analysis_id = ${id}`);
    await runMaintenance(s.t.db, s.t.config);
    const rows = await sectionRows(s.t, id);
    expect(rows.business).toMatchObject({ status: 'completed', error_code: STALE_SECTION_ERROR_CODE, content: BUSINESS });
    expect((await s.t.request('GET', `/api/analyses/${id}`, { token: user.token })).body.data.status).toBe('completed');
    expect((await ledgerOf(s.t, id)).map((l) => l.type)).toEqual(['analysis_charge']);
  });

  it('a run that lost its claim cannot store its late result', async () => {
    const id = await stuckPremium(700);
    const claimed = await s.t.db.execute<{ at: string }>(
      sql`SELECT started_at::text AS at FROM analysis_sections WHERE analysis_id = ${id} AND section = 'business'`,
    );
    await runMaintenance(s.t.db, s.t.config);
    const stored = await storeSection(s.t.db, {
      analysisId: id, userId: user.id, model: MODEL, section: 'business', claimedAt: claimed.rows[0]!.at, records: [], content: BUSINESS,
    });
    expect(stored).toBe(false);
    expect((await sectionRows(s.t, id)).business!.content).toBeNull();
  });
});

describe('on the next request', () => {
  it('generate settles a dead run first (refund), then re-charges and completes', async () => {
    const id = await stuckPremium(700);
    s.fake.setDefault(answerSections());
    const res = await generate(s.t, user, { analysis_id: id });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.status).toBe('completed');
    expect(s.fake.requests).toHaveLength(4);
    expect((await ledgerOf(s.t, id)).map((l) => [l.type, l.credits, l.refunded_by ? 'refunded' : 'open'])).toEqual([
      ['analysis_charge', -1, 'refunded'],
      ['refund', 1, 'open'],
      ['analysis_charge', -1, 'open'],
    ]);
    expect(await expectLedgerConsistent(s.t, user.id)).toBe(9);
  });

  it('GET /analyses/:id settles a dead run before answering: failed, refunded and notified at once, no sweep needed', async () => {
    const id = await stuckPremium(700);
    const a = await s.t.request('GET', `/api/analyses/${id}`, { token: user.token });
    expect(a.body.data.sections.business).toMatchObject({ status: 'failed', error_code: STALE_SECTION_ERROR_CODE });
    expect(a.body.data.status).toBe('failed');
    // Stored, not only shown: the refund is booked and the owner notified by the read itself.
    expect((await sectionRows(s.t, id)).business!.status).toBe('failed');
    expect((await ledgerOf(s.t, id)).map((l) => [l.type, l.credits])).toEqual([['analysis_charge', -1], ['refund', 1]]);
    expect(await expectLedgerConsistent(s.t, user.id)).toBe(10);
    const notes = await s.t.db.execute(sql`SELECT 1 FROM notifications WHERE user_id = ${user.id} AND type = 'analysis_failed'`);
    expect(notes.rows).toHaveLength(1);
    // Reading again settles nothing twice.
    await s.t.request('GET', `/api/analyses/${id}`, { token: user.token });
    expect((await ledgerOf(s.t, id)).length).toBe(2);
  });

  it('a read of a live run writes nothing (no settling while sections are within the timeout)', async () => {
    const id = await stuckPremium(30);
    const { stats } = s.t.database.endpoint;
    const before = stats.roundTrips;
    const a = await s.t.request('GET', `/api/analyses/${id}`, { token: user.token });
    expect(a.body.data.sections.business.status).toBe('processing');
    expect(stats.roundTrips - before).toBe(2);
  });

  it('AI_SECTION_TIMEOUT_S (60 s in this suite) is the threshold for claims and reads', async () => {
    const live = await stuckPremium(45);
    expect((await generate(s.t, user, { analysis_id: live })).status).toBe(409);
    const stale = await stuckPremium(90);
    s.fake.setDefault(answerSections());
    const res = await generate(s.t, user, { analysis_id: stale });
    expect(res.body.data.status).toBe('completed');
  });

  it('the sweep takes its threshold as a parameter', async () => {
    const id = await stuckPremium(90);
    expect(await sweepStaleSections(s.t.db, 600, id)).toBe(0);
    expect(await sweepStaleSections(s.t.db, 60, id)).toBe(1);
    expect((await sectionRows(s.t, id)).business!.status).toBe('failed');
  });
});
