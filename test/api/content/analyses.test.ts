import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import {
  type ApiResponse,
  createTestApp,
  expectErrorEnvelope,
  issuePaths,
  registerUser,
  userWithPermissions,
  type TestApp,
  type TestUser,
} from '../../support/harness.js';
import { completeAnalysis, createAnalysis, IDEA, storeSections } from './helpers.js';

let t: TestApp;
let owner: TestUser;
let other: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  owner = await registerUser(t);
  other = await registerUser(t);
});
afterAll(async () => {
  await t.close();
});

const SERVER_OWNED = [
  ['status', 'completed'],
  ['report_type', 'premium'],
  ['report', { overview: {} }],
  ['market_fit_score', 99],
  ['user_id', '00000000-0000-4000-8000-000000000000'],
  ['sections', {}],
  ['credits', 100],
  ['id', '00000000-0000-4000-8000-000000000000'],
  ['ai_usage', { calls: 0 }],
  ['forced_runs', 0],
  ['generation_started_at', null],
  ['deleted_at', null],
  ['created_at', '2020-01-01T00:00:00Z'],
] as const;

describe('POST /api/analyses', () => {
  it('creates a pending free analysis with its two section slots and a feed entry, in ≤ 2 round trips', async () => {
    let res!: ApiResponse;
    const trips = await t.countRoundTrips(async () => {
      res = await t.request('POST', '/api/analyses', {
        token: owner.token,
        body: { business_idea: IDEA, industry: 'Food', location: 'Damascus', report_language: 'ar' },
      });
    });
    expect(res.status).toBe(201);
    expect(trips).toBeLessThanOrEqual(2);
    const a = res.body.data;
    expect(a).toMatchObject({ status: 'pending', report_type: 'free', report_language: 'ar', user_id: owner.id, market_fit_score: null });
    expect(a.report).toEqual({ overview: null, market: null });
    expect(Object.keys(a.sections)).toEqual(['overview', 'market']);
    expect(a.sections.overview.status).toBe('pending');
    expect(a.ai_usage).toEqual({ input_tokens: 0, output_tokens: 0, calls: 0 });

    const rows = await t.db.execute<{ section: string; status: string }>(
      sql`SELECT section, status FROM analysis_sections WHERE analysis_id = ${a.id} ORDER BY section`,
    );
    expect(rows.rows).toEqual([
      { section: 'market', status: 'pending' },
      { section: 'overview', status: 'pending' },
    ]);
    const feed = await t.request('GET', '/api/activity-feed', { token: owner.token });
    expect(feed.body.data.some((e: any) => e.action === 'analysis_created' && e.entity_id === a.id)).toBe(true);
  });

  it('validates the idea and the language, naming the fields', async () => {
    const res = await t.request('POST', '/api/analyses', { token: owner.token, body: { business_idea: 'too short' } });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res).sort()).toEqual(['business_idea', 'report_language']);
    const long = await t.request('POST', '/api/analyses', {
      token: owner.token,
      body: { business_idea: 'x'.repeat(10001), report_language: 'en' },
    });
    expect(issuePaths(long)).toEqual(['business_idea']);
  });

  it.each(SERVER_OWNED)('refuses the server-owned field %s (400 naming it)', async (field, value) => {
    const res = await t.request('POST', '/api/analyses', {
      token: owner.token,
      body: { business_idea: IDEA, report_language: 'en', [field]: value },
    });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toEqual([field]);
  });
});

