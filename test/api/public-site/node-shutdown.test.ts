/**
 * Node's request-log queue is flushed on shutdown (SPEC-WAVE2 §15.2): rows still queued when SIGTERM
 * arrives (the 2 s interval has not fired yet) are written before the process exits.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { openPgliteBackend } from '../../../src/local/pglite-backend.js';
import { freePort } from '../../support/free-port.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

it('SIGTERM writes the queued request-log rows before exiting', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'planlyze-log-shutdown-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node.ts'], {
    cwd: ROOT,
    env: { ...process.env, APP_ENV: 'development', DATABASE_URL: join(dataDir, 'pglite'), PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', REQUEST_LOG_ENABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited early:\n${output}`);
      if (Date.now() > deadline) throw new Error(`the server did not answer:\n${output}`);
      if (await fetch(`${url}/api/health`).then((r) => r.ok).catch(() => false)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const requestId = `shutdown-${Date.now().toString(36)}`;
    const res = await fetch(`${url}/api/credit-packages`, { headers: { 'x-request-id': requestId } });
    expect(res.status).toBe(200);
    await res.text();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const backend = await openPgliteBackend({ dataDir: join(dataDir, 'pglite') });
    try {
      const { rows } = await backend.query('SELECT runtime, route, status::text FROM api_request_logs WHERE request_id = $1', [requestId]);
      expect(rows).toEqual([['node', '/api/credit-packages', '200']]);
    } finally {
      await backend.close();
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
