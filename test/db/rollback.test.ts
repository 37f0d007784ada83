/**
 * rollbackLastMigration's refusals and atomicity, on a tiny drizzle-kit style folder with schemas of
 * its own (so it can share the migrated template database without touching the app's tables):
 * nothing applied → nothing done; missing down script, unknown applied migration, changed migration
 * file → refused with nothing changed; a failing down script → the whole rollback is undone.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteBackend, type SqlBackend } from '../../src/local/backends.js';
import { applyMigrations } from '../../src/local/migrate.js';
import { RollbackError, rollbackLastMigration } from '../../src/local/rollback.js';
import { pgliteTemplate } from '../support/database.js';

let backend: SqlBackend;
const dirs: string[] = [];
beforeAll(async () => {
  backend = await openPgliteBackend({ loadDataDir: await pgliteTemplate() });
});
afterAll(async () => {
  await backend?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Two migrations (create a table; add a column) with their down scripts, in unique schemas. */
function fixture() {
  const suffix = randomBytes(4).toString('hex');
  const app = `rb_app_${suffix}`;
  const meta = `rb_meta_${suffix}`;
  const folder = mkdtempSync(join(tmpdir(), 'planlyze-rollback-'));
  dirs.push(folder);
  mkdirSync(join(folder, 'meta'));
  mkdirSync(join(folder, 'down'));
  const entries = [
    {
      tag: '0000_notes',
      up: `CREATE SCHEMA "${app}";\n--> statement-breakpoint\nCREATE TABLE "${app}"."notes" ("id" serial PRIMARY KEY);`,
      down: `DROP TABLE "${app}"."notes";\n--> statement-breakpoint\nDROP SCHEMA "${app}";`,
    },
    {
      tag: '0001_pinned',
      up: `ALTER TABLE "${app}"."notes" ADD COLUMN "pinned" boolean DEFAULT false NOT NULL;`,
      down: `-- undo 0001\nALTER TABLE "${app}"."notes" DROP COLUMN "pinned";`,
    },
  ];
  writeFileSync(
    join(folder, 'meta', '_journal.json'),
    JSON.stringify({
      version: '7',
      dialect: 'postgresql',
      entries: entries.map((e, idx) => ({ idx, version: '7', when: 1_700_000_000_000 + idx, tag: e.tag, breakpoints: true })),
    }),
  );
  for (const e of entries) {
    writeFileSync(join(folder, `${e.tag}.sql`), e.up);
    writeFileSync(join(folder, 'down', `${e.tag}.sql`), e.down);
  }
  const options = { migrationsFolder: folder, migrationsSchema: meta };
  return {
    app,
    folder,
    options,
    apply: () => applyMigrations(backend, folder, { migrationsSchema: meta }),
    rows: async () => (await backend.query(`SELECT created_at::text FROM "${meta}".__drizzle_migrations ORDER BY created_at`, [])).rows.flat(),
    hasPinned: async () =>
      (
        await backend.query(
          `SELECT count(*)::text FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'notes' AND column_name = 'pinned'`,
          [app],
        )
      ).rows[0]?.[0] === '1',
  };
}

describe('rollbackLastMigration', () => {
  it('does nothing when no migration was ever applied', async () => {
    const f = fixture();
    expect(await rollbackLastMigration(backend, f.options)).toEqual({ rolledBack: false, reason: 'nothing-applied' });
  });

  it('undoes the newest migration and deletes only its bookkeeping row; db:migrate re-applies it', async () => {
    const f = fixture();
    await f.apply();
    expect(await f.rows()).toEqual(['1700000000000', '1700000000001']);
    expect(await rollbackLastMigration(backend, f.options)).toEqual({
      rolledBack: true,
      tag: '0001_pinned',
      when: 1_700_000_000_001,
      statements: 1,
      remaining: 1,
    });
    expect(await f.rows()).toEqual(['1700000000000']);
    expect(await f.hasPinned()).toBe(false);
    await f.apply();
    expect(await f.hasPinned()).toBe(true);
    expect(await f.rows()).toEqual(['1700000000000', '1700000000001']);
  });

  it('refuses, changing nothing, when the down script is missing', async () => {
    const f = fixture();
    await f.apply();
    unlinkSync(join(f.folder, 'down', '0001_pinned.sql'));
    const error = await rollbackLastMigration(backend, f.options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RollbackError);
    expect((error as Error).message).toMatch(/no down script at .*down\/0001_pinned\.sql/);
    expect(await f.rows()).toHaveLength(2);
    expect(await f.hasPinned()).toBe(true);
  });

  it('rolls the whole step back when a down statement fails (one transaction)', async () => {
    const f = fixture();
    await f.apply();
    // First statement succeeds, second fails: the dropped column must come back, the row must stay.
    writeFileSync(
      join(f.folder, 'down', '0001_pinned.sql'),
      `ALTER TABLE "${f.app}"."notes" DROP COLUMN "pinned";\n--> statement-breakpoint\nSELECT 1/0;`,
    );
    await expect(rollbackLastMigration(backend, f.options)).rejects.toMatchObject({ code: '22012' });
    expect(await f.hasPinned()).toBe(true);
    expect(await f.rows()).toHaveLength(2);
  });

  it('refuses when the migration file changed after it was applied, unless forced', async () => {
    const f = fixture();
    await f.apply();
    appendFileSync(join(f.folder, '0001_pinned.sql'), '\n-- edited later');
    await expect(rollbackLastMigration(backend, f.options)).rejects.toThrow(/changed after it was applied/);
    expect(await f.hasPinned()).toBe(true);
    expect(await rollbackLastMigration(backend, { ...f.options, force: true })).toMatchObject({ rolledBack: true, tag: '0001_pinned' });
    expect(await f.hasPinned()).toBe(false);
  });

  it('refuses when the newest applied migration is not in this journal', async () => {
    const f = fixture();
    await f.apply();
    await backend.query(`INSERT INTO "${f.options.migrationsSchema}".__drizzle_migrations (hash, created_at) VALUES ('x', 1800000000000)`, []);
    await expect(rollbackLastMigration(backend, f.options)).rejects.toThrow(/not in .*_journal\.json/);
    expect(await f.rows()).toHaveLength(3);
  });
});
