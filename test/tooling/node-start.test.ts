/**
 * The README's first command, `npm start` (src/node.ts), end to end: a fresh embedded database is
 * migrated and seeded, the API answers, the request log reaches stdout (batched per event-loop turn),
 * and SIGTERM drains and exits 0 with every pending log line written.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));


it('npm start: migrates and seeds a fresh database, serves, logs to stdout, and stops cleanly on SIGTERM', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'planlyze-start-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      APP_ENV: 'development',
      DATABASE_URL: join(dataDir, 'pglite'),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ADMIN_EMAIL: 'start.admin@example.com',
      ADMIN_PASSWORD: 'Start-admin-pass-1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 90_000;
    let health: Response | undefined;
    while (!health) {
      if (child.exitCode !== null) throw new Error(`npm start exited early (${child.exitCode}):\n${stdout}\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`npm start did not answer:\n${stdout}\n${stderr}`);
      health = await fetch(`${url}/api/health`).catch(() => undefined);
      if (!health) await new Promise((r) => setTimeout(r, 250));
    }
    expect(health.status).toBe(200);
    expect(((await health.json()) as any).data).toMatchObject({ status: 'ok', database: { ok: true } });

    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'start.admin@example.com', password: 'Start-admin-pass-1' }),
    });
    expect(login.status).toBe(200);
    const packages = await fetch(`${url}/api/credit-packages`);
    expect(((await packages.json()) as any).data.length).toBeGreaterThan(0);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const requests = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.msg === 'request');
    expect(requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(
      expect.arrayContaining(['GET /api/health 200', 'POST /api/auth/login 200', 'GET /api/credit-packages 200']),
    );
    expect(stdout).toContain('"msg":"shutting down"');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
