import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import {
  createTestApp,
  expectErrorEnvelope,
  issuePaths,
  registerUser,
  userWithPermissions,
  type TestApp,
  type TestUser,
} from '../../support/harness.js';

let t: TestApp;
let sender: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  sender = await userWithPermissions(t, ['manage_notifications']);
});
afterAll(async () => {
  await t.close();
});

async function send(userId: string, title = 'Hello') {
  const res = await t.request('POST', '/api/notifications', {
    token: sender.token,
    body: { user_id: userId, type: 'announcement', title, message: 'A message', title_ar: 'مرحبا', message_ar: 'رسالة' },
  });
  if (res.status !== 201) throw new Error(`send failed: ${res.status} ${res.text}`);
  return res.body.data;
}

const countWhere = async (query: ReturnType<typeof sql>) => (await t.db.execute<{ n: number }>(query)).rows[0]?.n;

describe('GET /api/notifications', () => {
  it('lists own notifications newest first, with the unread filter and meta.unread_count', async () => {
    const user = await registerUser(t);
    const empty = await t.request('GET', '/api/notifications', { token: user.token });
    expect(empty.body.data).toEqual([]);
    expect(empty.body.pagination).toEqual({ page: 1, per_page: 20, total: 0, pages: 0 });
    expect(empty.body.meta).toEqual({ unread_count: 0 });

    const first = await send(user.id, 'first');
    const second = await send(user.id, 'second');
    const third = await send(user.id, 'third');
    await send((await registerUser(t)).id, 'not yours');
    await t.request('POST', `/api/notifications/${second.id}/read`, { token: user.token });

    const all = await t.request('GET', '/api/notifications?per_page=2', { token: user.token });
    expect(all.body.data.map((n: any) => n.title)).toEqual(['third', 'second']);
    expect(all.body.pagination).toEqual({ page: 1, per_page: 2, total: 3, pages: 2 });
    expect(all.body.meta).toEqual({ unread_count: 2 });
    const page2 = await t.request('GET', '/api/notifications?per_page=2&page=2', { token: user.token });
    expect(page2.body.data.map((n: any) => n.id)).toEqual([first.id]);

    const unread = await t.request('GET', '/api/notifications?unread=true', { token: user.token });
    expect(unread.body.data.map((n: any) => n.id)).toEqual([third.id, first.id]);
    expect(unread.body.meta).toEqual({ unread_count: 2 });
    const read = await t.request('GET', '/api/notifications?unread=false', { token: user.token });
    expect(read.body.data.map((n: any) => n.id)).toEqual([second.id]);

    const bad = await t.request('GET', '/api/notifications?unread=yes', { token: user.token });
    expectErrorEnvelope(bad, 400, 'VALIDATION_ERROR');
    expect(issuePaths(bad)).toEqual(['unread']);
    expect(issuePaths(await t.request('GET', '/api/notifications?per_page=101', { token: user.token }))).toEqual(['per_page']);
  });

  it("shows another user's notifications only with view_notifications (else 403)", async () => {
    const user = await registerUser(t);
    const n = await send(user.id);
    const stranger = await registerUser(t);
    expectErrorEnvelope(await t.request('GET', `/api/notifications?user_id=${user.id}`, { token: stranger.token }), 403, 'AUTHORIZATION_ERROR');
    const own = await t.request('GET', `/api/notifications?user_id=${user.id}`, { token: user.token });
    expect(own.body.data.map((x: any) => x.id)).toEqual([n.id]);
    const viewer = await userWithPermissions(t, ['view_notifications']);
    const seen = await t.request('GET', `/api/notifications?user_id=${user.id}`, { token: viewer.token });
    expect(seen.status).toBe(200);
    expect(seen.body.data.map((x: any) => x.id)).toEqual([n.id]);
    expect(seen.body.meta).toEqual({ unread_count: 1 });
  });
});

describe('read, mark-all-read, delete', () => {
  it('marks one own notification read (keeping the first read time); someone else gets 404', async () => {
    const user = await registerUser(t);
    const n = await send(user.id);
    const stranger = await registerUser(t);
    expectErrorEnvelope(await t.request('POST', `/api/notifications/${n.id}/read`, { token: stranger.token }), 404, 'NOT_FOUND');
    expect(await countWhere(sql`SELECT count(*)::int AS n FROM notifications WHERE id = ${n.id} AND is_read`)).toBe(0);

    const res = await t.request('POST', `/api/notifications/${n.id}/read`, { token: user.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: n.id, is_read: true, type: 'announcement', title_ar: 'مرحبا' });
    expect(res.body.data.read_at).not.toBeNull();
    const again = await t.request('POST', `/api/notifications/${n.id}/read`, { token: user.token, body: {} });
    expect(again.body.data.read_at).toBe(res.body.data.read_at);
    expect(issuePaths(await t.request('POST', '/api/notifications/nope/read', { token: user.token }))).toEqual(['id']);
    expect(issuePaths(await t.request('POST', `/api/notifications/${n.id}/read`, { token: user.token, body: { is_read: false } }))).toEqual(['is_read']);
  });

  it("marks all own notifications read and returns the count, leaving others' alone", async () => {
    const user = await registerUser(t);
    const bystander = await registerUser(t);
    await send(user.id);
    await send(user.id);
    await send(bystander.id);
    const res = await t.request('POST', '/api/notifications/mark-all-read', { token: user.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ count: 2 });
    expect((await t.request('POST', '/api/notifications/mark-all-read', { token: user.token })).body.data).toEqual({ count: 0 });
    expect((await t.request('GET', '/api/notifications', { token: bystander.token })).body.meta).toEqual({ unread_count: 1 });
  });

  it("deletes an own notification; someone else's is a 404", async () => {
    const user = await registerUser(t);
    const n = await send(user.id);
    expectErrorEnvelope(await t.request('DELETE', `/api/notifications/${n.id}`, { token: sender.token }), 404, 'NOT_FOUND');
    const res = await t.request('DELETE', `/api/notifications/${n.id}`, { token: user.token });
    expect(res.body.data).toEqual({ id: n.id });
    expectErrorEnvelope(await t.request('DELETE', `/api/notifications/${n.id}`, { token: user.token }), 404, 'NOT_FOUND');
  });
});

