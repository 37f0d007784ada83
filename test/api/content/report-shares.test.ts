import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { createTestApp, expectErrorEnvelope, issuePaths, registerUser, type TestApp, type TestUser } from '../../support/harness.js';
import { completeAnalysis, createAnalysis, storeSections } from './helpers.js';

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

async function completedAnalysis(user: TestUser, extra: Record<string, unknown> = {}) {
  const a = await createAnalysis(t, user, { industry: 'Food', location: 'Damascus', ...extra });
  await completeAnalysis(t, a.id);
  return a;
}

async function share(user: TestUser, analysisId: string, body: Record<string, unknown> = {}) {
  const res = await t.request('POST', '/api/report-shares', { token: user.token, body: { analysis_id: analysisId, ...body } });
  if (res.status !== 201) throw new Error(`share failed: ${res.status} ${res.text}`);
  return res.body.data as { id: string; token: string; url: string };
}

const open = (token: string) => t.request('GET', `/api/report-shares/public/${token}`);

describe('POST /api/report-shares', () => {
  it('shares own completed analysis: a 256-bit token returned once, only its SHA-256 stored', async () => {
    const a = await completedAnalysis(owner);
    const res = await t.request('POST', '/api/report-shares', { token: owner.token, body: { analysis_id: a.id } });
    expect(res.status).toBe(201);
    const s = res.body.data;
    expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.url).toBe(`/api/report-shares/public/${s.token}`);
    expect(s).toMatchObject({ analysis_id: a.id, is_active: true, expires_at: null, view_count: 0 });
    const stored = await t.db.execute<{ token_hash: string; row: string }>(
      sql`SELECT token_hash, row_to_json(r)::text AS row FROM report_shares r WHERE id = ${s.id}`,
    );
    expect(stored.rows[0]?.token_hash).toBe(createHash('sha256').update(s.token).digest('hex'));
    expect(stored.rows[0]?.row).not.toContain(s.token);
    const listed = await t.request('GET', '/api/report-shares', { token: owner.token });
    expect(listed.text).not.toContain(s.token);
    const feed = await t.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM activity_feed WHERE entity_id = ${s.id} AND action = 'share_created' AND user_id = ${owner.id}`,
    );
    expect(feed.rows[0]?.n).toBe(1);
    expect(new Set([s.token, (await share(owner, a.id)).token]).size).toBe(2);
  });

  it("refuses someone else's analysis, an unknown or deleted one (404), and writes nothing", async () => {
    const theirs = await completedAnalysis(other);
    const deleted = await completedAnalysis(owner);
    await t.request('DELETE', `/api/analyses/${deleted.id}`, { token: owner.token });
    for (const id of [theirs.id, deleted.id, '00000000-0000-4000-8000-000000000000']) {
      expectErrorEnvelope(await t.request('POST', '/api/report-shares', { token: owner.token, body: { analysis_id: id } }), 404, 'NOT_FOUND');
    }
    const rows = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM report_shares WHERE analysis_id IN (${theirs.id}, ${deleted.id})`);
    expect(rows.rows[0]?.n).toBe(0);
    const feed = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM activity_feed WHERE user_id = ${owner.id} AND action = 'share_created' AND data->>'analysis_id' = ${theirs.id}`);
    expect(feed.rows[0]?.n).toBe(0);
  });

  it('refuses an analysis that is not completed (409 INVALID_STATE)', async () => {
    const a = await createAnalysis(t, owner);
    expectErrorEnvelope(await t.request('POST', '/api/report-shares', { token: owner.token, body: { analysis_id: a.id } }), 409, 'INVALID_STATE');
  });

  it('validates expires_at (future only) and refuses unknown fields', async () => {
    const a = await completedAnalysis(owner);
    const past = await t.request('POST', '/api/report-shares', {
      token: owner.token,
      body: { analysis_id: a.id, expires_at: new Date(Date.now() - 60_000).toISOString() },
    });
    expectErrorEnvelope(past, 400, 'VALIDATION_ERROR');
    expect(issuePaths(past)).toEqual(['expires_at']);
    const extra = await t.request('POST', '/api/report-shares', {
      token: owner.token,
      body: { analysis_id: a.id, user_id: other.id, token: 'mine', view_count: 5 },
    });
    expect(issuePaths(extra).sort()).toEqual(['token', 'user_id', 'view_count']);
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const ok = await t.request('POST', '/api/report-shares', { token: owner.token, body: { analysis_id: a.id, expires_at: future } });
    expect(ok.status).toBe(201);
    expect(ok.body.data.expires_at).toBe(future);
  });
});

describe('GET /api/report-shares/public/:token', () => {
  it('shows the sanitized report: no ids, email, rating, feedback, errors or premium sections of a free report', async () => {
    const a = await completedAnalysis(owner);
    await storeSections(t, a.id, ['business', 'technical', 'financial', 'strategy']);
    await t.request('PUT', `/api/analyses/${a.id}`, { token: owner.token, body: { user_rating: 2, user_feedback: 'PRIVATE-FEEDBACK' } });
    await t.db.execute(sql`UPDATE analysis_sections SET error_code = 'PRIVATE-ERROR' WHERE analysis_id = ${a.id}`);
    const s = await share(owner, a.id);

    const res = await open(s.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const v = res.body.data;
    expect(Object.keys(v).sort()).toEqual(['business_idea', 'created_at', 'industry', 'location', 'report', 'report_language', 'report_type', 'research', 'sources'].sort());
    expect(v).toMatchObject({ industry: 'Food', location: 'Damascus', report_language: 'en', report_type: 'free' });
    expect(Object.keys(v.report)).toEqual(['overview', 'market']);
    expect(v.report.overview.value_proposition).toBe('OVERVIEW-CONTENT');
    for (const secret of [owner.email, owner.id, a.id, s.id, 'PRIVATE-FEEDBACK', 'PRIVATE-ERROR', 'SECRET', 'user_rating', 'error_code', 'user_id', 'email']) {
      expect(res.text).not.toContain(secret);
    }
  });

  it('shows only completed sections, and premium sections once the report is premium', async () => {
    const a = await completedAnalysis(owner);
    const s = await share(owner, a.id);
    await t.db.execute(sql`UPDATE analysis_sections SET status = 'failed' WHERE analysis_id = ${a.id} AND section = 'market'`);
    expect((await open(s.token)).body.data.report).toEqual({ overview: expect.any(Object), market: null });

    // Upgraded: status back to pending while premium sections generate; the link keeps working.
    await t.db.execute(sql`UPDATE analyses SET report_type = 'premium', status = 'pending' WHERE id = ${a.id}`);
    await storeSections(t, a.id, ['market', 'business']);
    const report = (await open(s.token)).body.data.report;
    expect(Object.keys(report)).toEqual(['overview', 'market', 'business', 'technical', 'financial', 'strategy']);
    expect(report.business.kpis[0].metric).toBe('BUSINESS-SECRET');
    expect(report.technical).toBeNull();
  });

  it('is a 404 once revoked, paused, expired or the analysis deleted, and for tokens that never existed', async () => {
    const a = await completedAnalysis(owner);
    const revoked = await share(owner, a.id);
    const paused = await share(owner, a.id);
    const expired = await share(owner, a.id);
    const live = await share(owner, a.id);
    expect((await open(live.token)).status).toBe(200);

    expect((await t.request('DELETE', `/api/report-shares/${revoked.id}`, { token: owner.token })).status).toBe(200);
    expect((await t.request('PUT', `/api/report-shares/${paused.id}`, { token: owner.token, body: { is_active: false } })).status).toBe(200);
    await t.db.execute(sql`UPDATE report_shares SET expires_at = now() - interval '1 second' WHERE id = ${expired.id}`);
    for (const token of [revoked.token, paused.token, expired.token, 'x'.repeat(43), 'short', `${live.token}x`, encodeURIComponent("' OR 1=1 --")]) {
      expectErrorEnvelope(await open(token), 404, 'NOT_FOUND');
    }
    expect((await t.request('PUT', `/api/report-shares/${paused.id}`, { token: owner.token, body: { is_active: true } })).status).toBe(200);
    expect((await open(paused.token)).status).toBe(200);

    await t.request('DELETE', `/api/analyses/${a.id}`, { token: owner.token });
    expectErrorEnvelope(await open(live.token), 404, 'NOT_FOUND');
    expectErrorEnvelope(await open(paused.token), 404, 'NOT_FOUND');
  });

  it("is a 404 while the owner's account is deactivated, and works again once it is reactivated", async () => {
    const sharer = await registerUser(t);
    const a = await completedAnalysis(sharer);
    const s = await share(sharer, a.id);
    expect((await open(s.token)).status).toBe(200);
    await t.db.execute(sql`UPDATE users SET is_active = false WHERE id = ${sharer.id}`);
    expectErrorEnvelope(await open(s.token), 404, 'NOT_FOUND');
    await t.db.execute(sql`UPDATE users SET is_active = true WHERE id = ${sharer.id}`);
    expect((await open(s.token)).status).toBe(200);
  });

  it('answers HEAD (link checkers, previews) without counting a view or notifying the owner', async () => {
    const a = await completedAnalysis(owner);
    const s = await share(owner, a.id);
    const head = await t.request('HEAD', `/api/report-shares/public/${s.token}`);
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect((await t.request('HEAD', '/api/report-shares/public/' + 'x'.repeat(43))).status).toBe(404);
    const stored = await t.db.execute<{ view_count: number; last_notified_at: string | null }>(
      sql`SELECT view_count, last_notified_at FROM report_shares WHERE id = ${s.id}`,
    );
    expect(stored.rows[0]).toEqual({ view_count: 0, last_notified_at: null });
    expect((await open(s.token)).status).toBe(200);
    const counted = await t.db.execute<{ view_count: number }>(sql`SELECT view_count FROM report_shares WHERE id = ${s.id}`);
    expect(counted.rows[0]?.view_count).toBe(1);
  });

  it('counts every view atomically, and costs at most 2 round trips', async () => {
    const a = await completedAnalysis(owner);
    const s = await share(owner, a.id);
    const trips: number[] = [];
    for (let i = 0; i < 3; i++) trips.push(await t.countRoundTrips(() => open(s.token)));
    expect(Math.max(...trips)).toBeLessThanOrEqual(2);
    expect(trips.slice(1)).toEqual([1, 1]);
    await Promise.all([1, 2, 3, 4, 5].map(() => open(s.token)));
    const listed = await t.request('GET', `/api/report-shares?analysis_id=${a.id}`, { token: owner.token });
    expect(listed.body.data[0]).toMatchObject({ id: s.id, view_count: 8 });
    expect(listed.body.data[0].last_viewed_at).not.toBeNull();
  });

  it('notifies the owner at most once per share per hour, honouring their preferences', async () => {
    const user = await registerUser(t);
    const a = await completedAnalysis(user);
    const s = await share(user, a.id);
    const shareOpened = async () =>
      (await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM notifications WHERE user_id = ${user.id} AND type = 'share_opened'`)).rows[0]?.n;
    await Promise.all([1, 2, 3, 4].map(() => open(s.token)));
    await open(s.token);
    expect(await shareOpened()).toBe(1);
    const n = await t.request('GET', '/api/notifications', { token: user.token });
    expect(n.body.data[0]).toMatchObject({ type: 'share_opened', data: { share_id: s.id, analysis_id: a.id } });
    expect(n.body.data[0].title_ar).toBeTruthy();

    await t.db.execute(sql`UPDATE report_shares SET last_notified_at = now() - interval '61 minutes' WHERE id = ${s.id}`);
    await open(s.token);
    expect(await shareOpened()).toBe(2);

    // A second link of the same report has its own hourly window.
    await open((await share(user, a.id)).token);
    expect(await shareOpened()).toBe(3);

    await t.request('PUT', '/api/auth/me', { token: user.token, body: { notification_preferences: { share_opened: false } } });
    await t.db.execute(sql`UPDATE report_shares SET last_notified_at = NULL WHERE id = ${s.id}`);
    expect((await open(s.token)).status).toBe(200);
    expect(await shareOpened()).toBe(3);
  });
});

