/**
 * A Worker started with APP_ENV=production and weak secrets does not serve: every request gets the
 * 500 MISCONFIGURED envelope (SPEC §8), which names no setting; the problems go to the log only.
 * DATABASE_URL points at a port nobody listens on: the refusal must not depend on the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDatabaseUrl } from '../../src/local/neon-local.js';
import { freePort, startWranglerDev, type WranglerDev } from './wrangler.js';

let worker: WranglerDev;

beforeAll(async () => {
  worker = await startWranglerDev({
    APP_ENV: 'production',
    JWT_SECRET_KEY: 'short',
    SECRET_KEY: 'also-short',
    CORS_ORIGINS: 'https://app.example.com',
    DATABASE_URL: localDatabaseUrl(await freePort()),
  });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
});

describe('production Worker with weak secrets', () => {
  it.each([
    ['GET', '/api/health'],
    ['POST', '/api/auth/login'],
  ])('%s %s → 500 MISCONFIGURED', async (method, path) => {
    const res = await fetch(`${worker.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(method === 'POST' ? { body: JSON.stringify({ email: 'a@example.com', password: 'Password-123' }) } : {}),
    });
    const text = await res.text();
    expect(res.status, text).toBe(500);
    expect(JSON.parse(text)).toMatchObject({ success: false, error_code: 'MISCONFIGURED', status_code: 500 });
    expect(text).not.toMatch(/JWT_SECRET_KEY|SECRET_KEY|short/);
  });

  it('logs which settings are wrong', async () => {
    const deadline = Date.now() + 5_000;
    while (!worker.output().includes('JWT_SECRET_KEY') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(worker.output()).toMatch(/JWT_SECRET_KEY must be at least 32 characters/);
  });
});
