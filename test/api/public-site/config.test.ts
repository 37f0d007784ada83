/** Configuration of the contact form and the request logs (SPEC-WAVE2 §14.6, §15.4). */
import { describe, expect, it } from 'vitest';
import { parseConfig, TURNSTILE_SITEVERIFY_URL } from '../../../src/config.js';
import { configProblems, PRODUCTION_ENV } from '../../support/config.js';

const production = PRODUCTION_ENV;
const problemsOf = configProblems;

describe('request-log and Turnstile settings', () => {
  it('defaults: logging on, every request sampled in development/test, one in ten in production; Turnstile off, Cloudflare URL', () => {
    expect(parseConfig({ APP_ENV: 'test' }).requestLog).toEqual({ enabled: true, sampleRate: 1, slowMs: 1000, retentionDays: 30 });
    expect(parseConfig(production).requestLog.sampleRate).toBe(0.1);
    expect(parseConfig(production).turnstile).toEqual({ secretKey: undefined, verifyUrl: TURNSTILE_SITEVERIFY_URL });
  });

  it('refuses a sample rate outside 0..1 and a retention outside 1..365 days', () => {
    for (const env of [{ REQUEST_LOG_SAMPLE_RATE: '1.5' } as Record<string, string>, { REQUEST_LOG_SAMPLE_RATE: '-0.1' }, { REQUEST_LOG_RETENTION_DAYS: '0' }, { REQUEST_LOG_RETENTION_DAYS: '366' }]) {
      expect(problemsOf({ APP_ENV: 'test', ...env }).length, JSON.stringify(env)).toBeGreaterThan(0);
    }
    expect(parseConfig({ APP_ENV: 'test', REQUEST_LOG_SAMPLE_RATE: '0' }).requestLog.sampleRate).toBe(0);
  });

  it('production needs an https Turnstile verify URL', () => {
    expect(problemsOf({ ...production, TURNSTILE_VERIFY_URL: 'http://127.0.0.1:9/siteverify' })).toEqual(['TURNSTILE_VERIFY_URL must be https in production']);
    expect(problemsOf({ ...production, TURNSTILE_SECRET_KEY: 'secret' })).toEqual([]);
  });
});
