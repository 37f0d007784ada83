/**
 * The local Neon endpoint, exercised through the REAL client stack: @neondatabase/serverless `neon()`
 * and drizzle-orm/neon-http, routed in-process with neonConfig.fetchFunction (and once over real HTTP).
 * Runs on PGlite always, and on PostgreSQL too when TEST_DATABASE_URL is set (each suite in its own
 * scratch schema, dropped at the end).
 */
import { randomBytes } from 'node:crypto';
import { neon, NeonDbError, type NeonQueryFunction } from '@neondatabase/serverless';
import { DrizzleQueryError, eq, sql } from 'drizzle-orm';
import { drizzle, type NeonHttpDatabase } from 'drizzle-orm/neon-http';
import {
  bigint,
  boolean,
  date,
  integer,
  jsonb,
  numeric,
  pgSchema,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPgBackend, openPgliteBackend, type SqlBackend } from '../../src/local/backends.js';
import { serveSqlEndpoint } from '../../src/local/http-server.js';
import { localDatabaseUrl, useLocalEndpoint, useLoopbackFetchEndpoint, type LocalRoute } from '../../src/local/neon-local.js';
import { createSqlEndpoint, faults, type SqlEndpoint } from '../../src/local/sql-endpoint.js';
import { pgliteTemplate } from '../support/database.js';

const backends: { name: string; open: () => Promise<SqlBackend> }[] = [
  // From the cached migrated template: ~1 s instead of ~5 s for a blank in-memory initdb.
  { name: 'pglite', open: async () => openPgliteBackend({ loadDataDir: await pgliteTemplate() }) },
];
if (process.env.TEST_DATABASE_URL) {
  const url = process.env.TEST_DATABASE_URL;
  backends.push({ name: 'postgres', open: () => openPgBackend(url) });
}

