/**
 * The per-query timeout signal (db/client.ts timeoutSignals, issue 16): queries starting within one short
 * window share one signal, which fires no earlier than the timeout after the window's last query started
 * (the end-to-end cut is test/api/platform.test.ts "a hung database round trip").
 */
import { describe, expect, it } from 'vitest';
import { timeoutSignals } from '../../src/db/client.js';

describe('query timeout signals', () => {
  it('share one signal within a window (1/20 of the timeout, at most 100 ms) and start a new one after it', () => {
    let clock = 1_000;
    const next = timeoutSignals(15_000, () => clock);
    const first = next();
    clock += 99;
    expect(next()).toBe(first);
    clock += 1;
    const second = next();
    expect(second).not.toBe(first);
    const short = timeoutSignals(400, () => clock);
    const a = short();
    clock += 19;
    expect(short()).toBe(a);
    clock += 1;
    expect(short()).not.toBe(a);
  });

  it('fires between the timeout and the timeout plus the window after the window opened', async () => {
    let clock = 0;
    const next = timeoutSignals(200, () => clock);
    const signal = next();
    clock += 9; // a later query of the same window: its own 200 ms end at 209 ms, the signal's at 210 ms
    expect(next()).toBe(signal);
    const started = performance.now();
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(205);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });
});
