/**
 * `npm run soak` — a mixed workload on the Node server for a while, at a bounded rate and request
 * count, checking every response's status and sampling the server's memory.
 *
 *   npm run soak                                    # 3 minutes, PGlite, 120 req/s (+ 1 login/s)
 *   npm run soak -- --duration 600 --rate 200       # longer, faster
 *   npm run soak -- --db pg                         # on PostgreSQL (scratch database, dropped after)
 *
 * Each connection loops over a user session: health, me, the 50-item list, the catalog (plain and
 * If-None-Match), create an analysis, read it, edit it, delete it, notifications, a payment, payments
 * and transactions lists. Logins (scrypt) run as a separate stream at 1/s. Every response must have
 * its expected status: the run fails (exit 1) on any error. RSS and heap (after a full GC) are sampled
 * at the start, in the middle and at the end, and every 10 s in the JSON.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon, { type RequestSpec, type Result } from 'autocannon';
import { argValue, machine, RESULTS_DIR, scratchDatabase, sleep, startBenchServer, type DatabaseKind } from './lib.js';
import type { StatsResponse } from './server.js';

const DURATION_S = Number(argValue('duration') ?? process.env.SOAK_DURATION ?? 180);
const RATE = Number(argValue('rate') ?? process.env.SOAK_RATE ?? 120);
const LOGIN_RATE = Number(argValue('login-rate') ?? process.env.SOAK_LOGIN_RATE ?? 1);
const CONNECTIONS = Number(argValue('connections') ?? 16);
const MAX_REQUESTS = Number(argValue('max-requests') ?? process.env.SOAK_MAX_REQUESTS ?? Math.ceil((RATE + LOGIN_RATE) * DURATION_S * 1.1));
const KIND = (argValue('db') ?? 'pglite') as DatabaseKind;

interface Expectation {
  route: string;
  status: number;
}

const MiB = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;

async function main() {
  const scratch = await scratchDatabase(KIND);
  console.log(`soak: ${KIND} (${scratch.label}), ${DURATION_S} s at ${RATE} req/s + ${LOGIN_RATE} login/s, ${CONNECTIONS} connections, at most ${MAX_REQUESTS} requests`);
  const server = await startBenchServer(KIND, scratch.url);
  try {
    const r = server.ready;
    const auth = { authorization: `Bearer ${r.userToken}` };
    const json = { 'content-type': 'application/json' };
    const authJson = { ...auth, ...json };

    const statuses = new Map<string, number>();
    const errorSamples: string[] = [];
    let errors = 0;
    let responses = 0;

    /** Wraps a request with its expected status; anything else counts as an error. */
    const step = (spec: RequestSpec, e: Expectation): RequestSpec => {
      return {
        ...spec,
        onResponse: (status, body, context, headers) => {
          responses++;
          const key = `${e.route} → ${status}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          if (status !== e.status) {
            errors++;
            if (errorSamples.length < 10) errorSamples.push(`${key}: ${String(body).slice(0, 200)}`);
          }
          spec.onResponse?.(status, body, context, headers);
        },
      };
    };

    const session: RequestSpec[] = [
      step({ method: 'GET', path: '/api/health' }, { route: 'GET /api/health', status: 200 }),
      step({ method: 'GET', path: '/api/auth/me', headers: auth }, { route: 'GET /api/auth/me', status: 200 }),
      step({ method: 'GET', path: '/api/analyses?per_page=50', headers: auth }, { route: 'GET /api/analyses', status: 200 }),
      step({ method: 'GET', path: '/api/credit-packages' }, { route: 'GET /api/credit-packages', status: 200 }),
      step({ method: 'GET', path: '/api/credit-packages', headers: { 'if-none-match': r.etag } }, { route: 'GET /api/credit-packages (If-None-Match)', status: 304 }),
      step(
        {
          method: 'POST',
          path: '/api/analyses',
          headers: authJson,
          body: JSON.stringify({ business_idea: 'A shared kitchen for home cooks in Latakia selling meals through a delivery app', industry: 'food', report_language: 'en' }),
          onResponse: (_status, body, context) => {
            try {
              context.analysisId = (JSON.parse(body) as { data: { id: string } }).data.id;
            } catch {
              context.analysisId = '00000000-0000-4000-8000-000000000000';
            }
          },
        },
        { route: 'POST /api/analyses', status: 201 },
      ),
      step(
        { method: 'GET', path: '/api/analyses/x', headers: auth, setupRequest: (req, context) => ({ ...req, path: `/api/analyses/${String(context.analysisId)}` }) },
        { route: 'GET /api/analyses/:id', status: 200 },
      ),
      step(
        {
          method: 'PUT',
          path: '/api/analyses/x',
          headers: authJson,
          body: JSON.stringify({ location: 'Latakia', budget: '5,000 USD' }),
          setupRequest: (req, context) => ({ ...req, path: `/api/analyses/${String(context.analysisId)}` }),
        },
        { route: 'PUT /api/analyses/:id', status: 200 },
      ),
      step(
        { method: 'DELETE', path: '/api/analyses/x', headers: auth, setupRequest: (req, context) => ({ ...req, path: `/api/analyses/${String(context.analysisId)}` }) },
        { route: 'DELETE /api/analyses/:id', status: 200 },
      ),
      step({ method: 'GET', path: '/api/notifications', headers: auth }, { route: 'GET /api/notifications', status: 200 }),
      step(
        {
          method: 'POST',
          path: '/api/payments',
          headers: authJson,
          body: JSON.stringify({ package_id: r.packageId, payment_method_id: r.paymentMethodId, payment_proof: 'https://example.com/receipts/soak.jpg' }),
        },
        { route: 'POST /api/payments', status: 201 },
      ),
      step({ method: 'GET', path: '/api/payments', headers: auth }, { route: 'GET /api/payments', status: 200 }),
      step({ method: 'GET', path: '/api/transactions', headers: auth }, { route: 'GET /api/transactions', status: 200 }),
    ];
    let nextLogin = 0;
    const logins: RequestSpec[] = [
      step(
        {
          method: 'POST',
          path: '/api/auth/login',
          headers: json,
          body: JSON.stringify(r.loginBodies[0]),
          setupRequest: (req) => ({ ...req, body: JSON.stringify(r.loginBodies[nextLogin++ % r.loginBodies.length]) }),
        },
        { route: 'POST /api/auth/login', status: 200 },
      ),
    ];

    // Memory at the start: after a short warm-up (JIT, caches, pools) and a full GC.
    await autocannon({ url: r.appUrl, connections: 4, duration: 5, requests: session });
    const samples: { t: number; stats: StatsResponse }[] = [];
    const start = await server.stats(true);
    samples.push({ t: 0, stats: start });
    // The warm-up's own responses are not part of the soak.
    errors = 0;
    responses = 0;
    statuses.clear();
    errorSamples.length = 0;

    const began = Date.now();
    const main = autocannon({ url: r.appUrl, connections: CONNECTIONS, duration: DURATION_S, overallRate: RATE, requests: session, timeout: 30 });
    const loginStream = autocannon({ url: r.appUrl, connections: 2, duration: DURATION_S, overallRate: LOGIN_RATE, requests: logins, timeout: 30 });
    let middle: StatsResponse | undefined;
    const sampler = (async () => {
      for (;;) {
        const remaining = DURATION_S * 1000 - (Date.now() - began);
        // The last 10 s have no sample of their own: the end sample (after the run) covers them.
        if (remaining <= 10_000) break;
        await sleep(10_000);
        const elapsed = (Date.now() - began) / 1000;
        const atMiddle = !middle && elapsed >= DURATION_S / 2;
        const stats = await server.stats(atMiddle);
        if (atMiddle) middle = stats;
        samples.push({ t: Math.round(elapsed), stats });
        console.log(`  t=${String(Math.round(elapsed)).padStart(4)} s  ${String(responses).padStart(7)} responses  ${errors} errors  rss ${MiB(stats.rss)} MiB  heap ${MiB(stats.heapUsed)} MiB`);
        if (responses >= MAX_REQUESTS) {
          main.stop();
          loginStream.stop();
        }
      }
    })();
    const [mainResult, loginResult] = (await Promise.all([main, loginStream])) as [Result, Result];
    await sampler;
    const end = await server.stats(true);
    samples.push({ t: Math.round((Date.now() - began) / 1000), stats: end });
    errors += mainResult.errors + loginResult.errors;

    const report = {
      date: new Date(began).toISOString(),
      database: KIND,
      settings: { durationS: DURATION_S, rate: RATE, loginRate: LOGIN_RATE, connections: CONNECTIONS, maxRequests: MAX_REQUESTS },
      machine: machine(),
      responses,
      errors,
      socketErrors: mainResult.errors + loginResult.errors,
      timeouts: mainResult.timeouts + loginResult.timeouts,
      latencyMs: { p50: mainResult.latency.p50, p99: mainResult.latency.p99, max: mainResult.latency.max, loginP50: loginResult.latency.p50, loginP99: loginResult.latency.p99 },
      statuses: Object.fromEntries([...statuses].sort()),
      errorSamples,
      memoryMiB: {
        rss: { start: MiB(start.rss), middle: middle ? MiB(middle.rss) : null, end: MiB(end.rss) },
        heapUsedAfterGc: { start: MiB(start.heapUsed), middle: middle ? MiB(middle.heapUsed) : null, end: MiB(end.heapUsed) },
      },
      roundTrips: end.roundTrips - start.roundTrips,
      samples: samples.map((s) => ({ t: s.t, rssMiB: MiB(s.stats.rss), heapUsedMiB: MiB(s.stats.heapUsed) })),
    };
    const stamp = report.date.slice(0, 16).replace(/[:T]/g, '-');
    writeFileSync(join(RESULTS_DIR, `soak-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
    console.log(
      [
        `soak: ${responses} responses in ${report.samples.at(-1)!.t} s, ${errors} errors (${report.socketErrors} socket errors, ${report.timeouts} timeouts)`,
        `soak: latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms; login p50 ${report.latencyMs.loginP50} ms, p99 ${report.latencyMs.loginP99} ms`,
        `soak: RSS start ${report.memoryMiB.rss.start} MiB, middle ${report.memoryMiB.rss.middle} MiB, end ${report.memoryMiB.rss.end} MiB; ` +
          `heap after GC start ${report.memoryMiB.heapUsedAfterGc.start} MiB, middle ${report.memoryMiB.heapUsedAfterGc.middle} MiB, end ${report.memoryMiB.heapUsedAfterGc.end} MiB`,
        ...(errorSamples.length > 0 ? ['soak: first errors:', ...errorSamples.map((e) => `  ${e}`)] : []),
        `soak: wrote bench/results/soak-${stamp}.json`,
      ].join('\n'),
    );
    if (errors > 0 || responses === 0) process.exitCode = 1;
  } finally {
    await server.stop();
    await scratch.drop().catch((e: unknown) => console.error(`could not drop ${scratch.label}: ${String(e)}`));
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
