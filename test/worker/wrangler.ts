/**
 * Drives the real wrangler 4.86 CLI for the Worker suite: `wrangler dev` on free ports, isolated from
 * the developer's .dev.vars/.env and .wrangler/state, and `wrangler deploy --dry-run` builds.
 * Every child runs in its own process group so stop() also ends the workerd it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUIET_WRANGLER_ENV } from '../../scripts/support/dev-env.js';
import { freePort } from '../support/free-port.js';

export { freePort };

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
const WRANGLER_ENV = { ...process.env, ...QUIET_WRANGLER_ENV, NO_COLOR: '1', FORCE_COLOR: '0' };

export interface WranglerDev {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** Everything wrangler (and the Worker's console) printed so far. */
  output(): string;
  stop(): Promise<void>;
}

export interface StartWranglerDevOptions {
  /** How long to wait for the first answer from GET /api/health. Default 60 s. */
  timeoutMs?: number;
  /** Extra `wrangler dev` arguments, e.g. `['--test-scheduled']` (serves `/__scheduled?cron=…`). */
  extraArgs?: string[];
}

/** `options` may be a number: the timeout in ms (the original signature). */
export async function startWranglerDev(
  vars: Record<string, string>,
  options: number | StartWranglerDevOptions = {},
): Promise<WranglerDev> {
  const { timeoutMs = 60_000, extraArgs = [] } = typeof options === 'number' ? { timeoutMs: options } : options;
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const scratch = mkdtempSync(join(tmpdir(), 'planlyze-wrangler-dev-'));
  // An explicit (empty) env file makes wrangler skip .dev.vars and .env: a developer's local secrets
  // must not change what this suite tests.
  const envFile = join(scratch, 'empty.env');
  writeFileSync(envFile, '');
  const args = [
    'dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--inspector-port', String(inspectorPort),
    '--show-interactive-dev-session=false',
    '--persist-to', join(scratch, 'state'),
    '--env-file', envFile,
    ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
    ...extraArgs,
  ];
  const child = spawn(WRANGLER, args, { cwd: ROOT, env: WRANGLER_ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopGroup(child);
    rmSync(scratch, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`wrangler dev exited (${child.exitCode ?? child.signalCode}) before serving:\n${output}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer within ${timeoutMs} ms:\n${output}`);
    }
    try {
      await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) });
      return { url, output: () => output, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal); // the group we created (detached): wrangler and its workerd
    } catch {
      // already gone
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export interface CommandResult {
  code: number | null;
  output: string;
  ms: number;
}

/** Runs `wrangler <args>` to completion, output captured. */
export function runWrangler(args: string[], timeoutMs = 90_000): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(WRANGLER, args, { cwd: ROOT, env: WRANGLER_ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => void stopGroup(child), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Math.round(performance.now() - started) });
    });
  });
}

export interface WorkerResponse {
  status: number;
  /** Parsed JSON, or null when the body is not JSON (e.g. /__scheduled). */
  body: any;
  text: string;
}

/** One JSON request to a running Worker, with an optional bearer token. */
export async function callWorker(
  worker: Pick<WranglerDev, 'url'>,
  method: string,
  path: string,
  init: { body?: unknown; token?: string } = {},
): Promise<WorkerResponse> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(`${worker.url}${path}`, {
    method,
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, text };
}
