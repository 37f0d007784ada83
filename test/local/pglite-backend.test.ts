/**
 * PGlite storage modes: a persistent data directory survives close/reopen, and dumpPglite() produces
 * a tarball that opens as an independent in-memory copy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { dumpPglite, openPgliteBackend } from '../../src/local/backends.js';
import { pgliteTemplate } from '../support/database.js';

const root = mkdtempSync(join(tmpdir(), 'planlyze-pglite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('persists a data directory across reopen and clones through dumpPglite', async () => {
  const dataDir = join(root, 'db');
  const first = await openPgliteBackend({ dataDir, loadDataDir: await pgliteTemplate() });
  await first.query('CREATE TABLE kept (v text)', []);
  await first.query('INSERT INTO kept VALUES ($1)', ['survives']);
  await first.close();

  const reopened = await openPgliteBackend({ dataDir });
  expect((await reopened.query('SELECT v FROM kept', [])).rows).toEqual([['survives']]);
  const dump = await dumpPglite(reopened);
  await reopened.query('INSERT INTO kept VALUES ($1)', ['only in the original']);

  const clone = await openPgliteBackend({ loadDataDir: dump });
  try {
    expect((await clone.query('SELECT v FROM kept', [])).rows).toEqual([['survives']]);
    await clone.query('INSERT INTO kept VALUES ($1)', ['only in the clone']);
    expect((await reopened.query('SELECT count(*) FROM kept', [])).rows).toEqual([['2']]);
  } finally {
    await clone.close();
    await reopened.close();
  }
});