describe('POST /api/notifications', () => {
  it('sends to one user (201, the notification), audited', async () => {
    const user = await registerUser(t);
    const n = await send(user.id, 'Direct');
    expect(n).toMatchObject({ user_id: user.id, type: 'announcement', title: 'Direct', is_read: false });
    expect(await countWhere(sql`SELECT count(*)::int AS n FROM audit_logs WHERE actor_id = ${sender.id} AND action = 'notification.send' AND entity_id = ${user.id}`)).toBe(1);
  });

  it('refuses an unknown user (400 naming user_id, nothing written) and bodies without exactly one target', async () => {
    const before = await countWhere(sql`SELECT count(*)::int AS n FROM audit_logs WHERE actor_id = ${sender.id}`);
    const unknown = await t.request('POST', '/api/notifications', {
      token: sender.token,
      body: { user_id: '00000000-0000-4000-8000-000000000000', type: 'announcement', title: 'x', message: 'y' },
    });
    expectErrorEnvelope(unknown, 400, 'VALIDATION_ERROR');
    expect(issuePaths(unknown)).toEqual(['user_id']);
    expect(await countWhere(sql`SELECT count(*)::int AS n FROM audit_logs WHERE actor_id = ${sender.id}`)).toBe(before);

    const user = await registerUser(t);
    const cases: [Record<string, unknown>, string[]][] = [
      [{}, ['user_id']],
      [{ user_id: user.id, broadcast: true }, ['broadcast']],
      [{ broadcast: false }, ['broadcast']],
      [{ user_id: user.id, type: 'birthday' }, ['type']],
      [{ user_id: user.id, is_read: true }, ['is_read']],
      [{ user_id: user.id, title: '' }, ['title']],
    ];
    for (const [extra, paths] of cases) {
      const res = await t.request('POST', '/api/notifications', { token: sender.token, body: { type: 'announcement', title: 't', message: 'm', ...extra } });
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(issuePaths(res), JSON.stringify(extra)).toEqual(paths);
    }
  });

  it('is refused without manage_notifications (403)', async () => {
    const user = await registerUser(t);
    const res = await t.request('POST', '/api/notifications', { token: user.token, body: { user_id: user.id, type: 'announcement', title: 't', message: 'm' } });
    expectErrorEnvelope(res, 403, 'AUTHORIZATION_ERROR');
  });

  it('broadcasts to every active user who has not opted out, in O(1) round trips', async () => {
    const optedOut = await registerUser(t);
    await t.request('PUT', '/api/auth/me', { token: optedOut.token, body: { notification_preferences: { announcement: false } } });
    const inactive = await registerUser(t);
    await t.db.execute(sql`UPDATE users SET is_active = false WHERE id = ${inactive.id}`);

    const broadcast = async (title: string) => {
      let res: any;
      const trips = await t.countRoundTrips(async () => {
        res = await t.request('POST', '/api/notifications', { token: sender.token, body: { broadcast: true, type: 'announcement', title, message: 'm' } });
      });
      expect(res.status).toBe(201);
      return { count: res.body.data.count as number, trips };
    };
    const eligible = async () =>
      countWhere(sql`SELECT count(*)::int AS n FROM users WHERE is_active AND (notification_preferences -> 'announcement') IS DISTINCT FROM 'false'::jsonb`);

    const small = await broadcast('broadcast-first');
    expect(small.count).toBe(await eligible());
    for (let i = 0; i < 15; i++) await registerUser(t);
    const large = await broadcast('broadcast-second');
    expect(large.count).toBe(small.count + 15);
    expect(large.trips).toBe(small.trips);
    expect(large.trips).toBeLessThanOrEqual(2);

    expect(await countWhere(sql`SELECT count(*)::int AS n FROM notifications WHERE title = 'broadcast-second' AND user_id IN (${optedOut.id}, ${inactive.id})`)).toBe(0);
    expect(await countWhere(sql`SELECT count(*)::int AS n FROM notifications WHERE title = 'broadcast-second'`)).toBe(large.count);
    expect(await countWhere(sql`SELECT count(*)::int AS n FROM audit_logs WHERE actor_id = ${sender.id} AND action = 'notification.broadcast'`)).toBe(2);
  });
});
