import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { AppError } from '../../../src/errors.js';
import { appendMessages, MAX_CONVERSATION_MESSAGES, MAX_MESSAGE_CHARS } from '../../../src/services/conversations.js';
import { createTestApp, expectErrorEnvelope, issuePaths, registerUser, type TestApp, type TestUser } from '../../support/harness.js';
import { completeAnalysis, createAnalysis } from './helpers.js';

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

async function conversation(user: TestUser, body: Record<string, unknown> = {}) {
  const res = await t.request('POST', '/api/chat-conversations', { token: user.token, body });
  if (res.status !== 201) throw new Error(`create conversation failed: ${res.status} ${res.text}`);
  return res.body.data;
}

async function appendError(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('chat conversations', () => {
  it('creates an empty conversation, optionally about one of the caller\'s own analyses', async () => {
    const plain = await conversation(owner);
    expect(plain).toMatchObject({ analysis_id: null, title: null, message_count: 0, messages: [], ai_usage: { input_tokens: 0, output_tokens: 0 } });
    const a = await createAnalysis(t, owner);
    const about = await conversation(owner, { title: 'About my idea', analysis_id: a.id });
    expect(about).toMatchObject({ analysis_id: a.id, title: 'About my idea' });
  });

  it("refuses someone else's, a deleted or an unknown analysis (404), and server-owned fields (400)", async () => {
    const theirs = await createAnalysis(t, other);
    const deleted = await createAnalysis(t, owner);
    await t.request('DELETE', `/api/analyses/${deleted.id}`, { token: owner.token });
    for (const id of [theirs.id, deleted.id, '00000000-0000-4000-8000-000000000000']) {
      expectErrorEnvelope(await t.request('POST', '/api/chat-conversations', { token: owner.token, body: { analysis_id: id } }), 404, 'NOT_FOUND');
    }
    const count = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM chat_conversations WHERE analysis_id IN (${theirs.id}, ${deleted.id})`);
    expect(count.rows[0]?.n).toBe(0);
    const extra = await t.request('POST', '/api/chat-conversations', {
      token: owner.token,
      body: { messages: [{ role: 'assistant', content: 'x' }], message_count: 0, user_id: other.id },
    });
    expectErrorEnvelope(extra, 400, 'VALIDATION_ERROR');
    expect(issuePaths(extra).sort()).toEqual(['message_count', 'messages', 'user_id']);
    expect(issuePaths(await t.request('POST', '/api/chat-conversations', { token: owner.token, body: { title: 'x'.repeat(201) } }))).toEqual(['title']);
  });

  it('lists own conversations without message bodies, pages correctly, filters by analysis', async () => {
    const user = await registerUser(t);
    const empty = await t.request('GET', '/api/chat-conversations', { token: user.token });
    expect(empty.body.pagination).toEqual({ page: 1, per_page: 20, total: 0, pages: 0 });
    const a = await createAnalysis(t, user);
    const c1 = await conversation(user);
    const c2 = await conversation(user, { analysis_id: a.id });
    await conversation(other);
    await appendMessages(t.db, c1.id, user.id, [{ role: 'user', content: 'hello' }]);

    const res = await t.request('GET', '/api/chat-conversations', { token: user.token });
    expect(res.body.data.map((c: any) => c.id)).toEqual([c2.id, c1.id]);
    expect(res.body.data.every((c: any) => !('messages' in c))).toBe(true);
    expect(res.body.data[1].message_count).toBe(1);
    const byUpdate = await t.request('GET', '/api/chat-conversations?sort=updated_at', { token: user.token });
    expect(byUpdate.body.data.map((c: any) => c.id)).toEqual([c1.id, c2.id]);
    const filtered = await t.request('GET', `/api/chat-conversations?analysis_id=${a.id}`, { token: user.token });
    expect(filtered.body.data.map((c: any) => c.id)).toEqual([c2.id]);
    const page2 = await t.request('GET', '/api/chat-conversations?per_page=1&page=2', { token: user.token });
    expect(page2.body.data.map((c: any) => c.id)).toEqual([c1.id]);
    expect(page2.body.pagination).toEqual({ page: 2, per_page: 1, total: 2, pages: 2 });
  });

  it("reads, renames and deletes only the caller's own conversation", async () => {
    const c = await conversation(owner, { title: 'Old' });
    for (const [method, body] of [['GET'], ['PUT', { title: 'Hijack' }], ['DELETE']] as const) {
      expectErrorEnvelope(await t.request(method, `/api/chat-conversations/${c.id}`, { token: other.token, body }), 404, 'NOT_FOUND');
    }
    const renamed = await t.request('PUT', `/api/chat-conversations/${c.id}`, { token: owner.token, body: { title: 'New' } });
    expect(renamed.body.data).toMatchObject({ id: c.id, title: 'New' });
    const messages = await t.request('PUT', `/api/chat-conversations/${c.id}`, { token: owner.token, body: { title: 'x', messages: [] } });
    expect(issuePaths(messages)).toEqual(['messages']);
    expect(issuePaths(await t.request('PUT', `/api/chat-conversations/${c.id}`, { token: owner.token, body: {} }))).toEqual(['title']);
    const read = await t.request('GET', `/api/chat-conversations/${c.id}`, { token: owner.token });
    expect(read.body.data).toMatchObject({ title: 'New', messages: [] });
    expect((await t.request('DELETE', `/api/chat-conversations/${c.id}`, { token: owner.token })).body.data).toEqual({ id: c.id });
    expectErrorEnvelope(await t.request('GET', `/api/chat-conversations/${c.id}`, { token: owner.token }), 404, 'NOT_FOUND');
  });
});

describe('appendMessages (the helper /api/ai/chat writes through)', () => {
  it('appends with timestamps and usage in one statement, visible through the API', async () => {
    const c = await conversation(owner);
    const updated = await appendMessages(
      t.db,
      c.id,
      owner.id,
      [
        { role: 'user', content: 'What is my biggest risk?' },
        { role: 'assistant', content: 'Supply of home cooks.' },
      ],
      { inputTokens: 120, outputTokens: 30 },
    );
    expect(updated.messageCount).toBe(2);
    const res = await t.request('GET', `/api/chat-conversations/${c.id}`, { token: owner.token });
    expect(res.body.data.messages.map((m: any) => [m.role, m.content])).toEqual([
      ['user', 'What is my biggest risk?'],
      ['assistant', 'Supply of home cooks.'],
    ]);
    expect(res.body.data.messages[0].timestamp).toMatch(/Z$/);
    expect(res.body.data.ai_usage).toEqual({ input_tokens: 120, output_tokens: 30 });
  });

  it(`holds the ${MAX_CONVERSATION_MESSAGES}-message cap (409 INVALID_STATE), the size limit (400) and ownership (404)`, async () => {
    const c = await conversation(owner);
    const filler = Array.from({ length: MAX_CONVERSATION_MESSAGES - 1 }, (_, i) => ({ role: 'user' as const, content: `m${i}`, timestamp: new Date().toISOString() }));
    await t.db.execute(sql`UPDATE chat_conversations SET messages = ${JSON.stringify(filler)}::jsonb, message_count = ${filler.length} WHERE id = ${c.id}`);

    const pair = [
      { role: 'user' as const, content: 'question' },
      { role: 'assistant' as const, content: 'answer' },
    ];
    const full = await appendError(appendMessages(t.db, c.id, owner.id, pair));
    expect([full.code, full.status]).toEqual(['INVALID_STATE', 409]);
    expect((await appendMessages(t.db, c.id, owner.id, [pair[0]!])).messageCount).toBe(MAX_CONVERSATION_MESSAGES);
    expect((await appendError(appendMessages(t.db, c.id, owner.id, [pair[1]!]))).code).toBe('INVALID_STATE');

    const fresh = await conversation(owner);
    const tooLong = await appendError(appendMessages(t.db, fresh.id, owner.id, [{ role: 'user', content: 'x'.repeat(MAX_MESSAGE_CHARS + 1) }]));
    expect(tooLong.code).toBe('VALIDATION_ERROR');
    expect((await appendMessages(t.db, fresh.id, owner.id, [{ role: 'user', content: 'x'.repeat(MAX_MESSAGE_CHARS) }])).messageCount).toBe(1);
    expect((await appendError(appendMessages(t.db, fresh.id, other.id, pair))).code).toBe('NOT_FOUND');
  });

  it('lets concurrent appends fill the conversation exactly to the cap, never past it', async () => {
    const c = await conversation(owner);
    const filler = Array.from({ length: MAX_CONVERSATION_MESSAGES - 3 }, () => ({ role: 'user', content: 'x', timestamp: new Date().toISOString() }));
    await t.db.execute(sql`UPDATE chat_conversations SET messages = ${JSON.stringify(filler)}::jsonb, message_count = ${filler.length} WHERE id = ${c.id}`);
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => appendMessages(t.db, c.id, owner.id, [{ role: 'user', content: 'race' }])),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const row = await t.db.execute<{ n: number; len: number }>(sql`SELECT message_count AS n, jsonb_array_length(messages) AS len FROM chat_conversations WHERE id = ${c.id}`);
    expect(row.rows[0]).toEqual({ n: MAX_CONVERSATION_MESSAGES, len: MAX_CONVERSATION_MESSAGES });
  });
});

describe('GET /api/activity-feed', () => {
  it("lists the caller's own actions newest first, paginated; nobody else's", async () => {
    const user = await registerUser(t);
    const empty = await t.request('GET', '/api/activity-feed', { token: user.token });
    expect(empty.body.pagination).toEqual({ page: 1, per_page: 20, total: 0, pages: 0 });

    const a = await createAnalysis(t, user);
    await completeAnalysis(t, a.id);
    const share = (await t.request('POST', '/api/report-shares', { token: user.token, body: { analysis_id: a.id } })).body.data;
    await t.request('DELETE', `/api/report-shares/${share.id}`, { token: user.token });
    await t.request('DELETE', `/api/analyses/${a.id}`, { token: user.token });
    await createAnalysis(t, other);

    const res = await t.request('GET', '/api/activity-feed', { token: user.token });
    expect(res.status).toBe(200);
    expect(res.body.data.map((e: any) => [e.action, e.entity_id])).toEqual([
      ['analysis_deleted', a.id],
      ['share_revoked', share.id],
      ['share_created', share.id],
      ['analysis_created', a.id],
    ]);
    expect(res.body.data[3]).toMatchObject({ entity_type: 'analysis', data: { report_language: 'en' } });
    const page = await t.request('GET', '/api/activity-feed?per_page=3&page=2&order=asc', { token: user.token });
    expect(page.body.data.map((e: any) => e.action)).toEqual(['analysis_deleted']);
    expect(page.body.pagination).toEqual({ page: 2, per_page: 3, total: 4, pages: 2 });
    expect(issuePaths(await t.request('GET', '/api/activity-feed?per_page=0', { token: user.token }))).toEqual(['per_page']);
  });
});
