/**
 * Input refused (or accepted) at the validation edge, issue 10 §3–§4: a JSON body declared in another
 * charset, bidirectional control characters, `order` in any case, Arabic messages without English type
 * names, and the `GET /api` index.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectErrorEnvelope, issuePaths, registerUser, type TestApp, type TestUser } from '../support/harness.js';

let t: TestApp;
let user: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  user = await registerUser(t);
});
afterAll(async () => {
  await t.close();
});

describe('JSON bodies are UTF-8', () => {
  const login = (contentType: string) =>
    t.request('POST', '/api/auth/login', {
      rawBody: JSON.stringify({ email: user.email, password: user.password }),
      headers: { 'content-type': contentType },
    });

  it('a declared charset other than utf-8 is a 415, not a body misread as UTF-8', async () => {
    expectErrorEnvelope(await login('application/json; charset=utf-16'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectErrorEnvelope(await login('application/json;charset="ISO-8859-1"'), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('utf-8 in any spelling, or no charset at all, is accepted', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'application/json; charset=UTF8', 'application/json;charset="UTF-8"']) {
      expect((await login(type)).status, type).toBe(200);
    }
  });
});

describe('bidirectional control characters', () => {
  const controls = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];

  it.each(controls.map((ch) => [`U+${ch.codePointAt(0)!.toString(16).toUpperCase()}`, ch]))(
    '%s in a name is a 400 naming the field, and nothing is stored',
    async (_name, ch) => {
      const res = await t.request('PUT', '/api/auth/me', { token: user.token, body: { full_name: `admin${ch}gnp.exe` } });
      expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
      expect(issuePaths(res)).toEqual(['full_name']);
      expect(res.body.details.issues[0].code).toBe('bidi_control');
      const me = await t.request('GET', '/api/auth/me', { token: user.token });
      expect(me.body.data.full_name ?? '').not.toContain(ch);
    },
  );

  it('is refused in free text, nested fields and query strings too', async () => {
    const created = await t.request('POST', '/api/analyses', {
      token: user.token,
      body: { business_idea: 'A delivery app for fresh bread \u202eand pastries in Damascus', report_language: 'en' },
    });
    expectErrorEnvelope(created, 400, 'VALIDATION_ERROR');
    expect(issuePaths(created)).toEqual(['business_idea']);
    const prefs = await t.request('PUT', '/api/auth/me', { token: user.token, body: { notification_preferences: { 'x\u2066': true } } });
    expectErrorEnvelope(prefs, 400, 'VALIDATION_ERROR');
    const listed = await t.request('GET', `/api/analyses?q=${encodeURIComponent('bread\u2067')}`, { token: user.token });
    expectErrorEnvelope(listed, 400, 'VALIDATION_ERROR');
    expect(issuePaths(listed)).toEqual(['q']);
  });

  it('Arabic text with the ordinary direction marks (U+200E, U+200F) is still accepted', async () => {
    const res = await t.request('PUT', '/api/auth/me', { token: user.token, body: { full_name: 'سارة\u200f Ahmad\u200e' } });
    expect(res.status).toBe(200);
    expect(res.body.data.full_name).toBe('سارة\u200f Ahmad\u200e');
  });
});

describe('order is accepted in any case', () => {
  it.each(['desc', 'DESC', 'Desc', 'asc', 'ASC'])('order=%s', async (order) => {
    const res = await t.request('GET', `/api/transactions?order=${order}`, { token: user.token });
    expect(res.status).toBe(200);
  });

  it('the direction is applied, whatever the case', async () => {
    const other = await registerUser(t);
    for (let i = 0; i < 2; i++) {
      await t.request('POST', '/api/analyses', {
        token: other.token,
        body: { business_idea: `A mobile app for booking football pitches in Aleppo, number ${i}`, report_language: 'en' },
      });
    }
    const upper = await t.request('GET', '/api/analyses?sort=created_at&order=ASC', { token: other.token });
    const lower = await t.request('GET', '/api/analyses?sort=created_at&order=asc', { token: other.token });
    expect(upper.body.data.map((a: { id: string }) => a.id)).toEqual(lower.body.data.map((a: { id: string }) => a.id));
    const desc = await t.request('GET', '/api/analyses?sort=created_at&order=DESC', { token: other.token });
    expect(desc.body.data.map((a: { id: string }) => a.id)).toEqual([...lower.body.data.map((a: { id: string }) => a.id)].reverse());
  });

  it('anything else is still a 400 naming order', async () => {
    const res = await t.request('GET', '/api/transactions?order=sideways', { token: user.token });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toEqual(['order']);
  });
});

describe('Arabic validation messages', () => {
  const englishTypeName = /\b(string|number|boolean|object|array|undefined|null|int)\b/;

  it('name types and sizes in Arabic, not with English type names', async () => {
    const res = await t.request('PUT', '/api/auth/me', {
      token: user.token,
      headers: { 'accept-language': 'ar' },
      body: { full_name: 42, city: 'x'.repeat(500), onboarding_completed: 'yes' },
    });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    const messages: string[] = res.body.details.issues.map((i: { message: string }) => i.message);
    expect(messages.length).toBe(3);
    for (const message of messages) {
      expect(message).toMatch(/[\u0600-\u06FF]/);
      expect(message).not.toMatch(englishTypeName);
    }
  });

  it('a missing field says it is required', async () => {
    const res = await t.request('POST', '/api/auth/login', { headers: { 'accept-language': 'ar' }, body: { email: user.email } });
    expectErrorEnvelope(res, 400, 'VALIDATION_ERROR');
    const issue = res.body.details.issues.find((i: { path: string }) => i.path === 'password');
    expect(issue.message).toContain('حقل مطلوب');
    expect(issue.message).not.toMatch(englishTypeName);
  });
});

describe('GET /api', () => {
  it('is a small index: name, version, links to the docs and the OpenAPI document', async () => {
    const res = await t.request('GET', '/api');
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.data).toMatchObject({
      name: 'Planlyze API',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      links: { docs: '/api/docs', openapi: '/api/openapi.json', health: '/api/health' },
    });
    for (const link of Object.values(res.body.data.links) as string[]) {
      expect((await t.request('GET', link)).status, link).toBe(200);
    }
  });
});
