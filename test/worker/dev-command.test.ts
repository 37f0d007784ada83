/**
 * Issue 10 §3: `npm run dev` (scripts/dev.ts) passes the shell's settings to the Worker (wrangler alone
 * would not: only wrangler.toml, .dev.vars and --var reach it), and an offline start is quiet: no
 * update notice, no Request.cf download with its stack trace about workers.cloudflare.com.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devEnvFile, shellSettings } from '../../scripts/support/dev-env.js';
import { freePort, ROOT } from './wrangler.js';

describe('npm run dev: the Worker\'s settings (scripts/support/dev-env.ts)', () => {
  const root = mkdtempSync(join(tmpdir(), 'planlyze-dev-env-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('takes every configuration setting from the shell, not DATABASE_URL, PORT or unrelated variables', () => {
    expect(
      shellSettings({
        ANTHROPIC_API_KEY: 'sk-from-shell',
        ANTHROPIC_MODEL: 'claude-x',
        ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/',
        CORS_ORIGINS: 'https://a.example',
        DATABASE_URL: 'postgres://x@y/z',
        PORT: '1234',
        HOME: '/root',
        LOG_LEVEL: '',
      }),
    ).toEqual({
      ANTHROPIC_API_KEY: 'sk-from-shell',
      ANTHROPIC_MODEL: 'claude-x',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/',
      CORS_ORIGINS: 'https://a.example',
    });
  });

  it('keeps .dev.vars and lets the shell win (its lines come last), quoting values safely', () => {
    writeFileSync(join(root, '.dev.vars'), 'ANTHROPIC_MODEL=from-file\nLOG_LEVEL=debug');
    const file = devEnvFile(root, { ANTHROPIC_MODEL: 'from-shell', ANTHROPIC_API_KEY: "it's-secret" });
    expect(file.from).toBe('.dev.vars');
    expect(file.passed).toEqual(['ANTHROPIC_API_KEY', 'ANTHROPIC_MODEL']);
    const lines = file.text.trim().split('\n');
    expect(lines).toEqual([
      'ANTHROPIC_MODEL=from-file',
      'LOG_LEVEL=debug',
      '# from the shell (npm run dev)',
      `ANTHROPIC_API_KEY="it's-secret"`,
      `ANTHROPIC_MODEL='from-shell'`,
    ]);
    expect(() => devEnvFile(root, { SECRET_KEY: 'two\nlines' })).toThrow(/SECRET_KEY/);
  });
});

describe('npm run dev, started for real', () => {
  it('hands a shell setting to the Worker, and an offline start prints no update notice and no stack trace', { timeout: 150_000 }, async () => {
    const [port, sqlPort] = [await freePort(), await freePort()];
    const dataDir = mkdtempSync(join(tmpdir(), 'planlyze-dev-cmd-'));
    const origin = 'https://shell-setting.example';
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NO_COLOR: '1',
        PORT: String(port),
        DEV_SQL_PORT: String(sqlPort),
        DATABASE_URL: join(dataDir, 'pglite'),
        CORS_ORIGINS: origin,
        ANTHROPIC_API_KEY: 'sk-test-from-the-shell',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const deadline = Date.now() + 120_000;
      while (!output.includes('Ctrl-C stops both')) {
        if (child.exitCode !== null) throw new Error(`npm run dev exited (${child.exitCode}):\n${output}`);
        if (Date.now() > deadline) throw new Error(`npm run dev did not come up:\n${output}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      // CORS_ORIGINS from the shell, not wrangler.toml's "*".
      const res = await fetch(`http://127.0.0.1:${port}/api/health`, { headers: { origin } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(output).toMatch(/from the shell: .*ANTHROPIC_API_KEY/);
      expect(output).toMatch(/from the shell: .*CORS_ORIGINS/);
      expect(output).not.toContain('sk-test-from-the-shell');
      // Quiet offline: no banner update check, no Request.cf download, no stack trace.
      expect(output).not.toMatch(/update available/i);
      expect(output).not.toContain('workers.cloudflare.com');
      expect(output).not.toContain('Request.cf');
      expect(output).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGINT');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // gone
        }
      }, 10_000);
      await exited;
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(`${join(dataDir, 'pglite')}.lock`, { force: true });
    }
  });
});