/** What app code does to reach PostgreSQL's error: drizzle wraps single queries, not batches. */
function pgError(e: unknown): NeonDbError {
  const inner = e instanceof DrizzleQueryError ? e.cause : e;
  expect(inner).toBeInstanceOf(NeonDbError);
  return inner as NeonDbError;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

function tablesIn(schemaName: string) {
  const schema = pgSchema(schemaName);
  const items = schema.table('items', {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull().unique('items_name_key'),
    data: jsonb('data').$type<Record<string, unknown>>(),
    price: numeric('price', { precision: 12, scale: 4 }),
    active: boolean('active').notNull().default(true),
    big: bigint('big', { mode: 'bigint' }),
    bigText: bigint('big_text', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    tags: text('tags').array(),
    counts: integer('counts').array(),
    day: date('day'),
  });
  return { items };
}

describe.each(backends)('local Neon endpoint on $name', ({ open }) => {
  const schemaName = `sqlep_${randomBytes(4).toString('hex')}`;
  const { items } = tablesIn(schemaName);
  let backend: SqlBackend;
  let endpoint: SqlEndpoint;
  let route: LocalRoute;
  let q: NeonQueryFunction<false, false>;
  let db: NeonHttpDatabase;

  beforeAll(async () => {
    backend = await open();
    endpoint = createSqlEndpoint(backend);
    route = useLocalEndpoint(endpoint);
    q = neon(route.databaseUrl);
    db = drizzle(q);
    await q.query(`CREATE SCHEMA ${schemaName}`);
    await q.query(`CREATE TABLE ${schemaName}.items (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL CONSTRAINT items_name_key UNIQUE,
      data jsonb, price numeric(12, 4), active boolean NOT NULL DEFAULT true,
      big int8, big_text int8, created_at timestamptz NOT NULL DEFAULT now(),
      tags text[], counts int[], day date)`);
  });

  afterEach(() => endpoint.setFault(null));

  afterAll(async () => {
    if (!backend) return;
    await q.query(`DROP SCHEMA IF EXISTS ${schemaName} CASCADE`).catch(() => {});
    route.release();
    await backend.close();
  });

  it('round-trips typed values through drizzle as on Neon', async () => {
    const createdAt = new Date('2024-02-29T23:59:58.123Z');
    const tags = ['a,b', null, 'say "hi"', 'back\\slash', '{}', '', 'NULL', 'ünï €'];
    const [inserted] = await db
      .insert(items)
      .values({
        name: 'typed',
        data: { nested: { list: [1, 'two', null] }, unicode: 'ü€', quote: '"' },
        price: '12345.6789',
        active: false,
        big: 9007199254740993n,
        bigText: 42,
        createdAt,
        tags: tags as string[],
        counts: [1, -2, 3],
        day: '2024-02-29',
      })
      .returning();
    expect(inserted).toBeDefined();
    const [row] = await db.select().from(items).where(eq(items.id, inserted!.id));
    expect(row).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'typed',
      data: { nested: { list: [1, 'two', null] }, unicode: 'ü€', quote: '"' },
      price: '12345.6789',
      active: false,
      big: 9007199254740993n,
      bigText: 42,
      createdAt,
      tags,
      counts: [1, -2, 3],
      day: '2024-02-29',
    });
    expect(row).toEqual(inserted);
  });

  it('returns raw driver values as Neon does (int8/numeric strings, parsed json, bool, arrays, bytea)', async () => {
    const [row] = await q.query(
      `SELECT 9007199254740993::int8 AS big, 1.50::numeric AS num, 2::int2 AS small, 1.5::float8 AS dbl,
              '{"a":[1,null]}'::jsonb AS jb, '[1,2]'::json AS js, true AS yes, ARRAY[1,NULL,3] AS ints,
              ARRAY['x,y', NULL, 'q"'] AS texts, $1::bytea AS bin, '7f1e7a8e-0a4f-4f8a-9a43-2f0f3c1d8f00'::uuid AS id,
              NULL::text AS nothing, $2::text AS param`,
      [Buffer.from([0, 1, 254, 255]), 'ünï'],
    );
    expect(row).toEqual({
      big: '9007199254740993',
      num: '1.50',
      small: 2,
      dbl: 1.5,
      jb: { a: [1, null] },
      js: [1, 2],
      yes: true,
      ints: [1, null, 3],
      texts: ['x,y', null, 'q"'],
      bin: Buffer.from([0, 1, 254, 255]),
      id: '7f1e7a8e-0a4f-4f8a-9a43-2f0f3c1d8f00',
      nothing: null,
      param: 'ünï',
    });
    // drizzle installs identity parsers for timestamps/dates globally, so raw results keep Neon's text.
    const [time] = await q.query(`SELECT '2024-01-02T03:04:05.678Z'::timestamptz AS at, '2024-01-02'::date AS day`);
    expect(time).toEqual({ at: '2024-01-02 03:04:05.678+00', day: '2024-01-02' });
  });

  it('answers the exact Neon JSON shape (fields, command, rowCount) and honours array/object mode', async () => {
    const full = await q.query('SELECT 1::int4 AS a, $1::text AS b', ['x'], { fullResults: true, arrayMode: true });
    expect(full.command).toBe('SELECT');
    expect(full.rowCount).toBe(1);
    expect(full.rows).toEqual([[1, 'x']]);
    expect(full.fields).toEqual([
      { name: 'a', dataTypeID: 23, tableID: 0, columnID: 0, dataTypeSize: 4, dataTypeModifier: -1, format: 'text' },
      { name: 'b', dataTypeID: 25, tableID: 0, columnID: 0, dataTypeSize: -1, dataTypeModifier: -1, format: 'text' },
    ]);
    expect(await q.query('SELECT 1 AS a, 2 AS b', [], { arrayMode: false })).toEqual([{ a: 1, b: 2 }]);

    const update = await q.query(`UPDATE ${schemaName}.items SET active = active WHERE false`, [], { fullResults: true });
    expect([update.command, update.rowCount]).toEqual(['UPDATE', 0]);
    const ddl = await q.query(`CREATE TABLE ${schemaName}.shape (id int)`, [], { fullResults: true });
    expect([ddl.command, ddl.rowCount]).toEqual(['CREATE', null]);
    const insert = await q.query(`INSERT INTO ${schemaName}.shape VALUES (1), (2)`, [], { fullResults: true });
    expect([insert.command, insert.rowCount]).toEqual(['INSERT', 2]);
    const select = await q.query(`SELECT id FROM ${schemaName}.shape`, [], { fullResults: true });
    expect(select.fields[0]!.tableID).toBeGreaterThan(0);
    expect(select.fields[0]!.columnID).toBe(1);
  });

  it('converts cells to JSON without Neon-Raw-Text-Output and keys rows without Neon-Array-Mode', async () => {
    const response = await endpoint.handle(
      new Request('http://local/sql', {
        method: 'POST',
        headers: { 'Neon-Connection-String': route.databaseUrl },
        body: JSON.stringify({
          query: `SELECT 1::int4 AS i, 2::int8 AS l, true AS b, 'NaN'::float8 AS nan, '{"k":1}'::jsonb AS j,
                  ARRAY[1,NULL]::int4[] AS ia, ARRAY['a b',NULL]::text[] AS ta, ARRAY[[true],[false]] AS nested,
                  $1::int4 + 1 AS param, $2::text[] AS arr`,
          params: [41, ['x', null, 'y"z']],
        }),
      }),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { rowAsArray: boolean; rows: unknown[] };
    expect(body.rowAsArray).toBe(false);
    expect(body.rows).toEqual([
      { i: 1, l: '2', b: true, nan: 'NaN', j: { k: 1 }, ia: [1, null], ta: ['a b', null], nested: [[true], [false]], param: 42, arr: ['x', null, 'y"z'] },
    ]);
  });

  it('runs a batch atomically: a failing statement rolls back the earlier ones', async () => {
    const error = await rejection(
      db.batch([
        db.insert(items).values({ name: 'batch-first' }),
        db.insert(items).values({ name: 'batch-first' }), // duplicate → 23505
      ]),
    );
    expect(pgError(error).code).toBe('23505');
    expect(await db.select().from(items).where(eq(items.name, 'batch-first'))).toEqual([]);

    const ok = await db.batch([
      db.insert(items).values({ name: 'batch-ok' }).returning({ name: items.name }),
      db.select({ n: sql<number>`count(*)::int` }).from(items).where(eq(items.name, 'batch-ok')),
    ]);
    expect(ok).toEqual([[{ name: 'batch-ok' }], [{ n: 1 }]]);
  });

  it('honours Neon-Batch-Read-Only and the isolation level', async () => {
    const readOnly = await rejection(
      q.transaction([q.query(`INSERT INTO ${schemaName}.items (name) VALUES ('ro')`)], { readOnly: true }),
    );
    expect(pgError(readOnly).code).toBe('25006');
    const [[level]] = (await q.transaction([q.query('SHOW transaction_isolation')], {
      isolationLevel: 'Serializable',
      deferrable: true,
    })) as unknown as [[{ transaction_isolation: string }]];
    expect(level).toEqual({ transaction_isolation: 'serializable' });
  });

  it('reports 23505 with its constraint for single queries (DrizzleQueryError.cause) and batches (NeonDbError)', async () => {
    await db.insert(items).values({ name: 'dup' });
    const single = await rejection(db.insert(items).values({ name: 'dup' }));
    expect(single).toBeInstanceOf(DrizzleQueryError);
    const e = pgError(single);
    expect(e).toMatchObject({
      code: '23505',
      constraint: 'items_name_key',
      table: 'items',
      schema: schemaName,
      severity: 'ERROR',
      detail: 'Key (name)=(dup) already exists.',
    });
    expect(e.message).toBe('duplicate key value violates unique constraint "items_name_key"');

    const batch = await rejection(db.batch([db.insert(items).values({ name: 'dup' })]));
    expect(batch).toBeInstanceOf(NeonDbError);
    expect(pgError(batch)).toMatchObject({ code: '23505', constraint: 'items_name_key' });

    const syntax = pgError(await rejection(q.query('SELEC 1')));
    expect(syntax).toMatchObject({ code: '42601', position: '1' });
  });

  it('refuses multi-statement strings (42601) as Neon does', async () => {
    const error = pgError(await rejection(q.query(`INSERT INTO ${schemaName}.items (name) VALUES ('multi'); SELECT 1`)));
    expect(error.code).toBe('42601');
    expect(error.message).toMatch(/multiple commands/);
    expect(pgError(await rejection(db.execute(sql.raw('SELECT 1; SELECT 2')))).code).toBe('42601');
    expect(await db.select().from(items).where(eq(items.name, 'multi'))).toEqual([]);
  });

  it('does not keep a transaction opened by a lone BEGIN (Neon drops that connection)', async () => {
    await q.query('BEGIN');
    await q.query(`INSERT INTO ${schemaName}.items (name) VALUES ('after-begin')`);
    await q.query('ROLLBACK'); // a no-op: nothing is open
    expect(await db.select({ name: items.name }).from(items).where(eq(items.name, 'after-begin'))).toEqual([
      { name: 'after-begin' },
    ]);
  });

  it('keeps concurrent requests apart: a failing batch never rolls back another request', async () => {
    const work = Array.from({ length: 12 }, (_, i) =>
      i % 2 === 0
        ? db.insert(items).values({ name: `concurrent-single-${i}` })
        : db.batch([
            db.insert(items).values({ name: `concurrent-batch-${i}` }),
            db.insert(items).values({ name: 'concurrent-dup' }),
            db.insert(items).values({ name: 'concurrent-dup' }),
          ]),
    );
    const outcomes = await Promise.allSettled(work);
    expect(outcomes.map((o) => o.status)).toEqual(work.map((_, i) => (i % 2 === 0 ? 'fulfilled' : 'rejected')));
    const names = await db
      .select({ name: items.name })
      .from(items)
      .where(sql`${items.name} LIKE 'concurrent-%'`);
    expect(names.map((r) => r.name).sort()).toEqual([0, 2, 4, 6, 8, 10].map((i) => `concurrent-single-${i}`).sort());
  });

  it('counts round trips: one per request, a batch of 3 is one', async () => {
    endpoint.resetStats();
    await db.batch([db.select().from(items).limit(1), db.select().from(items).limit(1), db.select().from(items).limit(1)]);
    expect(endpoint.stats).toMatchObject({ roundTrips: 1, statements: 3, errors: 0 });
    await db.select().from(items).limit(1);
    await rejection(q.query('SELECT 1/0'));
    expect(endpoint.resetStats()).toEqual({ roundTrips: 3, statements: 5, errors: 1 });
    expect(endpoint.stats.roundTrips).toBe(0);
  });

  it('injects HTTP errors, network failures, hangs and delays', async () => {
    endpoint.setFault(faults.once({ type: 'status', status: 500 }));
    const http = await rejection(q.query('SELECT 1'));
    expect(http).toBeInstanceOf(NeonDbError);
    expect((http as Error).message).toMatch(/HTTP status 500/);
    expect((http as NeonDbError).code).toBeUndefined();
    expect(await q.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]); // once: next request is served

    endpoint.setFault(faults.once({ type: 'network' }));
    const network = await rejection(q.query('SELECT 1'));
    expect((network as Error).message).toMatch(/Error connecting to database: TypeError: fetch failed/);

    endpoint.setFault(() => ({ type: 'hang' }));
    const started = Date.now();
    const hang = await rejection(q.query('SELECT 1', [], { fetchOptions: { signal: AbortSignal.timeout(150) } }));
    expect((hang as Error).message).toMatch(/Error connecting to database/);
    expect(Date.now() - started).toBeLessThan(5000);

    endpoint.setFault(faults.once({ type: 'delay', ms: 120 }));
    const delayedStart = Date.now();
    expect(await q.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
    expect(Date.now() - delayedStart).toBeGreaterThanOrEqual(100);

    // The response is lost after the statement committed: the client fails, the row exists.
    endpoint.setFault(faults.matching(/^insert/i, { type: 'network', afterExecute: true }, 1));
    await rejection(db.insert(items).values({ name: 'lost-response' }));
    expect(await db.select({ name: items.name }).from(items).where(eq(items.name, 'lost-response'))).toHaveLength(1);
  });

  it('refuses bad requests like Neon, limits responses to 10 MiB (507) and logs requests', async () => {
    const post = (headers: Record<string, string>, body: string) =>
      endpoint.handle(new Request('http://local/sql', { method: 'POST', headers, body }));
    const noConnection = await post({}, JSON.stringify({ query: 'SELECT 1' }));
    expect(noConnection.status).toBe(400);
    expect(await noConnection.json()).toMatchObject({ message: expect.stringMatching(/Neon-Connection-String/), code: '' });
    const badJson = await post({ 'Neon-Connection-String': route.databaseUrl }, '{');
    expect(badJson.status).toBe(400);

    const entries: unknown[] = [];
    const small = createSqlEndpoint(backend, { maxResponseBytes: 1000, onRequest: (entry) => entries.push(entry) });
    const smallRoute = useLocalEndpoint(small);
    try {
      const big = await rejection(neon(smallRoute.databaseUrl).query("SELECT repeat('x', 2000) AS big"));
      expect((big as Error).message).toMatch(/HTTP status 507.*response is too large/);
      expect(entries).toEqual([
        expect.objectContaining({ roundTrip: 1, batch: false, queries: ["SELECT repeat('x', 2000) AS big"], status: 507 }),
      ]);
    } finally {
      smallRoute.release();
    }
  });

  it('serves the same protocol over real HTTP (fetchEndpoint), with faults dropping the socket', async () => {
    const server = await serveSqlEndpoint(endpoint);
    const restore = useLoopbackFetchEndpoint();
    try {
      const overHttp = neon(localDatabaseUrl(server.port));
      const before = endpoint.stats.roundTrips;
      expect(await overHttp.query('SELECT $1::int8 AS n, true AS t', ['5'])).toEqual([{ n: '5', t: true }]);
      const dup = await rejection(
        overHttp.transaction([
          overHttp.query(`INSERT INTO ${schemaName}.items (name) VALUES ('http')`),
          overHttp.query(`INSERT INTO ${schemaName}.items (name) VALUES ('http')`),
        ]),
      );
      expect(pgError(dup)).toMatchObject({ code: '23505', constraint: 'items_name_key' });
      expect(endpoint.stats.roundTrips - before).toBe(2);

      endpoint.setFault(faults.once({ type: 'network' }));
      expect(String(await rejection(overHttp.query('SELECT 1')))).toMatch(/Error connecting to database/);

      const health = await fetch(server.url.replace(/\/sql$/, '/health'));
      expect(await health.json()).toEqual({ ok: true, backend: backend.kind });
    } finally {
      restore();
      await server.close();
    }
  });
});
