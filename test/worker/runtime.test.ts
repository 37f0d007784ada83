/**
 * The AI runtime inside workerd (`wrangler dev --test-scheduled`), driven over real HTTP, with the
 * local Neon-compatible endpoint and the fake Anthropic Messages API both served on 127.0.0.1 by this
 * test process (ANTHROPIC_BASE_URL points the Worker's SDK client at the fake):
 *
 * - create an analysis;
 * - a premium generation streamed over SSE: six `section_started`/`section_completed` pairs, then one
 *   `done` carrying the analysis; the events reach the client as they happen (not buffered until the
 *   end); the charge is booked once, at upgrade; the stored sections are read back with GET;
 * - a client that hangs up mid-stream does not stop the run (`waitUntil` keeps the isolate alive);
 * - the Worker's `scheduled()` handler, fired through `/__scheduled?cron=<wrangler.toml's cron>`: a
 *   section stuck in `processing` longer than AI_SECTION_TIMEOUT_S (30 s here, not the 600 s default)
 *   becomes failed with SECTION_TIMEOUT, the run ends `failed` and the charge is refunded exactly once
 *   (SPEC §6, §10; docs/AI.md "Stale sections"); a live section is left alone; expired rate-limit
 *   windows are purged.
 *
 * The stale section is written directly through the endpoint's backend (SQL, in this process), as the
 * Node sweep suite does: waiting 30 s for a real one would cost more than this whole file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createDb, type Database } from '../../src/db/client.js';
import { SECTION_NAMES, type SectionName } from '../../src/db/schema.js';
import { seedDatabase } from '../../src/db/seed.js';
import { serveSqlEndpoint, type SqlHttpServer } from '../../src/local/http-server.js';
import { localDatabaseUrl } from '../../src/local/neon-local.js';
import { SECTION_FIXTURES, sectionOf } from '../api/ai/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { delay, error, fn, startFakeAnthropic, toolResult, type FakeAnthropic } from '../support/fake-anthropic.js';
import { callWorker, ROOT, startWranglerDev, type WranglerDev } from './wrangler.js';

const API_KEY = 'sk-ant-worker-suite';
const MODEL = 'claude-sonnet-5-5';
const SECTION_TIMEOUT_S = 30; // the smallest AI_SECTION_TIMEOUT_S the config accepts
const PREMIUM_ONLY: SectionName[] = ['business', 'technical', 'financial', 'strategy'];
const USAGE = { input_tokens: 1000, output_tokens: 200 };

/** The cron the deployed Worker runs, read from wrangler.toml's [triggers]. */
const CRON = (() => {
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const match = /^\[triggers\][^[]*?crons\s*=\s*\[\s*"([^"]+)"/m.exec(toml);
  if (!match) throw new Error('no [triggers] crons in wrangler.toml');
  return match[1]!;
})();

let database: TestDatabase;
let db: Database;
let sqlServer: SqlHttpServer;
let fake: FakeAnthropic;
let worker: WranglerDev;
/** Per-section latency of the fake, in ms (set by a test, reset after it). */
let latency: Partial<Record<SectionName, number>> = {};

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.databaseUrl);
  await seedDatabase(db, parseConfig({ APP_ENV: 'test', DATABASE_URL: database.databaseUrl }));
  sqlServer = await serveSqlEndpoint(database.endpoint);
  fake = await startFakeAnthropic({ apiKey: API_KEY });
  resetFake();
  worker = await startWranglerDev(
    {
      DATABASE_URL: localDatabaseUrl(sqlServer.port),
      ANTHROPIC_API_KEY: API_KEY,
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_MODEL: MODEL,
      AI_SECTION_TIMEOUT_S: String(SECTION_TIMEOUT_S),
      LOG_LEVEL: 'warn',
      // This suite is about generation in workerd; verification is proven by test/worker/email.test.ts and test/email/*.
      REQUIRE_EMAIL_VERIFICATION: 'false',
    },
    { extraArgs: ['--test-scheduled'] },
  );
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await fake?.close();
  await sqlServer?.close();
  await database?.close();
});

/** Forgets the fake's requests; every section request is answered with its valid fixture after `latency`. */
function resetFake(): void {
  fake.reset();
  fake.setDefault(
    fn((req) => {
      const section = sectionOf(req.forcedTool);
      const fixture = SECTION_FIXTURES[section];
      if (!fixture) return error(400, 'invalid_request_error', { message: `unexpected tool ${req.forcedTool}` });
      return delay(latency[section] ?? 0, toolResult(fixture, { usage: USAGE }));
    }),
  );
}

const call = (method: string, path: string, init: { body?: unknown; token?: string } = {}) => callWorker(worker, method, path, init);

