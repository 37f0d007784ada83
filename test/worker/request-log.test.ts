/**
 * Request logs inside workerd (SPEC-WAVE2 §15.2): the row is written by `waitUntil` after the response —
 * the response is back while the local endpoint still holds the insert for 2 s, the row then arrives
 * with `runtime: 'workers'`, and `me` still costs the one round trip it always did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createDb } from '../../src/db/client.js';
import { seedDatabase } from '../../src/db/seed.js';
import { serveSqlEndpoint, type SqlHttpServer } from '../../src/local/http-server.js';
import { localDatabaseUrl } from '../../src/local/neon-local.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startWranglerDev, type WranglerDev } from './wrangler.js';

let database: TestDatabase;
let sqlServer: SqlHttpServer;
let worker: WranglerDev;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDatabase(createDb(database.databaseUrl), parseConfig({ APP_ENV: 'test', DATABASE_URL: database.databaseUrl }));
  sqlServer = await serveSqlEndpoint(database.endpoint);
  worker = await startWranglerDev({ DATABASE_URL: localDatabaseUrl(sqlServer.port), LOG_LEVEL: 'warn', REQUEST_LOG_ENABLED: 'true', REQUEST_LOG_SAMPLE_RATE: '1' });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await sqlServer?.close();
  await database?.close();
});

const isLogInsert = (query: string) => /insert into "api_request_logs"/i.test(query);

async function waitForRow(requestId: string, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const result = await database.backend.query('SELECT runtime, route, status FROM api_request_logs WHERE request_id = $1', [requestId]);
    if (result.rows.length > 0 || Date.now() > until) return result.rows;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('request logs on workerd', () => {
  it('the response does not wait for the log insert (held 2 s); the row arrives through waitUntil', async () => {
    let inserts = 0;
    database.endpoint.setFault(({ queries }) => {
      if (!queries.some(isLogInsert)) return undefined;
      inserts++;
      return { type: 'delay', ms: 2000 };
    });
    try {
      const requestId = `worker-log-${Date.now().toString(36)}`;
      const started = Date.now();
      const res = await fetch(`${worker.url}/api/settings?page=1&q=secret-search`, { headers: { 'x-request-id': requestId } });
      await res.text();
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1500);
      const rows = await waitForRow(requestId, 15_000);
      expect(rows).toEqual([['workers', '/api/settings', '200']]);
      expect(inserts).toBe(1);
      const text = JSON.stringify((await database.backend.query('SELECT to_jsonb(l)::text FROM api_request_logs l WHERE request_id = $1', [requestId])).rows);
      expect(text).not.toContain('secret-search');
    } finally {
      database.endpoint.setFault(null);
    }
  });
});
