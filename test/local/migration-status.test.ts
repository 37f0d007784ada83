/**
 * Issue 10 §1: what a production start checks before serving — the journal's migrations missing from
 * drizzle.__drizzle_migrations (src/local/migration-status.ts). The end-to-end refusal is in test/self-host.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../src/local/app-database.js';
import { MigrationsMissingError, pendingMigrations } from '../../src/local/migration-status.js';
import { createTestApp, type TestApp } from '../support/harness.js';

let t: TestApp;
const scratch = mkdtempSync(join(tmpdir(), 'planlyze-migration-status-'));
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await t?.close();
});

describe('pendingMigrations', () => {
  it('a migrated database lacks nothing', async () => {
    expect(await pendingMigrations(t.db, MIGRATIONS_FOLDER)).toEqual([]);
  });

  it('names a shipped migration the database has not applied', async () => {
    const folder = join(scratch, 'drizzle');
    cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
    const journalPath = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number; when: number; tag: string }[] };
    const last = journal.entries.at(-1)!;
    journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1, tag: '9999_not_applied' });
    writeFileSync(journalPath, JSON.stringify(journal));
    expect(await pendingMigrations(t.db, folder)).toEqual(['9999_not_applied']);
  });

  it('a database without the bookkeeping table lacks every migration', async () => {
    await t.db.execute(sql`ALTER TABLE drizzle.__drizzle_migrations RENAME TO __drizzle_migrations_aside`);
    try {
      const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
      expect(await pendingMigrations(t.db, MIGRATIONS_FOLDER)).toEqual(journal.entries.map((e) => e.tag));
    } finally {
      await t.db.execute(sql`ALTER TABLE drizzle.__drizzle_migrations_aside RENAME TO __drizzle_migrations`);
    }
  });

  it('the refusal is one line naming the migrations and the command to run', () => {
    const error = new MigrationsMissingError(['0000_init', '0001_x']);
    expect(error.message).toBe(
      'Refusing to start: the database lacks 2 migration(s) (0000_init, 0001_x). Run `npm run db:migrate:prod` with the same DATABASE_URL first.',
    );
  });
});
