/**
 * One process per PGlite data directory: a live holder (another process, or this one) is refused
 * with a message naming it; a lock left by a dead process is taken over; release removes only our
 * own lock; openLockedBackend refuses before opening PGlite, and ignores PostgreSQL URLs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DataDirLockedError,
  lockDataDir,
  lockPathFor,
  openLockedBackend,
  pgliteDataDir,
} from '../../src/local/data-dir-lock.js';

const root = mkdtempSync(join(tmpdir(), 'planlyze-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function newDir(): string {
  const parent = join(root, `db-${++n}`);
  mkdirSync(parent);
  return join(parent, 'pglite');
}

function writeOwner(dir: string, pid: number) {
  writeFileSync(lockPathFor(dir), JSON.stringify({ pid, command: 'npm run dev', since: '2026-01-01T00:00:00.000Z' }));
}

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('data directory lock', () => {
  it('writes <dir>.lock with our pid and removes it on release', () => {
    const dir = newDir();
    const lock = lockDataDir(dir);
    expect(lock.path).toBe(`${dir}.lock`);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
    lock.release(); // idempotent
    expect(existsSync(lock.path)).toBe(false);
  });

  it('refuses a second holder in the same process', () => {
    const dir = newDir();
    const lock = lockDataDir(dir);
    try {
      expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    } finally {
      lock.release();
    }
    lockDataDir(dir).release(); // free again
  });

  it('refuses while another live process holds it, naming the process and the way out', () => {
    const dir = newDir();
    writeOwner(dir, process.ppid);
    let error: unknown;
    try {
      lockDataDir(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect((error as Error).message).toContain(`in use by process ${process.ppid} (npm run dev`);
    expect((error as Error).message).toContain('.lock');
    expect(JSON.parse(readFileSync(lockPathFor(dir), 'utf8')).pid).toBe(process.ppid); // untouched
  });

  it('takes over a lock left by a process that no longer runs', () => {
    const dir = newDir();
    writeOwner(dir, deadPid());
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over an unreadable lock file', () => {
    const dir = newDir();
    lockDataDir(dir).release();
    writeFileSync(lockPathFor(dir), 'garbage');
    lockDataDir(dir).release();
  });

  it('release leaves a lock alone that is no longer ours', () => {
    const dir = newDir();
    const lock = lockDataDir(dir);
    writeOwner(dir, process.ppid); // e.g. someone deleted ours and another process locked it since
    lock.release();
    expect(existsSync(lockPathFor(dir))).toBe(true);
  });

  it('openLockedBackend refuses a locked directory before opening it', async () => {
    const dir = newDir();
    const lock = lockDataDir(dir);
    try {
      await expect(openLockedBackend(dir)).rejects.toBeInstanceOf(DataDirLockedError);
      expect(existsSync(dir)).toBe(false); // PGlite never created it
    } finally {
      lock.release();
    }
  });

  it('only PGlite data directories are locked', () => {
    expect(pgliteDataDir('.data/pglite')).toBe('.data/pglite');
    expect(pgliteDataDir('postgres://u@127.0.0.1:5432/db')).toBeUndefined();
    expect(pgliteDataDir('postgresql://u@h/db')).toBeUndefined();
    expect(pgliteDataDir('memory')).toBeUndefined();
    expect(pgliteDataDir(undefined)).toBeUndefined();
  });
});