describe('owner routes', () => {
  it("list only the caller's shares of live analyses", async () => {
    const user = await registerUser(t);
    const a = await completedAnalysis(user);
    const b = await completedAnalysis(user);
    const s1 = await share(user, a.id);
    await share(user, b.id);
    await share(other, (await completedAnalysis(other)).id);
    await t.request('DELETE', `/api/analyses/${b.id}`, { token: user.token });
    const res = await t.request('GET', '/api/report-shares', { token: user.token });
    expect(res.body.data.map((s: any) => s.id)).toEqual([s1.id]);
    expect(res.body.pagination.total).toBe(1);
    expect(res.body.data[0]).not.toHaveProperty('token');
    expect(res.body.data[0]).not.toHaveProperty('token_hash');
  });

  it("update and revoke only the caller's own share (someone else's → 404, untouched)", async () => {
    const a = await completedAnalysis(owner);
    const s = await share(owner, a.id);
    expectErrorEnvelope(await t.request('PUT', `/api/report-shares/${s.id}`, { token: other.token, body: { is_active: false } }), 404, 'NOT_FOUND');
    expectErrorEnvelope(await t.request('DELETE', `/api/report-shares/${s.id}`, { token: other.token }), 404, 'NOT_FOUND');
    expect((await open(s.token)).status).toBe(200);
    const feed = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM activity_feed WHERE entity_id = ${s.id} AND action = 'share_revoked'`);
    expect(feed.rows[0]?.n).toBe(0);

    const past = await t.request('PUT', `/api/report-shares/${s.id}`, { token: owner.token, body: { expires_at: '2020-01-01T00:00:00Z' } });
    expectErrorEnvelope(past, 400, 'VALIDATION_ERROR');
    expect(issuePaths(past)).toEqual(['expires_at']);
    expect(issuePaths(await t.request('PUT', `/api/report-shares/${s.id}`, { token: owner.token, body: { view_count: 0 } }))).toEqual(['view_count']);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const dated = await t.request('PUT', `/api/report-shares/${s.id}`, { token: owner.token, body: { expires_at: later } });
    expect(dated.body.data.expires_at).toBe(later);
    const undated = await t.request('PUT', `/api/report-shares/${s.id}`, { token: owner.token, body: { expires_at: null } });
    expect(undated.body.data.expires_at).toBeNull();

    const revoked = await t.request('DELETE', `/api/report-shares/${s.id}`, { token: owner.token });
    expect(revoked.body.data).toEqual({ id: s.id });
    expectErrorEnvelope(await t.request('DELETE', `/api/report-shares/${s.id}`, { token: owner.token }), 404, 'NOT_FOUND');
    const revokedFeed = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM activity_feed WHERE entity_id = ${s.id} AND action = 'share_revoked'`);
    expect(revokedFeed.rows[0]?.n).toBe(1);
  });
});