let userCounter = 0;
async function newUser(): Promise<{ id: string; token: string }> {
  const email = `runtime.${Date.now().toString(36)}.${++userCounter}@example.test`;
  const res = await call('POST', '/api/auth/register', { body: { email, password: 'Runtime-password-1', full_name: 'Runtime Test' } });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.data.user.id, token: res.body.data.token };
}

async function createAnalysis(token: string): Promise<string> {
  const res = await call('POST', '/api/analyses', {
    token,
    body: { business_idea: 'Home-cooked meal delivery for working parents in Damascus', report_language: 'en' },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.data.id as string;
}

async function premiumAnalysis(token: string): Promise<string> {
  const id = await createAnalysis(token);
  const res = await call('POST', `/api/analyses/${id}/upgrade-premium`, { token });
  expect(res.status, res.text).toBe(200);
  expect(res.body.data.report_type).toBe('premium');
  return id;
}

const balanceOf = async (token: string) => (await call('GET', '/api/auth/me', { token })).body.data.credits as number;

async function premiumCost(): Promise<number> {
  const res = await call('GET', '/api/settings');
  expect(res.status, res.text).toBe(200);
  const cost = res.body.data.premium_report_cost as number;
  expect(cost).toBeGreaterThan(0);
  return cost;
}

/** The caller's ledger rows about one analysis: its charges and the refunds of those charges. */
async function ledgerOf(token: string, analysisId: string) {
  const res = await call('GET', '/api/transactions?per_page=100', { token });
  expect(res.status, res.text).toBe(200);
  const rows = res.body.data as { id: string; type: string; credits: number; reference_id: string | null; refunded_by: string | null }[];
  const charges = rows.filter((r) => r.reference_id === analysisId);
  const chargeIds = new Set(charges.map((c) => c.id));
  return rows.filter((r) => r.reference_id === analysisId || (r.reference_id !== null && chargeIds.has(r.reference_id)));
}

async function sectionRows(analysisId: string) {
  const rows = await db.execute<{ section: string; status: string; error_code: string | null; has_content: boolean }>(
    sql`SELECT section, status, error_code, content IS NOT NULL AS has_content FROM analysis_sections WHERE analysis_id = ${analysisId}`,
  );
  return Object.fromEntries(rows.rows.map((r) => [r.section, r]));
}

interface TimedEvent {
  event: string;
  data: any;
  /** ms since the request was sent, when the event's last byte arrived */
  at: number;
}

/**
 * Reads an SSE response chunk by chunk, timestamping each event as it arrives. `stopWhen` may end the
 * read early (the caller then aborts the request).
 */
async function readEvents(res: Response, sentAt: number, stopWhen?: (e: TimedEvent) => boolean): Promise<TimedEvent[]> {
  const events: TimedEvent[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = block.split('\n').filter((l) => l && !l.startsWith(':'));
      if (lines.length === 0) continue; // keep-alive comment
      const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim() ?? 'message';
      const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
      const timed = { event, data: data ? JSON.parse(data) : null, at: performance.now() - sentAt };
      events.push(timed);
      if (stopWhen?.(timed)) {
        await reader.cancel().catch(() => undefined);
        return events;
      }
    }
  }
  return events;
}

function streamGenerate(token: string, analysisId: string, signal?: AbortSignal) {
  return fetch(`${worker.url}/api/ai/generate-analysis`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ analysis_id: analysisId }),
    ...(signal ? { signal } : {}),
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${worker.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('wrangler dev: analyses and AI generation in workerd', () => {
  it('creates an analysis (201, pending, free, empty report)', async () => {
    const user = await newUser();
    const id = await createAnalysis(user.token);
    const res = await call('GET', `/api/analyses/${id}`, { token: user.token });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({
      id,
      status: 'pending',
      report_type: 'free',
      report_language: 'en',
      report: { overview: null, market: null },
    });
    expect(Object.keys(res.body.data.report).sort()).toEqual(['market', 'overview']);
    expect(res.body.data.sections.overview.status).toBe('pending');
  });

  it('streams a premium generation over SSE, charges once, and stores all six sections', async () => {
    const user = await newUser();
    const cost = await premiumCost();
    const before = await balanceOf(user.token);
    const id = await premiumAnalysis(user.token);
    expect(await balanceOf(user.token)).toBe(before - cost); // the charge is booked at upgrade

    resetFake();
    latency = { market: 2_000 }; // one slow section: the others' events must reach us before it ends
    const sentAt = performance.now();
    const res = await streamGenerate(user.token, id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readEvents(res, sentAt);
    latency = {};

    // The sequence SPEC §10 defines: per-section events {section, status}, then `done` with the analysis.
    const names = events.map((e) => e.event);
    expect(names.filter((n) => n !== 'section_started' && n !== 'section_completed' && n !== 'done'), JSON.stringify(events)).toEqual([]);
    const started = events.filter((e) => e.event === 'section_started');
    const completed = events.filter((e) => e.event === 'section_completed');
    expect(started.map((e) => e.data.section).sort()).toEqual([...SECTION_NAMES].sort());
    expect(completed.map((e) => e.data.section).sort()).toEqual([...SECTION_NAMES].sort());
    for (const e of started) expect(e.data).toEqual({ section: e.data.section, status: 'processing' });
    for (const e of completed) {
      expect(e.data).toEqual({ section: e.data.section, status: 'completed' });
      expect(events.indexOf(e)).toBeGreaterThan(events.findIndex((s) => s.event === 'section_started' && s.data.section === e.data.section));
    }
    expect(names.filter((n) => n === 'done')).toHaveLength(1);
    expect(names.at(-1)).toBe('done');
    expect(completed.at(-1)!.data.section).toBe('market');

    // Streamed, not buffered: the fast sections arrived well before the slow one finished.
    const done = events.at(-1)!;
    const fastCompleted = completed.filter((e) => e.data.section !== 'market');
    expect(done.at - Math.max(...fastCompleted.map((e) => e.at)), JSON.stringify(events.map((e) => [e.event, Math.round(e.at)]))).toBeGreaterThan(700);

    const analysis = done.data;
    expect(analysis).toMatchObject({ id, status: 'completed', report_type: 'premium' });
    expect(analysis.report).toEqual(SECTION_FIXTURES);
    expect(analysis.ai_usage).toEqual({ input_tokens: 6 * USAGE.input_tokens, output_tokens: 6 * USAGE.output_tokens, calls: 6 });

    // What the Worker sent upstream: one forced strict tool call per section, our key and model.
    expect(fake.requests.map((r) => r.forcedTool).sort()).toEqual(SECTION_NAMES.map((s) => `report_${s}`).sort());
    for (const req of fake.requests) {
      expect(req).toMatchObject({ method: 'POST', path: '/v1/messages', apiKey: API_KEY, status: 200 });
      expect(req.body.model).toBe(MODEL);
      expect(req.toolNames).toEqual([req.forcedTool]);
    }

    // Credits: exactly one open charge of premium_report_cost; the generation charged nothing more.
    expect(await balanceOf(user.token)).toBe(before - cost);
    const ledger = await ledgerOf(user.token, id);
    expect(ledger.map((l) => [l.type, l.credits, l.refunded_by])).toEqual([['analysis_charge', -cost, null]]);

    // Stored: GET returns the six sections, completed.
    const read = await call('GET', `/api/analyses/${id}`, { token: user.token });
    expect(read.status, read.text).toBe(200);
    expect(read.body.data).toMatchObject({ status: 'completed', report_type: 'premium', market_fit_score: SECTION_FIXTURES.overview.market_fit_score });
    expect(read.body.data.report).toEqual(SECTION_FIXTURES);
    for (const section of SECTION_NAMES) expect(read.body.data.sections[section].status).toBe('completed');
  });

  it('a client that hangs up mid-stream does not stop the run (waitUntil)', async () => {
    const user = await newUser();
    const id = await premiumAnalysis(user.token);
    resetFake();
    latency = { strategy: 1_500 };
    const abort = new AbortController();
    const res = await streamGenerate(user.token, id, abort.signal);
    expect(res.status).toBe(200);
    const seen = await readEvents(res, performance.now(), (e) => e.event === 'section_completed');
    abort.abort();
    expect(seen.at(-1)!.event).toBe('section_completed');

    const read = await until('the run to complete after the client left', async () => {
      const r = await call('GET', `/api/analyses/${id}`, { token: user.token });
      return r.body?.data?.status === 'completed' ? r : undefined;
    });
    latency = {};
    expect(read.body.data.report).toEqual(SECTION_FIXTURES);
    expect(fake.requests).toHaveLength(6);
    expect((await ledgerOf(user.token, id)).map((l) => [l.type, l.refunded_by])).toEqual([['analysis_charge', null]]);
  });
});

describe('wrangler dev --test-scheduled: the cron sweep in workerd', () => {
  it(`/__scheduled?cron=${CRON}: a stale section fails, the run ends failed and the charge is refunded once`, async () => {
    const cost = await premiumCost();
    const user = await newUser();
    const before = await balanceOf(user.token);

    // A premium report whose run died: overview and market generated by the Worker, the premium-only
    // sections claimed 120 s ago — stale under AI_SECTION_TIMEOUT_S=30, live under the 600 s default.
    const stale = await premiumAnalysis(user.token);
    resetFake();
    const partial = await call('POST', '/api/ai/generate-analysis', { token: user.token, body: { analysis_id: stale, sections: ['overview', 'market'] } });
    expect(partial.status, partial.text).toBe(200);
    expect(fake.requests).toHaveLength(2);
    await db.execute(sql`UPDATE analysis_sections SET status = 'processing', started_at = now() - interval '120 seconds'
                         WHERE analysis_id = ${stale} AND section IN ('business', 'technical', 'financial', 'strategy')`);
    await db.execute(sql`UPDATE analyses SET status = 'processing' WHERE id = ${stale}`);

    // A run still within the timeout: the sweep must leave it alone.
    const live = await premiumAnalysis(user.token);
    await db.execute(sql`UPDATE analysis_sections SET status = 'processing', started_at = now() - interval '5 seconds'
                         WHERE analysis_id = ${live} AND section = 'business'`);
    await db.execute(sql`UPDATE analyses SET status = 'processing' WHERE id = ${live}`);

    // Housekeeping in the same cron: an expired rate-limit window.
    const expiredKey = `worker-suite:${Date.now()}`;
    await db.execute(sql`INSERT INTO rate_limits (key, count, reset_at) VALUES (${expiredKey}, 1, now() - interval '1 minute')`);

    expect(await balanceOf(user.token)).toBe(before - 2 * cost);
    for (const section of PREMIUM_ONLY) expect((await sectionRows(stale))[section]!.status).toBe('processing');
    expect((await ledgerOf(user.token, stale)).map((l) => l.type)).toEqual(['analysis_charge']);

    const fired = await call('GET', `/__scheduled?cron=${encodeURIComponent(CRON)}`);
    expect(fired.status, fired.text).toBe(200);
    expect(fired.text).toBe('Ran scheduled event');

    // scheduled() hands the sweep to waitUntil: the trigger may answer before it is done.
    await until('the sweep to settle the stale sections', async () => {
      const rows = await sectionRows(stale);
      return PREMIUM_ONLY.every((s) => rows[s]!.status !== 'processing') && (await ledgerOf(user.token, stale)).length === 2;
    });

    const rows = await sectionRows(stale);
    for (const section of PREMIUM_ONLY) {
      expect(rows[section]).toMatchObject({ status: 'failed', error_code: 'SECTION_TIMEOUT', has_content: false });
    }
    expect(rows.overview).toMatchObject({ status: 'completed', has_content: true });
    expect(rows.market).toMatchObject({ status: 'completed', has_content: true });

    const read = await call('GET', `/api/analyses/${stale}`, { token: user.token });
    expect(read.body.data).toMatchObject({ status: 'failed', report_type: 'premium' });
    expect(read.body.data.sections.business).toMatchObject({ status: 'failed', error_code: 'SECTION_TIMEOUT' });

    // The refund: exactly the charged amount, referencing the charge, which is marked refunded by it.
    const ledger = await ledgerOf(user.token, stale);
    const charge = ledger.find((l) => l.type === 'analysis_charge')!;
    const refund = ledger.find((l) => l.type === 'refund')!;
    expect(charge.credits).toBe(-cost);
    expect(refund).toMatchObject({ credits: cost, reference_id: charge.id });
    expect(charge.refunded_by).toBe(refund.id);
    expect(await balanceOf(user.token)).toBe(before - cost); // only the live report's charge remains

    const notes = await call('GET', '/api/notifications?per_page=100', { token: user.token });
    const failedNotes = (notes.body.data as { type: string; data: any }[]).filter((n) => n.type === 'analysis_failed');
    expect(failedNotes.map((n) => n.data?.refunded_credits)).toEqual([cost]);

    // The live run is untouched; the expired window is gone.
    expect((await sectionRows(live)).business!.status).toBe('processing');
    expect((await ledgerOf(user.token, live)).map((l) => [l.type, l.refunded_by])).toEqual([['analysis_charge', null]]);
    const windows = await db.execute(sql`SELECT 1 FROM rate_limits WHERE key = ${expiredKey}`);
    expect(windows.rows).toHaveLength(0);

    // Idempotent: a second cron finds nothing to settle and books no second refund.
    const secondKey = `${expiredKey}:again`;
    await db.execute(sql`INSERT INTO rate_limits (key, count, reset_at) VALUES (${secondKey}, 1, now() - interval '1 minute')`);
    const again = await call('GET', `/__scheduled?cron=${encodeURIComponent(CRON)}`);
    expect(again.status).toBe(200);
    // The purge runs first: once it is visible, the second maintenance ran; give its sweep a moment.
    await until('the second cron run', async () => (await db.execute(sql`SELECT 1 FROM rate_limits WHERE key = ${secondKey}`)).rows.length === 0);
    await new Promise((r) => setTimeout(r, 500));
    expect(await ledgerOf(user.token, stale)).toHaveLength(2);
    expect(await balanceOf(user.token)).toBe(before - cost);
    expect(fake.requests).toHaveLength(2); // the sweep never calls the model
  });
});
