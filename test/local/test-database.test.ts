/**
 * createTestDatabase: each call gives a migrated database of its own, reachable by the neon driver
 * through the returned databaseUrl. Runs on PGlite, and on PostgreSQL when TEST_DATABASE_URL is set.
 */
import { readFileSync } from 'node:fs';
import { neon } from '@neondatabase/serverless';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const journal = JSON.parse(readFileSync(new URL('../../drizzle/meta/_journal.json', import.meta.url), 'utf8')) as {
  entries: unknown[];
};
const kinds: ('pglite' | 'pg')[] = process.env.TEST_DATABASE_URL ? ['pglite', 'pg'] : ['pglite'];

describe.each(kinds)('createTestDatabase (%s)', (kind) => {
  const opened: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of opened) await db.close();
  });

  it('gives isolated, migrated databases', async () => {
    const t0 = performance.now();
    const first = await createTestDatabase({ kind });
    opened.push(first);
    const t1 = performance.now();
    const second = await createTestDatabase({ kind });
    opened.push(second);
    const t2 = performance.now();
    console.info(`[${kind}] first createTestDatabase ${(t1 - t0).toFixed(0)} ms, second ${(t2 - t1).toFixed(0)} ms`);

    const a = neon(first.databaseUrl);
    const b = neon(second.databaseUrl);
    expect(first.databaseUrl).not.toBe(second.databaseUrl);
    for (const q of [a, b]) {
      expect(await q.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations')).toEqual([
        { n: journal.entries.length },
      ]);
    }

    await a.query('CREATE TABLE only_in_first (id int)');
    expect(await a.query("SELECT to_regclass('only_in_first') IS NOT NULL AS present")).toEqual([{ present: true }]);
    expect(await b.query("SELECT to_regclass('only_in_first') IS NOT NULL AS present")).toEqual([{ present: false }]);
    expect(first.endpoint.stats.roundTrips).toBe(3);
    expect(second.backend.kind).toBe(kind === 'pg' ? 'pg' : 'pglite');
  });
});
