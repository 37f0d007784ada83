/**
 * The harness charges each database round trip to the request that caused it (AsyncLocalStorage, see
 * test/support/round-trip-log.ts), so per-request costs stay exact when requests run concurrently —
 * what bench/round-trips.ts's per-route table relies on.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, registerUser, type TestApp, type TestUser } from '../support/harness.js';

let t: TestApp;
let user: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  user = await registerUser(t);
});
afterAll(async () => {
  await t.close();
});

it('charges every round trip to its own request, also under concurrency', async () => {
  const before = t.database.endpoint.stats.roundTrips;
  const requests = Array.from({ length: 20 }, (_, i) =>
    i % 2 === 0
      ? t.request('GET', '/api/auth/me', { token: user.token })
      : t.request('GET', '/api/analyses?page=2', { token: user.token }),
  );
  const responses = await Promise.all(requests);
  for (const [i, res] of responses.entries()) {
    expect(res.status).toBe(200);
    // me: the one session lookup; a later page: auth + the one statement that answers the page with its count.
    expect(res.cost).toEqual(i % 2 === 0 ? { roundTrips: 1, statements: 1 } : { roundTrips: 2, statements: 2 });
  }
  expect(t.database.endpoint.stats.roundTrips - before).toBe(30);
});

it('charges nothing to a request that never reaches the database', async () => {
  const res = await t.request('GET', '/api/auth/me');
  expect(res.status).toBe(401);
  expect(res.cost).toEqual({ roundTrips: 0, statements: 0 });
});
