/** The exported AppType drives a typed hono/client through a full register → create analysis → list flow. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hc } from 'hono/client';
import type { AppType } from '../../src/app.js';
import { createTestApp, uniqueEmail, type TestApp } from '../support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('typed client', () => {
  it('register → create analysis → list, with types from the app', async () => {
    const fetchThroughApp: typeof fetch = async (input, init) => t.app.request(input instanceof Request ? input : String(input), init, t.env);
    const client = hc<AppType>('http://planlyze.test', { fetch: fetchThroughApp });

    const registered = await client.api.auth.register.$post({ json: { email: uniqueEmail(), password: 'Password-1' } });
    expect(registered.status).toBe(201);
    const { data: session } = await registered.json();
    const authed = hc<AppType>('http://planlyze.test', { fetch: fetchThroughApp, headers: { authorization: `Bearer ${session.token}` } });

    const created = await authed.api.analyses.$post({
      json: { business_idea: 'A delivery app for home-cooked meals in Damascus', report_language: 'en' },
    });
    expect(created.status).toBe(201);
    const { data: analysis } = await created.json();
    expect(analysis.status).toBe('pending');

    const list = await authed.api.analyses.$get({ query: {} });
    expect(list.status).toBe(200);
    const body = await list.json();
    expect(body.data.map((a) => a.id)).toEqual([analysis.id]);
    expect(body.pagination.total).toBe(1);
  });

  it('a catalog read: the typed 200 envelope, then a bodiless 304 as its type says (text "" and json() rejects)', async () => {
    const fetchThroughApp: typeof fetch = async (input, init) => t.app.request(input instanceof Request ? input : String(input), init, t.env);
    const client = hc<AppType>('http://planlyze.test', { fetch: fetchThroughApp });

    const first = await client.api['credit-packages'].$get({ query: {} });
    expect(first.status).toBe(200);
    const list = await first.json();
    expect(list.success).toBe(true);
    expect(list.data.length).toBeGreaterThan(0);
    expect(typeof list.data[0]!.credits).toBe('number');
    expect(list.pagination.total).toBe(list.data.length);

    const etag = first.headers.get('etag')!;
    const again = await client.api['credit-packages'].$get({ query: {} }, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(await again.clone().text()).toBe('');
    await expect(again.json()).rejects.toThrow();
  });
});
