/**
 * Ownership on every content route: another signed-in user gets 404 (never 403, never the data) for
 * someone else's analysis, share, notification or conversation — by path id or by a body reference.
 * The table is checked against the routers themselves, so a new `:id` route without a case fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { collectRoutes } from '../../../src/http/openapi.js';
import { analysesRoutes } from '../../../src/routes/analyses.js';
import { chatConversationsRoutes } from '../../../src/routes/chat-conversations.js';
import { notificationsRoutes } from '../../../src/routes/notifications.js';
import { reportSharesRoutes } from '../../../src/routes/report-shares.js';
import { createTestApp, expectErrorEnvelope, registerUser, type TestApp, type TestUser } from '../../support/harness.js';
import { completeAnalysis, createAnalysis } from './helpers.js';

let t: TestApp;
let owner: TestUser;
let intruder: TestUser;
const ids = { analysis: '', share: '', notification: '', conversation: '' };

beforeAll(async () => {
  t = await createTestApp();
  owner = await registerUser(t);
  intruder = await registerUser(t);
  const a = await createAnalysis(t, owner);
  await completeAnalysis(t, a.id);
  ids.analysis = a.id;
  ids.share = (await t.request('POST', '/api/report-shares', { token: owner.token, body: { analysis_id: a.id } })).body.data.id;
  ids.conversation = (await t.request('POST', '/api/chat-conversations', { token: owner.token, body: { analysis_id: a.id } })).body.data.id;
  const n = await t.db.execute<{ id: string }>(
    sql`INSERT INTO notifications (user_id, type, title, message) VALUES (${owner.id}, 'announcement', 't', 'm') RETURNING id`,
  );
  ids.notification = n.rows[0]!.id;
});
afterAll(async () => {
  await t.close();
});

type Case = { method: string; path: string; body?: () => Record<string, unknown> };
const CASES: Case[] = [
  { method: 'GET', path: '/api/analyses/:id' },
  { method: 'PUT', path: '/api/analyses/:id', body: () => ({ user_rating: 1 }) },
  { method: 'DELETE', path: '/api/analyses/:id' },
  { method: 'PUT', path: '/api/report-shares/:id', body: () => ({ is_active: false }) },
  { method: 'DELETE', path: '/api/report-shares/:id' },
  { method: 'POST', path: '/api/notifications/:id/read' },
  { method: 'DELETE', path: '/api/notifications/:id' },
  { method: 'GET', path: '/api/chat-conversations/:id' },
  { method: 'PUT', path: '/api/chat-conversations/:id', body: () => ({ title: 'mine now' }) },
  { method: 'DELETE', path: '/api/chat-conversations/:id' },
  // References in a body are scoped the same way.
  { method: 'POST', path: '/api/report-shares', body: () => ({ analysis_id: ids.analysis }) },
  { method: 'POST', path: '/api/chat-conversations', body: () => ({ analysis_id: ids.analysis }) },
];

const idFor = (path: string) =>
  path.startsWith('/api/analyses')
    ? ids.analysis
    : path.startsWith('/api/report-shares')
      ? ids.share
      : path.startsWith('/api/notifications')
        ? ids.notification
        : ids.conversation;

describe("another user's objects are 404 on every route", () => {
  it('covers every :id route of the owner-scoped routers', () => {
    const routers = [
      ['/api/analyses', analysesRoutes],
      ['/api/report-shares', reportSharesRoutes],
      ['/api/notifications', notificationsRoutes],
      ['/api/chat-conversations', chatConversationsRoutes],
    ] as const;
    const idRoutes = routers.flatMap(([prefix, router]) =>
      collectRoutes(router)
        .filter((r) => r.path.includes(':id'))
        .map((r) => `${r.method} ${prefix}${r.path}`),
    );
    const covered = new Set(CASES.map((c) => `${c.method} ${c.path}`));
    expect(idRoutes.filter((r) => !covered.has(r))).toEqual([]);
  });

  it.each(CASES)('$method $path', async ({ method, path, body }) => {
    const res = await t.request(method, path.replace(':id', idFor(path)), { token: intruder.token, body: body?.() });
    expectErrorEnvelope(res, 404, 'NOT_FOUND');
    expect(res.text).not.toContain(owner.id);
  });

  it('left every object as it was', async () => {
    expect((await t.request('GET', `/api/analyses/${ids.analysis}`, { token: owner.token })).body.data.user_rating).toBeNull();
    expect((await t.request('GET', '/api/report-shares', { token: owner.token })).body.data[0]).toMatchObject({ id: ids.share, is_active: true });
    expect((await t.request('GET', '/api/notifications', { token: owner.token })).body.meta).toEqual({ unread_count: 1 });
    expect((await t.request('GET', `/api/chat-conversations/${ids.conversation}`, { token: owner.token })).body.data.title).toBeNull();
    const rows = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM report_shares WHERE user_id = ${intruder.id}`);
    expect(rows.rows[0]?.n).toBe(0);
  });
});
