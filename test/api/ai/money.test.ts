// Money rules of SPEC §10: one charge under concurrency, exact refunds of runs that deliver no premium
// section, re-charge after a refund, free retries of a paid report; balance = ledger after every scenario.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { delay, fn, overloaded, toolResult } from '../../support/fake-anthropic.js';
import { expectErrorEnvelope, registerUser, type TestUser } from '../../support/harness.js';
import { SECTION_FIXTURES, sectionOf } from './fixtures.js';
import {
  answerSections, createAnalysis, expectLedgerConsistent, generate, ledgerOf, newUser, premiumAnalysis, sectionRows, startAiSuite, upgrade,
  type AiSuite,
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

const PREMIUM_ONLY = ['business', 'technical', 'financial', 'strategy'];
const failPremiumOnly = () => answerSections(Object.fromEntries(PREMIUM_ONLY.map((p) => [p, () => overloaded()])));
const types = async (id: string) => (await ledgerOf(s.t, id)).map((l) => [l.type, l.credits, l.refunded_by === null ? 'open' : 'refunded']);

describe('upgrade-premium', () => {
  it('charges premium_report_cost once, even for 6 concurrent requests', async () => {
    const id = await createAnalysis(s.t, user);
    const results = await Promise.all(Array.from({ length: 6 }, () => upgrade(s.t, user, id)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expectErrorEnvelope(r, 409, 'INVALID_STATE');
    expect(await types(id)).toEqual([['analysis_charge', -1, 'open']]);
    expect(await expectLedgerConsistent(s.t, user.id)).toBe(9);
    const ok = results.find((r) => r.status === 200)!.body.data;
    expect(ok.report_type).toBe('premium');
    expect(Object.keys(ok.sections).sort()).toEqual(['business', 'financial', 'market', 'overview', 'strategy', 'technical']);
    expectErrorEnvelope(await upgrade(s.t, user, id), 409, 'INVALID_STATE'); // a second upgrade later, too
  });

  it('costs 2 round trips with auth (one batch), reads the cost as it stands, and answers 404 for a foreign or unknown id', async () => {
    const id = await createAnalysis(s.t, user);
    await s.t.db.execute(sql`INSERT INTO system_settings (key, value) VALUES ('premium_report_cost', '3'::jsonb)
                             ON CONFLICT (key) DO UPDATE SET value = '3'::jsonb`);
    try {
      const res = await upgrade(s.t, user, id);
      expect(res.status).toBe(200);
      expect(res.cost.roundTrips).toBe(2);
      expect(await types(id)).toEqual([['analysis_charge', -3, 'open']]);
      const activity = await s.t.db.execute<{ data: unknown }>(
        sql`SELECT data FROM activity_feed WHERE entity_id = ${id} AND action = 'analysis_upgraded'`,
      );
      expect(activity.rows.map((r) => r.data)).toEqual([{ credits: 3 }]);
    } finally {
      await s.t.db.execute(sql`DELETE FROM system_settings WHERE key = 'premium_report_cost'`);
    }
    const stranger = await newUser(s.t, 10);
    expectErrorEnvelope(await upgrade(s.t, stranger, id), 404, 'NOT_FOUND');
    expectErrorEnvelope(await upgrade(s.t, user, '00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND');
    expect(await expectLedgerConsistent(s.t, stranger.id)).toBe(10);
  });

  it('402 without enough credits: still free, nothing booked', async () => {
    const poor = await newUser(s.t, 0);
    const id = await createAnalysis(s.t, poor);
    expectErrorEnvelope(await upgrade(s.t, poor, id), 402, 'INSUFFICIENT_CREDITS');
    const a = await s.t.request('GET', `/api/analyses/${id}`, { token: poor.token });
    expect(a.body.data.report_type).toBe('free');
    expect(Object.keys(await sectionRows(s.t, id)).sort()).toEqual(['market', 'overview']);
    expect(await expectLedgerConsistent(s.t, poor.id)).toBe(0);
  });

  it('a completed free report goes back to pending, then only the premium sections are generated', async () => {
    s.fake.setDefault(answerSections());
    const id = await createAnalysis(s.t, user);
    expect((await generate(s.t, user, { analysis_id: id })).body.data.status).toBe('completed');
    const up = await upgrade(s.t, user, id);
    expect(up.body.data).toMatchObject({ status: 'pending', report_type: 'premium' });
    expect(up.body.data.report.business).toBeNull();
    s.fake.reset();
    s.fake.setDefault(answerSections());
    const res = await generate(s.t, user, { analysis_id: id });
    expect(res.body.data.status).toBe('completed');
    expect(s.fake.requests.map((r) => sectionOf(r.forcedTool)).sort()).toEqual([...PREMIUM_ONLY].sort());
    expect(await types(id)).toEqual([['analysis_charge', -1, 'open']]);
  });
});

describe('refunds and re-charges', () => {
  it('free sections delivered but no premium-only section → refunded exactly; stays premium; the next run charges again', async () => {
    s.fake.setDefault(failPremiumOnly());
    const id = await premiumAnalysis(s.t, user);
    const res = await generate(s.t, user, { analysis_id: id });
    expect(res.status).toBe(200); // overview and market were stored
    expect(res.body.data).toMatchObject({ status: 'failed', report_type: 'premium' });
    expect(await types(id)).toEqual([['analysis_charge', -1, 'refunded'], ['refund', 1, 'open']]);
    expect(await expectLedgerConsistent(s.t, user.id)).toBe(10);

    s.fake.reset();
    s.fake.setDefault(answerSections());
    const again = await generate(s.t, user, { analysis_id: id });
    expect(again.body.data.status).toBe('completed');
    expect(s.fake.requests).toHaveLength(4); // only the failed premium sections
    expect(await types(id)).toEqual([['analysis_charge', -1, 'refunded'], ['refund', 1, 'open'], ['analysis_charge', -1, 'open']]);
    expect(await expectLedgerConsistent(s.t, user.id)).toBe(9);
  });

  it('a run of only the free sections after an upgrade keeps the charge (it did not try the premium sections)', async () => {
    s.fake.setDefault(answerSections());
    const id = await premiumAnalysis(s.t, user);
    const res = await generate(s.t, user, { analysis_id: id, sections: ['overview', 'market'] });
    expect(res.body.data.status).toBe('pending'); // nothing failed, premium sections not generated yet
    expect(await types(id)).toEqual([['analysis_charge', -1, 'open']]);
    expect(await expectLedgerConsistent(s.t, user.id)).toBe(9);
  });

  it('refunds what was charged, even if premium_report_cost changed since', async () => {
    s.fake.setDefault(overloaded());
    const id = await premiumAnalysis(s.t, user);
    await s.t.db.execute(sql`INSERT INTO system_settings (key, value) VALUES ('premium_report_cost', '3'::jsonb)
                             ON CONFLICT (key) DO UPDATE SET value = '3'::jsonb`);
    try {
      expectErrorEnvelope(await generate(s.t, user, { analysis_id: id }), 502, 'AI_UPSTREAM_ERROR');
      expect(await types(id)).toEqual([['analysis_charge', -1, 'refunded'], ['refund', 1, 'open']]);
      expect(await expectLedgerConsistent(s.t, user.id)).toBe(10);
    } finally {
      await s.t.db.execute(sql`DELETE FROM system_settings WHERE key = 'premium_report_cost'`);
    }
  });

  it('a partial failure is never refunded, and retrying the failed section is free', async () => {
    s.fake.setDefault(answerSections({ technical: () => overloaded() }));
    const id = await premiumAnalysis(s.t, user);
    const res = await generate(s.t, user, { analysis_id: id });
    expect(res.body.data.status).toBe('failed');
    expect(res.body.data.sections.technical).toMatchObject({ status: 'failed', error_code: 'AI_OVERLOADED' });
    expect(await types(id)).toEqual([['analysis_charge', -1, 'open']]);

    s.fake.reset();
    s.fake.setDefault(answerSections());
    const retry = await generate(s.t, user, { analysis_id: id });
    expect(retry.body.data.status).toBe('completed');
    expect(s.fake.requests.map((r) => r.forcedTool)).toEqual(['report_technical']);
    expect(await types(id)).toEqual([['analysis_charge', -1, 'open']]);
    expect(await expectLedgerConsistent(s.t, user.id)).toBe(9);
  });

  it('concurrent generations of an unpaid (refunded) report: one run, one charge', async () => {
    s.fake.setDefault(overloaded());
    const id = await premiumAnalysis(s.t, user);
    await generate(s.t, user, { analysis_id: id }); // refunded: premium and unpaid now
    s.fake.reset();
    s.fake.setDefault(fn((req) => delay(200, toolResult(SECTION_FIXTURES[sectionOf(req.forcedTool)]))));
    const results = await Promise.all(Array.from({ length: 5 }, () => generate(s.t, user, { analysis_id: id })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expectErrorEnvelope(r, 409, 'INVALID_STATE');
    expect(s.fake.requests).toHaveLength(6);
    expect(await types(id)).toEqual([['analysis_charge', -1, 'refunded'], ['refund', 1, 'open'], ['analysis_charge', -1, 'open']]);
    expect(await expectLedgerConsistent(s.t, user.id)).toBe(9);
  });

  it('the re-charge needs credits: 402 before anything is claimed or sent', async () => {
    const poor = await newUser(s.t, 1);
    s.fake.setDefault(overloaded());
    const id = await premiumAnalysis(s.t, poor);
    await generate(s.t, poor, { analysis_id: id }); // refunded → balance 1 again
    await s.t.db.execute(sql`
      WITH b AS (UPDATE users SET credits = credits - 1 WHERE id = ${poor.id} RETURNING credits)
      INSERT INTO transactions (user_id, type, credits, balance_after) SELECT ${poor.id}, 'adjustment', -1, b.credits FROM b`);
    s.fake.reset();
    expectErrorEnvelope(await generate(s.t, poor, { analysis_id: id }), 402, 'INSUFFICIENT_CREDITS');
    expect(s.fake.requests).toHaveLength(0);
    expect(Object.values(await sectionRows(s.t, id)).map((r) => r.status)).not.toContain('processing');
    expect(await expectLedgerConsistent(s.t, poor.id)).toBe(0);
  });

  it('a free report is never charged', async () => {
    s.fake.setDefault(overloaded());
    const id = await createAnalysis(s.t, user);
    expectErrorEnvelope(await generate(s.t, user, { analysis_id: id }), 502, 'AI_UPSTREAM_ERROR');
    expect(await types(id)).toEqual([]);
    expect(await expectLedgerConsistent(s.t, user.id)).toBe(10);
  });
});

describe('referral bonus', () => {
  it('pays the referrer when the referred user’s first premium report completes (approved payment on file)', async () => {
    const referrer = await registerUser(s.t);
    const code = (await s.t.request('GET', '/api/auth/me', { token: referrer.token })).body.data.referral_code;
    const referred = await registerUser(s.t, { referral_code: code });
    await s.t.db.execute(sql`
      INSERT INTO payments (user_id, package_id, payment_method_id, credits, list_price_usd, amount_usd, payment_proof, status, reviewed_at)
      SELECT ${referred.id}, (SELECT id FROM credit_packages LIMIT 1), (SELECT id FROM payment_methods LIMIT 1), 5, 10, 10,
             'https://example.com/proof.png', 'approved', now()`);
    s.fake.setDefault(answerSections());
    const id = await premiumAnalysis(s.t, referred);
    expect((await generate(s.t, referred, { analysis_id: id })).body.data.status).toBe('completed');
    const bonus = await s.t.db.execute<{ credits: number }>(
      sql`SELECT credits FROM transactions WHERE user_id = ${referrer.id} AND type = 'referral_bonus'`,
    );
    expect(bonus.rows.map((r) => Number(r.credits))).toEqual([5]);
    await expectLedgerConsistent(s.t, referrer.id);
    await expectLedgerConsistent(s.t, referred.id);
  });
});