describe('GET /api/analyses', () => {
  it('lists only own, non-deleted analyses as summaries, in ≤ 2 round trips in total', async () => {
    const user = await registerUser(t);
    const long = `${'ب'.repeat(300)} فكرة`;
    const mine = await createAnalysis(t, user, { business_idea: long });
    const gone = await createAnalysis(t, user);
    await createAnalysis(t, other);
    await t.request('DELETE', `/api/analyses/${gone.id}`, { token: user.token });

    let res!: ApiResponse;
    const trips = await t.countRoundTrips(async () => {
      res = await t.request('GET', '/api/analyses', { token: user.token });
    });
    expect(res.status).toBe(200);
    expect(trips).toBeLessThanOrEqual(2);
    expect(res.body.data.map((a: any) => a.id)).toEqual([mine.id]);
    const item = res.body.data[0];
    expect(Object.keys(item).sort()).toEqual(
      ['business_idea', 'created_at', 'id', 'industry', 'location', 'market_fit_score', 'report_language', 'report_type', 'status', 'updated_at'].sort(),
    );
    expect(Array.from(item.business_idea as string)).toHaveLength(280);
    expect(res.body.pagination).toEqual({ page: 1, per_page: 20, total: 1, pages: 1 });
  });

  it('pages correctly at the boundaries and refuses out-of-range paging', async () => {
    const user = await registerUser(t);
    const empty = await t.request('GET', '/api/analyses', { token: user.token });
    expect(empty.body.data).toEqual([]);
    expect(empty.body.pagination).toEqual({ page: 1, per_page: 20, total: 0, pages: 0 });

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createAnalysis(t, user, { business_idea: `${IDEA} number ${i}` })).id);
    const newestFirst = [...ids].reverse();
    const pages = [];
    for (const page of [1, 2, 3, 4]) {
      const res = await t.request('GET', `/api/analyses?per_page=2&page=${page}`, { token: user.token });
      expect(res.status).toBe(200);
      expect(res.body.pagination).toEqual({ page, per_page: 2, total: 5, pages: 3 });
      pages.push(res.body.data.map((a: any) => a.id));
    }
    expect(pages).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4), []]);

    const asc = await t.request('GET', '/api/analyses?sort=created_at&order=asc&per_page=5', { token: user.token });
    expect(asc.body.data.map((a: any) => a.id)).toEqual(ids);

    for (const bad of ['per_page=0', 'per_page=101', 'page=0', 'page=x', 'sort=business_idea', 'order=up', 'status=done', 'report_type=gold']) {
      const res = await t.request('GET', `/api/analyses?${bad}`, { token: user.token });
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(issuePaths(res)).toEqual([bad.split('=')[0]]);
    }
    const unknownParam = await t.request('GET', '/api/analyses?colour=blue', { token: user.token });
    expect(unknownParam.status).toBe(200);
  });

  it('filters by status, report_type and industry (ignoring case)', async () => {
    const user = await registerUser(t);
    const food = await createAnalysis(t, user, { industry: 'Food' });
    const tech = await createAnalysis(t, user, { industry: 'Tech' });
    await completeAnalysis(t, tech.id);
    await t.db.execute(sql`UPDATE analyses SET report_type = 'premium' WHERE id = ${tech.id}`);

    const ids = async (qs: string) =>
      (await t.request('GET', `/api/analyses?${qs}`, { token: user.token })).body.data.map((a: any) => a.id);
    expect(await ids('status=completed')).toEqual([tech.id]);
    expect(await ids('status=pending')).toEqual([food.id]);
    expect(await ids('report_type=premium')).toEqual([tech.id]);
    expect(await ids('industry=food')).toEqual([food.id]);
    expect(await ids('industry=FOOD&status=completed')).toEqual([]);
  });

  it('searches the idea with q, in Arabic too, with % and _ taken literally', async () => {
    const user = await registerUser(t);
    const arabic = await createAnalysis(t, user, { business_idea: 'منصة لبيع المنتجات اليدوية السورية عبر الإنترنت', report_language: 'ar' });
    const percent = await createAnalysis(t, user, { business_idea: 'A loyalty app giving 100% cashback_points to students' });
    await createAnalysis(t, user, { business_idea: 'An English-only idea about coffee roasting in Aleppo' });

    const search = async (q: string) =>
      (await t.request('GET', `/api/analyses?q=${encodeURIComponent(q)}`, { token: user.token })).body.data.map((a: any) => a.id);
    expect(await search('المنتجات اليدوية')).toEqual([arabic.id]);
    // Typed decomposed (alef + combining hamza below), stored composed: still found.
    const decomposed = 'الإنترنت'.normalize('NFD');
    expect(decomposed).not.toBe('الإنترنت');
    expect(await search(decomposed)).toEqual([arabic.id]);
    expect(await search('100%')).toEqual([percent.id]);
    expect(await search('cashback_')).toEqual([percent.id]);
    expect(await search('%')).toEqual([percent.id]);
    expect(await search('LOYALTY')).toEqual([percent.id]);
    expect(await search('لا يوجد')).toEqual([]);
  });
});

describe('GET /api/analyses/all', () => {
  it("lists everyone's analyses for view_analyses, filterable by user_id", async () => {
    const admin = await userWithPermissions(t, ['view_analyses']);
    const a = await createAnalysis(t, other);
    const res = await t.request('GET', `/api/analyses/all?user_id=${other.id}&per_page=100`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.data.some((x: any) => x.id === a.id && x.user_id === other.id)).toBe(true);
    expect(res.body.data.every((x: any) => x.user_id === other.id && !('report' in x))).toBe(true);
    expectErrorEnvelope(await t.request('GET', '/api/analyses/all', { token: owner.token }), 403, 'AUTHORIZATION_ERROR');
  });
});

