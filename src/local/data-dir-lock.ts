/**
 * One process at a time per embedded database directory (Node only).
 *
 * PGlite is PostgreSQL in WASM inside ONE process, with no postmaster and no shared memory between
 * processes: two processes opening the same data directory (say `npm start` and `npm run dev`, or a
 * `db:seed` next to a running server) each believe they own it and corrupt it. So whoever opens a
 * data directory first writes `<dir>.lock` holding its pid; others are refused with a clear message.
 *
 * A lock whose pid is no longer running (the holder crashed or was killed by SIGKILL) is stale and
 * taken over. Known gaps, accepted for a development tool: a recycled pid keeps a stale lock looking
 * alive (delete the file), and two processes taking over the same stale lock at the same instant can
 * both win. `drizzle-kit migrate` on the embedded database does not know about this lock.
 */
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { openBackend, type SqlBackend } from './backends.js';

export interface DataDirLock {
  readonly path: string;
  /** Idempotent; also runs automatically when the process exits normally. */
  release(): void;
}

interface LockOwner {
  pid: number;
  command: string;
  since: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly lockPath: string,
    readonly owner: LockOwner,
  ) {
    const shown = relative(process.cwd(), lockPath) || lockPath;
    super(
      `The embedded database ${relative(process.cwd(), dataDir) || dataDir} is in use by process ${owner.pid} ` +
        `(${owner.command || 'unknown command'}, since ${owner.since || 'unknown'}). PGlite allows one process at a ` +
        `time: stop that process first (npm start / npm run dev), or delete ${shown} if you are sure it is gone.`,
    );
    this.name = 'DataDirLockedError';
  }
}

export function lockPathFor(dataDir: string): string {
  return `${resolve(dataDir)}.lock`;
}

export function lockDataDir(dataDir: string): DataDirLock {
  const path = lockPathFor(dataDir);
  mkdirSync(dirname(path), { recursive: true });
  const me: LockOwner = { pid: process.pid, command: describeCommand(), since: new Date().toISOString() };

  for (let attempt = 0; ; attempt++) {
    try {
      // Written aside, then hard-linked into place: link() fails if the lock exists (so of two processes
      // starting together exactly one wins), and the lock is never seen half-written.
      const temp = `${path}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify(me)}\n`);
      try {
        linkSync(temp, path);
      } finally {
        removeIfPresent(temp);
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw e;
      const owner = readOwner(path);
      // Our own pid counts as taken too: a second PGlite on the same directory in one process is just as unsafe.
      if (owner && (owner.pid === process.pid || isRunning(owner.pid))) throw new DataDirLockedError(dataDir, path, owner);
      removeIfPresent(path); // stale (or unreadable): take it over
    }
  }

  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    // Only remove a lock that is still ours.
    if (readOwner(path)?.pid === process.pid) removeIfPresent(path);
  };
  process.on('exit', release);
  return { path, release };
}

/** The PGlite data directory `openBackend(spec)` would open, or undefined (PostgreSQL URL, in-memory). */
export function pgliteDataDir(spec: string | undefined): string | undefined {
  const value = spec?.trim() ?? '';
  if (/^postgres(ql)?:\/\//i.test(value) || value === '' || value === 'memory' || value === 'memory://') return undefined;
  return value;
}

/**
 * `openBackend(spec)` holding the data directory's lock for a persistent PGlite database; the
 * backend's close() releases it. PostgreSQL and in-memory specs open as usual (nothing to lock).
 */
export async function openLockedBackend(spec: string): Promise<SqlBackend> {
  const dataDir = pgliteDataDir(spec);
  if (!dataDir) return openBackend(spec);
  const lock = lockDataDir(dataDir);
  let backend: SqlBackend;
  try {
    backend = await openBackend(spec);
  } catch (e) {
    lock.release();
    throw e;
  }
  const close = backend.close.bind(backend);
  backend.close = async () => {
    try {
      await close();
    } finally {
      lock.release();
    }
  };
  return backend;
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' && Number.isInteger(parsed.pid) && parsed.pid > 0
      ? { pid: parsed.pid, command: String(parsed.command ?? ''), since: String(parsed.since ?? '') }
      : undefined;
  } catch {
    return undefined; // missing, half-written or foreign: treated as stale
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function describeCommand(): string {
  const script = process.env.npm_lifecycle_event;
  if (script) return `npm run ${script}`;
  return process.argv.slice(1, 3).map((a) => relative(process.cwd(), a) || a).join(' ');
}
