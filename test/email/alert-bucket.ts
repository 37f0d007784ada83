/**
 * Admin alert mail is bucketed per 15-minute UTC bucket (SPEC-WAVE2 §0.1) on the app's clock — in tests the
 * clock of this process, since requests go through `app.request` here. "One mail for several events" holds
 * only for events of one bucket, so a test asserting it runs its events through `inOneBucket`: when less
 * than `marginMs` is left of the current bucket it first waits for the next one (nothing is mocked), and
 * afterwards it checks the bucket did not change meanwhile — a boundary never decides a count silently.
 */
import { expect } from 'vitest';
import { ALERT_BUCKET_MS, alertBucket } from '../../src/email/events.js';

export async function inOneBucket<T>(events: () => Promise<T>, marginMs = 10_000): Promise<T> {
  const left = ALERT_BUCKET_MS - (Date.now() % ALERT_BUCKET_MS);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
  const bucket = alertBucket();
  const result = await events();
  expect(alertBucket(), `the events outlasted the ${marginMs} ms margin before the bucket boundary`).toBe(bucket);
  return result;
}