describe('GET /api/analyses/:id', () => {
  it("is the owner's; another user gets 404; view_analyses sees it; a bad id is a 400 naming id", async () => {
    const a = await createAnalysis(t, owner);
    const mine = await t.request('GET', `/api/analyses/${a.id}`, { token: owner.token });
    expect(mine.status).toBe(200);
    expect(mine.body.data.id).toBe(a.id);
    expectErrorEnvelope(await t.request('GET', `/api/analyses/${a.id}`, { token: other.token }), 404, 'NOT_FOUND');
    const admin = await userWithPermissions(t, ['view_analyses']);
    const seen = await t.request('GET', `/api/analyses/${a.id}`, { token: admin.token });
    expect(seen.status).toBe(200);
    expect(seen.body.data.ai_usage).toBeDefined();
    const bad = await t.request('GET', '/api/analyses/not-a-uuid', { token: owner.token });
    expectErrorEnvelope(bad, 400, 'VALIDATION_ERROR');
    expect(issuePaths(bad)).toEqual(['id']);
  });

  it('never returns premium sections of a free report, even when their rows hold content', async () => {
    const a = await createAnalysis(t, owner);
    await completeAnalysis(t, a.id, ['business', 'technical', 'financial', 'strategy']);
    const res = await t.request('GET', `/api/analyses/${a.id}`, { token: owner.token });
    expect(Object.keys(res.body.data.report)).toEqual(['overview', 'market']);
    expect(Object.keys(res.body.data.sections)).toEqual(['overview', 'market']);
    expect(res.body.data.report.overview.value_proposition).toBe('OVERVIEW-CONTENT');
    expect(res.text).not.toMatch(/SECRET/);

    await t.db.execute(sql`UPDATE analyses SET report_type = 'premium' WHERE id = ${a.id}`);
    const premium = await t.request('GET', `/api/analyses/${a.id}`, { token: owner.token });
    expect(Object.keys(premium.body.data.report)).toEqual(['overview', 'market', 'business', 'technical', 'financial', 'strategy']);
    expect(premium.body.data.report.strategy.action_plan[0].title).toBe('STRATEGY-SECRET');
  });

  it('shows a section stuck in processing past AI_SECTION_TIMEOUT_S as failed, and the run as over', async () => {
    const a = await createAnalysis(t, owner);
    await storeSections(t, a.id, ['overview']);
    await t.db.execute(sql`
      UPDATE analysis_sections SET status = 'processing', started_at = now() - interval '2 hours'
      WHERE analysis_id = ${a.id} AND section = 'market'`);
    await t.db.execute(sql`UPDATE analyses SET status = 'processing', generation_started_at = now() WHERE id = ${a.id}`);
    const res = await t.request('GET', `/api/analyses/${a.id}`, { token: owner.token });
    expect(res.body.data.sections.market).toMatchObject({ status: 'failed', error_code: 'SECTION_TIMEOUT' });
    expect(res.body.data.sections.overview.status).toBe('completed');
    expect(res.body.data.status).toBe('failed');
  });
});

