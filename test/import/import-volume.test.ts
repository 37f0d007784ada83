/**
 * Throughput of db:import-flask on 10,000 source rows (users, analyses with tabs, history, notifications),
 * and the money rule at that size: every imported balance equals the source, the ledger invariant holds.
 * Prints rows per second (the figure quoted in README "Moving from the Flask backend").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../src/import/run.js';
import { ADMIN, createTestApp, type TestApp } from '../support/harness.js';
import { createSourceDatabase, postgresAvailable, type SourceDatabase } from './upstream-fixture.js';

const SOURCE_ADMIN_URL = process.env.TEST_SOURCE_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const available = await postgresAvailable(SOURCE_ADMIN_URL);
const journal = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'drizzle', 'meta', '_journal.json'), 'utf8')) as { entries: { when: number }[] };

const USERS = 2000;
const HASH = `$2b$04$${'a'.repeat(53)}`;
const OVERVIEW = JSON.stringify({ market_fit_score: 60, time_to_build_months: 4, competitors_count: 3, starting_cost_usd: 5000, value_proposition: 'قيمة واضحة للعملاء' });

describe.skipIf(!available)('db:import-flask at volume', () => {
  let t: TestApp;
  let source: SourceDatabase;
  beforeAll(async () => {
    t = await createTestApp();
    source = await createSourceDatabase(SOURCE_ADMIN_URL);
    await source.query(`INSERT INTO users (id, email, password_hash, full_name, credits, referral_code, language, created_at)
      SELECT gen_random_uuid()::text, 'User' || i || '@Example.com', '${HASH}', 'مستخدم ' || i, (i * 7) % 50, upper(substr(md5(i::text), 1, 8)), CASE WHEN i % 2 = 0 THEN 'ar' ELSE 'en' END, now() - (i || ' minutes')::interval
      FROM generate_series(1, ${USERS}) i`);
    await source.query(`INSERT INTO analyses (id, user_email, business_idea, report_type, report_language, tab_overview, created_at)
      SELECT gen_random_uuid()::text, 'User' || i || '@Example.com', 'فكرة مشروع رقم ' || i || ' لتوصيل الطعام', 'free', 'arabic', '${OVERVIEW}', now()
      FROM generate_series(1, ${USERS}) i`);
    await source.query(`INSERT INTO transactions (id, user_email, type, credits, amount_usd, status, created_at)
      SELECT gen_random_uuid()::text, 'User' || (1 + i % ${USERS}) || '@Example.com', 'purchase', 10, 9.99, 'completed', now()
      FROM generate_series(1, 3000) i`);
    await source.query(`INSERT INTO notifications (id, user_email, type, title, message, meta_data, created_at)
      SELECT gen_random_uuid()::text, 'user' || (1 + i % ${USERS}) || '@example.com', 'credits_added', 'رصيد', 'أضيفت نقاط', '{"n": 1}', now()
      FROM generate_series(1, 3000) i`);
  }, 120_000);
  afterAll(async () => {
    await source?.drop();
    await t?.close();
  });

  it('imports 10,000 rows in chunks under the batch budget, balances equal to the source', async () => {
    const started = performance.now();
    const result = await runImport({
      sourceUrl: source.url, db: t.db, dryRun: false, appEnv: 'test', adminEmail: ADMIN.email, batchSize: 2500, // a chunk of 2,000 users is 40,000 parameters: split per statement
      expectedMigrations: { count: journal.entries.length, lastWhen: journal.entries.at(-1)!.when },
      log: (line) => { if (/^(snapshot|mapping|writes)/.test(line)) console.log(`[import] ${line} at ${(performance.now() - started).toFixed(0)} ms`); },
    });
    const ms = performance.now() - started;
    expect(result.exitCode, result.report.error ?? JSON.stringify(result.report.refusals)).toBe(0);
    const rows = Object.values(result.report.tables).reduce((n, r) => n + r.read, 0);
    expect(rows).toBe(10_000);
    console.log(`[import] ${rows} source rows in ${(ms / 1000).toFixed(1)} s = ${((rows / ms) * 1000).toFixed(0)} rows/s (${((ms / rows) * 10).toFixed(1)} s per 10,000 rows), ${String(result.report.totals.chunks)} batches`);
    const check = await t.db.execute<{ users: number; credits: string; broken: number }>(sql`
      SELECT count(*)::int AS users, sum(credits)::text AS credits,
             count(*) FILTER (WHERE credits <> COALESCE((SELECT sum(x.credits) FROM transactions x WHERE x.user_id = u.id), 0))::int AS broken
      FROM users u WHERE email LIKE 'user%@example.com'`);
    const expected = await source.query(`SELECT sum(credits)::text AS credits FROM users`);
    expect(check.rows[0]).toEqual({ users: USERS, credits: expected.rows[0].credits, broken: 0 });
  }, 300_000);
});
