/** SPEC-WAVE2 §11.10: every production rule of the email settings refuses a bad value (naming the setting, never its value). */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { configProblems, PRODUCTION_ENV } from '../support/config.js';

const production = PRODUCTION_ENV;
const problems = configProblems;

describe('email configuration', () => {
  it('accepts a safe production configuration; the key prefix is optional', () => {
    const config = parseConfig(production);
    expect(config.email).toMatchObject({ provider: 'zeptomail', apiKey: production.EMAIL_API_KEY, apiBaseUrl: 'https://api.zeptomail.com/v1.1', requireVerification: true });
    expect(parseConfig({ ...production, EMAIL_API_KEY: `Zoho-enczapikey ${production.EMAIL_API_KEY}` }).email.apiKey).toBe(production.EMAIL_API_KEY);
  });

  it('development and test default to the log provider, localhost addresses and the documented numbers', () => {
    const config = parseConfig({});
    expect(config.email).toMatchObject({
      provider: 'log',
      from: { address: 'no-reply@localhost', name: 'Planlyze' },
      appUrl: 'http://localhost:5173',
      maxAttempts: 8,
      timeoutMs: 10000,
      batchSize: 20,
      dispatchIntervalMs: 15000,
      retentionDays: 30,
      codeTtlS: 900,
      codeMaxAttempts: 5,
    });
  });

  it.each([
    ['EMAIL_PROVIDER', { EMAIL_PROVIDER: 'log' }],
    ['EMAIL_PROVIDER', { EMAIL_PROVIDER: 'none' }],
    ['EMAIL_API_KEY', { EMAIL_API_KEY: undefined }],
    ['EMAIL_API_KEY', { EMAIL_API_KEY: 'short-key' }],
    ['EMAIL_API_KEY', { EMAIL_API_KEY: 'wSsVR61r8xP2 Qk7mZt3n9LbA' }],
    ['EMAIL_API_BASE_URL', { EMAIL_API_BASE_URL: 'http://api.zeptomail.com/v1.1' }],
    ['EMAIL_FROM', { EMAIL_FROM: undefined }],
    ['EMAIL_FROM', { EMAIL_FROM: 'no-reply@localhost' }],
    ['EMAIL_FROM', { EMAIL_FROM: 'not an address' }],
    ['EMAIL_REPLY_TO', { EMAIL_REPLY_TO: 'nope' }],
    ['APP_URL', { APP_URL: undefined }],
    ['APP_URL', { APP_URL: 'http://app.planlyze.com' }],
    ['APP_URL', { APP_URL: 'https://localhost:5173' }],
    ['APP_URL', { APP_URL: 'https://127.0.0.1' }],
    ['ADMIN_ALERT_EMAIL', { ADMIN_ALERT_EMAIL: 'ops' }],
    ['ADMIN_ALERT_LANGUAGE', { ADMIN_ALERT_LANGUAGE: 'fr' }],
    ['REQUIRE_EMAIL_VERIFICATION', { REQUIRE_EMAIL_VERIFICATION: 'false' }],
  ])('production refuses a bad %s', (name, change) => {
    const env = { ...production, ...change } as Record<string, string | undefined>;
    const found = problems(env);
    expect(found.some((p) => p.startsWith(name))).toBe(true);
    for (const value of Object.values(change)) if (value && value.length > 6) expect(found.join(' ')).not.toContain(value);
  });

  it.each([
    ['EMAIL_MAX_ATTEMPTS', '21'],
    ['EMAIL_MAX_ATTEMPTS', '0'],
    ['EMAIL_TIMEOUT_MS', '999'],
    ['EMAIL_TIMEOUT_MS', '60001'],
    ['EMAIL_BATCH_SIZE', '101'],
    ['EMAIL_DISPATCH_INTERVAL_MS', '999'],
    ['EMAIL_OUTBOX_RETENTION_DAYS', '366'],
    ['EMAIL_CODE_TTL_S', '299'],
    ['EMAIL_CODE_MAX_ATTEMPTS', '11'],
  ])('%s=%s is out of range in every environment', (name, value) => {
    expect(problems({ [name]: value }).some((p) => p.startsWith(name))).toBe(true);
  });
});