describe('PUT /api/analyses/:id', () => {
  it('edits idea fields while pending, and refuses them once generation started (409)', async () => {
    const a = await createAnalysis(t, owner);
    const res = await t.request('PUT', `/api/analyses/${a.id}`, {
      token: owner.token,
      body: { business_idea: `${IDEA} Now with delivery.`, industry: null, location: 'Aleppo' },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ business_idea: `${IDEA} Now with delivery.`, industry: null, location: 'Aleppo' });

    await t.db.execute(sql`UPDATE analyses SET generation_started_at = now(), status = 'processing' WHERE id = ${a.id}`);
    const locked = await t.request('PUT', `/api/analyses/${a.id}`, { token: owner.token, body: { location: 'Homs' } });
    expectErrorEnvelope(locked, 409, 'INVALID_STATE');
    // A run that failed before storing anything still counts as started.
    await t.db.execute(sql`UPDATE analyses SET status = 'pending' WHERE id = ${a.id}`);
    expectErrorEnvelope(await t.request('PUT', `/api/analyses/${a.id}`, { token: owner.token, body: { location: 'Homs' } }), 409, 'INVALID_STATE');
  });

  it('accepts a rating and feedback only once completed', async () => {
    const a = await createAnalysis(t, owner);
    expectErrorEnvelope(await t.request('PUT', `/api/analyses/${a.id}`, { token: owner.token, body: { user_rating: 4 } }), 409, 'INVALID_STATE');
    await completeAnalysis(t, a.id);
    const res = await t.request('PUT', `/api/analyses/${a.id}`, { token: owner.token, body: { user_rating: 4, user_feedback: 'Useful.' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ user_rating: 4, user_feedback: 'Useful.', status: 'completed' });
    expectErrorEnvelope(await t.request('PUT', `/api/analyses/${a.id}`, { token: owner.token, body: { industry: 'x' } }), 409, 'INVALID_STATE');

    for (const bad of [{ user_rating: 0 }, { user_rating: 6 }, { user_rating: 2.5 }, { user_feedback: 'x'.repeat(2001) }]) {
      const r = await t.request('PUT', `/api/analyses/${a.id}`, { token: owner.token, body: bad });
      expectErrorEnvelope(r, 400, 'VALIDATION_ERROR');
      expect(issuePaths(r)).toEqual(Object.keys(bad));
    }
  });

  it.each(SERVER_OWNED)('refuses the server-owned field %s (400 naming it, nothing changed)', async (field, value) => {
    const a = await createAnalysis(t, owner);
    const res = await t.request('PUT', `/api/analyses/${a.id}`, { token: owner.token, body: { location: 'Homs', [field]: value } });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toEqual([field]);
    const after = await t.request('GET', `/api/analyses/${a.id}`, { token: owner.token });
    expect(after.body.data).toMatchObject({ status: 'pending', report_type: 'free', location: null });
  });

  it("refuses an empty body, and another user's analysis (404, even for view_analyses)", async () => {
    const a = await createAnalysis(t, owner);
    expectErrorEnvelope(await t.request('PUT', `/api/analyses/${a.id}`, { token: owner.token, body: {} }), 400, 'VALIDATION_ERROR');
    expectErrorEnvelope(await t.request('PUT', `/api/analyses/${a.id}`, { token: other.token, body: { location: 'x' } }), 404, 'NOT_FOUND');
    const admin = await userWithPermissions(t, ['view_analyses', 'manage_analyses']);
    expectErrorEnvelope(await t.request('PUT', `/api/analyses/${a.id}`, { token: admin.token, body: { location: 'x' } }), 404, 'NOT_FOUND');
  });
});

describe('DELETE /api/analyses/:id', () => {
  it('soft-deletes own analysis once, records it in the feed, and hides it', async () => {
    const a = await createAnalysis(t, owner);
    const res = await t.request('DELETE', `/api/analyses/${a.id}`, { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ id: a.id });
    expectErrorEnvelope(await t.request('GET', `/api/analyses/${a.id}`, { token: owner.token }), 404, 'NOT_FOUND');
    expectErrorEnvelope(await t.request('DELETE', `/api/analyses/${a.id}`, { token: owner.token }), 404, 'NOT_FOUND');
    const row = await t.db.execute<{ deleted: boolean }>(sql`SELECT deleted_at IS NOT NULL AS deleted FROM analyses WHERE id = ${a.id}`);
    expect(row.rows[0]?.deleted).toBe(true);
    const feed = await t.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM activity_feed WHERE entity_id = ${a.id} AND action = 'analysis_deleted'`,
    );
    expect(feed.rows[0]?.n).toBe(1);
  });

  it("refuses someone else's analysis: 404 for users, 403 for view_analyses alone; manage_analyses deletes it, audited", async () => {
    const a = await createAnalysis(t, owner);
    expectErrorEnvelope(await t.request('DELETE', `/api/analyses/${a.id}`, { token: other.token }), 404, 'NOT_FOUND');
    const viewer = await userWithPermissions(t, ['view_analyses']);
    expectErrorEnvelope(await t.request('DELETE', `/api/analyses/${a.id}`, { token: viewer.token }), 403, 'AUTHORIZATION_ERROR');
    expect((await t.request('GET', `/api/analyses/${a.id}`, { token: owner.token })).status).toBe(200);

    const manager = await userWithPermissions(t, ['manage_analyses']);
    const res = await t.request('DELETE', `/api/analyses/${a.id}`, { token: manager.token });
    expect(res.status).toBe(200);
    expectErrorEnvelope(await t.request('GET', `/api/analyses/${a.id}`, { token: owner.token }), 404, 'NOT_FOUND');
    const logs = await t.db.execute<{ actor_id: string; action: string }>(
      sql`SELECT actor_id, action FROM audit_logs WHERE entity_id = ${a.id}`,
    );
    expect(logs.rows).toEqual([{ actor_id: manager.id, action: 'analysis.delete' }]);
    const feed = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM activity_feed WHERE entity_id = ${a.id} AND action = 'analysis_deleted'`);
    expect(feed.rows[0]?.n).toBe(0);
  });

  it('writes one feed entry when two deletes race', async () => {
    const a = await createAnalysis(t, owner);
    const results = await Promise.all([1, 2, 3].map(() => t.request('DELETE', `/api/analyses/${a.id}`, { token: owner.token })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 404, 404]);
    const feed = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM activity_feed WHERE entity_id = ${a.id} AND action = 'analysis_deleted'`);
    expect(feed.rows[0]?.n).toBe(1);
  });
});
