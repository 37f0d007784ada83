/**
 * `npm run bench` — load benchmarks of the Node server on the embedded database (PGlite) and on a real
 * PostgreSQL, each endpoint against its own ceilings measured in the same run (see bench/README.md).
 *
 *   npm run bench                                   # both databases, 9 s per run, 32 connections
 *   npm run bench -- --duration 4 --only pglite     # quicker, one database
 *   npm run bench -- --scenarios me,analyses --skip-bundle
 *   BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=bench/results/prof.tmp" npm run bench -- --scenarios health --only pglite
 *   npm run bench -- --render bench/results/<date>.json    # rewrite latest.md from a saved run
 *
 * A run limited by --scenarios writes bench/results/<date>-partial.json and leaves latest.md alone.
 *   BENCH_PG_URL=postgres://user:pw@host:5432/postgres npm run bench
 *
 * Writes bench/results/<date>.json and bench/results/latest.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { RequestSpec, Result } from 'autocannon';
import {
  argValue,
  machine,
  PG_ADMIN_URL,
  postgresVersion,
  RESULTS_DIR,
  ROOT,
  runLoad,
  scratchDatabase,
  startBenchServer,
  type BenchServer,
  type DatabaseKind,
} from './lib.js';

const DURATION = Number(argValue('duration') ?? process.env.BENCH_DURATION ?? 9);
const WARMUP = Number(argValue('warmup') ?? process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(argValue('connections') ?? process.env.BENCH_CONNECTIONS ?? 32);
const ONLY = argValue('only') as DatabaseKind | undefined;
const SKIP_BUNDLE = process.argv.includes('--skip-bundle');
/** --scenarios me,login: only those (their ceilings and the bare ceiling still run). */
const SCENARIOS = argValue('scenarios')?.split(',').map((s) => s.trim());
/** Sequential requests per route to count database round trips exactly (outside the load). */
const PROBES = 10;

interface Target {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  /** A fixed body, or one per request (rotating). */
  body?: unknown;
  bodies?: unknown[];
  /** Bearer tokens to rotate over, one per request; the rotation goes on across the target's runs (payments: 5 pending per buyer). */
  tokens?: string[];
  expect: number;
  /** Multiplies the run's duration: scrypt logins complete a few per second, so they get longer runs. */
  slow?: boolean;
}

interface Scenario {
  name: string;
  route: string;
  app: Target;
  /** Ceiling key (several scenarios may share one ceiling run). */
  ceiling: string;
}

interface RunSummary {
  rps: number;
  requests: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
  unexpected: number;
  roundTripsPerRequest?: number;
}

interface Row {
  scenario: string;
  route: string;
  app: RunSummary;
  ceilingName: string;
  ceiling: RunSummary;
  ratio: number;
  p99Ratio: number;
  roundTrips: number;
  /** SQL statements per request (a batch of 3 counts 3). */
  statements: number;
}

function scenarios(server: BenchServer): { list: Scenario[]; ceilings: Record<string, Target> } {
  const r = server.ready;
  const auth = { authorization: `Bearer ${r.userToken}` };
  const json = { 'content-type': 'application/json' };
  const payment = { package_id: r.packageId, payment_method_id: r.paymentMethodId, payment_proof: 'https://example.com/receipts/2026/bench-proof.jpg' };
  const list: Scenario[] = [
    { name: 'health', route: 'GET /api/health', app: { method: 'GET', path: '/api/health', expect: 200 }, ceiling: 'health' },
    { name: 'me', route: 'GET /api/auth/me', app: { method: 'GET', path: '/api/auth/me', headers: auth, expect: 200 }, ceiling: 'me' },
    { name: 'analyses', route: 'GET /api/analyses?per_page=50', app: { method: 'GET', path: '/api/analyses?per_page=50', headers: auth, expect: 200 }, ceiling: 'analyses' },
    {
      name: 'analyses-mapped',
      route: 'GET /api/analyses?per_page=50, rows mapped in JS (before issue 16)',
      app: { method: 'GET', path: '/bench/analyses-mapped?per_page=50', headers: auth, expect: 200 },
      ceiling: 'analyses',
    },
    { name: 'credit-packages', route: 'GET /api/credit-packages', app: { method: 'GET', path: '/api/credit-packages', expect: 200 }, ceiling: 'credit-packages' },
    {
      name: 'credit-packages-304',
      route: 'GET /api/credit-packages (If-None-Match)',
      app: { method: 'GET', path: '/api/credit-packages', headers: { 'if-none-match': r.etag }, expect: 304 },
      ceiling: 'credit-packages',
    },
    { name: 'login', route: 'POST /api/auth/login', app: { method: 'POST', path: '/api/auth/login', headers: json, bodies: r.loginBodies, expect: 200, slow: true }, ceiling: 'login' },
    // SPEC-WAVE2 §0.1 allows a user 5 pending payments: the load rotates over the seeded buyers (BENCH_BUYERS).
    {
      name: 'payments',
      route: `POST /api/payments (rotating over ${r.buyerTokens.length} buyers)`,
      app: { method: 'POST', path: '/api/payments', headers: json, body: payment, tokens: r.buyerTokens, expect: 201 },
      ceiling: 'payments',
    },
  ];
  const ceilings: Record<string, Target> = {
    json: { method: 'GET', path: '/ceiling/json', expect: 200 },
    health: { method: 'GET', path: '/ceiling/health', expect: 200 },
    me: { method: 'GET', path: '/ceiling/me', expect: 200 },
    analyses: { method: 'GET', path: '/ceiling/analyses', expect: 200 },
    'credit-packages': { method: 'GET', path: '/ceiling/credit-packages', expect: 200 },
    login: { method: 'POST', path: '/ceiling/login', headers: json, bodies: r.loginBodies, expect: 200, slow: true },
    payments: { method: 'POST', path: '/ceiling/payments', headers: json, body: payment, expect: 201 },
  };
  return { list, ceilings };
}

/** Where each rotating target's token rotation stands: a run continues where the previous one (or the probe) stopped. */
const nextToken = new Map<Target, number>();
const takeToken = (target: Target) => {
  const i = nextToken.get(target) ?? 0;
  nextToken.set(target, i + 1);
  return target.tokens![i % target.tokens!.length]!;
};

function requestsOf(target: Target): RequestSpec[] {
  const base: RequestSpec = { method: target.method, path: target.path, headers: target.headers ?? {} };
  if (target.tokens) {
    const body = target.body === undefined ? undefined : JSON.stringify(target.body);
    return [{ ...base, ...(body === undefined ? {} : { body }), setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${takeToken(target)}` } }) }];
  }
  if (target.bodies) {
    let next = 0;
    const bodies = target.bodies.map((b) => JSON.stringify(b));
    return [{ ...base, body: bodies[0], setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }];
  }
  return [{ ...base, ...(target.body === undefined ? {} : { body: JSON.stringify(target.body) }) }];
}

async function probe(baseUrl: string, target: Target, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const body = target.bodies ? target.bodies[i % target.bodies.length] : target.body;
    const res = await fetch(baseUrl + target.path, {
      method: target.method,
      headers: { ...target.headers, ...(target.tokens ? { authorization: `Bearer ${takeToken(target)}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status !== target.expect) throw new Error(`${target.method} ${target.path}: expected ${target.expect}, got ${res.status} ${text.slice(0, 200)}`);
  }
}

function summarize(result: Result, expect: number): RunSummary {
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([s, v]) => [s, Number(v.count)]));
  const total = Object.values(statuses).reduce((a, b) => a + b, 0);
  return {
    rps: Math.round(result.requests.average * 10) / 10,
    requests: total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: Math.round(result.latency.average * 100) / 100,
    max: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
    // A run in which nothing completed (e.g. every request slower than the run) is a failure too.
    unexpected: total === 0 ? 1 : total - (statuses[String(expect)] ?? 0) + result.errors,
  };
}

async function load(server: BenchServer, baseUrl: string, target: Target, label: string, countRoundTrips: boolean): Promise<RunSummary> {
  await probe(baseUrl, target, 2);
  if (WARMUP > 0 && !target.slow) await runLoad({ url: baseUrl, connections: CONNECTIONS, duration: WARMUP, requests: requestsOf(target) });
  const before = countRoundTrips ? await server.stats() : undefined;
  const result = await runLoad({ url: baseUrl, connections: CONNECTIONS, duration: target.slow ? DURATION * 2 : DURATION, requests: requestsOf(target) });
  const after = countRoundTrips ? await server.stats() : undefined;
  const summary = summarize(result, target.expect);
  if (before && after && summary.requests > 0) summary.roundTripsPerRequest = Math.round(((after.roundTrips - before.roundTrips) / summary.requests) * 100) / 100;
  const flag = summary.unexpected > 0 ? `  ⚠ ${summary.unexpected} unexpected (${JSON.stringify(summary.statuses)}, errors ${summary.errors})` : '';
  console.log(`  ${label.padEnd(44)} ${String(summary.rps).padStart(8)} req/s  p50 ${String(summary.p50).padStart(5)} ms  p99 ${String(summary.p99).padStart(5)} ms${flag}`);
  return summary;
}

async function roundTripsOf(server: BenchServer, target: Target): Promise<{ roundTrips: number; statements: number }> {
  const before = await server.stats();
  await probe(server.ready.appUrl, target, PROBES);
  const after = await server.stats();
  return { roundTrips: (after.roundTrips - before.roundTrips) / PROBES, statements: (after.statements - before.statements) / PROBES };
}

async function benchDatabase(kind: DatabaseKind) {
  const scratch = await scratchDatabase(kind);
  console.log(`\n== ${kind}: ${scratch.label}`);
  let server: BenchServer | undefined;
  try {
    server = await startBenchServer(kind, scratch.url);
    const seeded = server.ready.seeded;
    console.log(`  seeded in ${(seeded.seedMs / 1000).toFixed(1)} s: ${seeded.analyses} analyses of the user (+${seeded.otherAnalyses} of others), ${seeded.packages} packages, ${seeded.loginUsers} login users`);
    const all = scenarios(server);
    const ceilings = all.ceilings;
    const list = SCENARIOS ? all.list.filter((s) => SCENARIOS.includes(s.name)) : all.list;

    // Round trips first, one request at a time, before any load (exact counts).
    const roundTrips: Record<string, { roundTrips: number; statements: number }> = {};
    for (const s of list) roundTrips[s.name] = await roundTripsOf(server, s.app);

    const ceilingRuns: Record<string, RunSummary> = {};
    ceilingRuns.json = await load(server, server.ready.ceilingUrl, ceilings.json!, 'ceiling: bare c.json', false);
    const rows: Row[] = [];
    for (const s of list) {
      ceilingRuns[s.ceiling] ??= await load(server, server.ready.ceilingUrl, ceilings[s.ceiling]!, `ceiling: ${s.ceiling} (one direct query)`, false);
      const app = await load(server, server.ready.appUrl, s.app, s.route, true);
      const ceiling = ceilingRuns[s.ceiling]!;
      rows.push({
        scenario: s.name,
        route: s.route,
        app,
        ceilingName: s.ceiling,
        ceiling,
        ratio: ceiling.rps > 0 ? Math.round((app.rps / ceiling.rps) * 100) / 100 : Number.NaN,
        p99Ratio: Math.round((app.p99 / Math.max(ceiling.p99, 1)) * 100) / 100,
        roundTrips: roundTrips[s.name]!.roundTrips,
        statements: roundTrips[s.name]!.statements,
      });
    }
    const memory = await server.stats(true);
    return { kind, database: scratch.label, seeded, bare: ceilingRuns.json, ceilings: ceilingRuns, rows, serverRssMiB: Math.round(memory.rss / 2 ** 20) };
  } finally {
    await server?.stop();
    await scratch.drop().catch((e: unknown) => console.error(`could not drop ${scratch.label}: ${String(e)}`));
  }
}

function bundleSize() {
  const outdir = mkdtempSync(join(tmpdir(), 'planlyze-bundle-'));
  try {
    const run = spawnSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir, '--minify'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: 'true' },
    });
    if (run.status !== 0) return { error: `wrangler exited with ${run.status}: ${(run.stderr || run.stdout).slice(-500)}` };
    const files = readdirSync(outdir).filter((f) => /\.(m?js|wasm)$/.test(f));
    let raw = 0;
    let gzip = 0;
    for (const f of files) {
      const bytes = readFileSync(join(outdir, f));
      raw += statSync(join(outdir, f)).size;
      gzip += gzipSync(bytes, { level: 9 }).length;
    }
    const wranglerSays = /Total Upload:[^\n]*/.exec(run.stdout + run.stderr)?.[0]?.trim();
    return { files, rawBytes: raw, gzipBytes: gzip, wranglerSays };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

function markdown(report: any): string {
  const { connections, durationS, warmupS } = report.settings as { connections: number; durationS: number; warmupS: number };
  const lines: string[] = [];
  lines.push(`# Benchmark results — ${report.date}`, '');
  lines.push(
    `Node ${report.machine.node}, ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGiB} GiB; ` +
      `${connections} connections, ${durationS} s per run after ${warmupS} s warm-up (logins: ${durationS * 2} s, no warm-up); autocannon in the parent process, the server in a child process. ` +
      `Load average before: ${report.machine.loadavg.join(' / ')}, after: ${report.loadavgAfter.join(' / ')} (the benchmark's own processes count in it)${report.loadWarning ? ` — **${report.loadWarning}**` : ''}.${report.commit ? ` Code: ${report.commit}.` : ''}`,
    '',
  );
  lines.push('Ratio = endpoint req/s ÷ its ceiling req/s (one direct query of the same shape on the same Node and database; login: plus the same scrypt verification). Targets (issue 6): me, analyses, login ≥ 0.8; credit packages ≥ 2.0; p99 ≤ 1.5 × the ceiling p99. RT = database round trips per request (sequential probe; during load in parentheses); SQL = statements per request (a batch of 3 counts 3).', '');
  for (const db of report.databases) {
    if (db.error) {
      lines.push(`## ${db.kind}`, '', `Not run: ${db.error}`, '');
      continue;
    }
    lines.push(`## ${db.kind === 'pglite' ? 'Embedded PGlite' : `PostgreSQL ${report.postgresVersion ?? ''}`.trim()}`, '');
    lines.push(`Bare Hono \`c.json\` ceiling: **${db.bare.rps} req/s**, p50 ${db.bare.p50} ms, p99 ${db.bare.p99} ms. Server RSS after the run: ${db.serverRssMiB} MiB.`, '');
    lines.push('| Endpoint | req/s | p50 ms | p99 ms | ceiling req/s | ceiling p50 / p99 ms | ratio | p99 ratio | RT | SQL | non-expected |');
    lines.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const r of db.rows as Row[]) {
      const rt = `${r.roundTrips}${r.app.roundTripsPerRequest !== undefined ? ` (${r.app.roundTripsPerRequest})` : ''}`;
      lines.push(
        `| ${r.route} | ${r.app.rps} | ${r.app.p50} | ${r.app.p99} | ${r.ceiling.rps} | ${r.ceiling.p50} / ${r.ceiling.p99} | ${r.ratio} | ${r.p99Ratio} | ${rt} | ${r.statements ?? '–'} | ${r.app.unexpected} |`,
      );
    }
    lines.push('');
  }
  if (report.bundle) {
    lines.push('## Worker bundle', '');
    lines.push(
      report.bundle.error
        ? `Not measured: ${report.bundle.error}`
        : `\`wrangler deploy --dry-run --minify\`: ${kib(report.bundle.rawBytes)} raw, ${kib(report.bundle.gzipBytes)} gzip (${report.bundle.files.join(', ')}). wrangler: ${report.bundle.wranglerSays ?? 'n/a'}`,
      '',
    );
  }
  return lines.join('\n');
}

function gitCommit(): string | undefined {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (head.status !== 0) return undefined;
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? ' + uncommitted changes in src/' : ''}`;
}

async function main() {
  // --render <results.json>: rewrite latest.md from a saved run, without running anything.
  const render = argValue('render');
  if (render) {
    writeFileSync(join(RESULTS_DIR, 'latest.md'), `${markdown(JSON.parse(readFileSync(render, 'utf8')))}\n`);
    console.log(`bench: wrote bench/results/latest.md from ${render}`);
    return;
  }
  const started = new Date();
  const commit = gitCommit(); // the code measured, taken before the run (others may commit meanwhile)
  const before = machine();
  const loadWarning = before.loadavg[0]! > before.cpus ? `the machine was busy (load ${before.loadavg[0]} on ${before.cpus} CPUs): absolute numbers are low and noisy, ratios are more stable` : undefined;
  console.log(`bench: ${CONNECTIONS} connections, ${DURATION} s per run (+${WARMUP} s warm-up); load average ${before.loadavg.join(' ')} on ${before.cpus} CPUs`);
  if (loadWarning) console.log(`bench: warning: ${loadWarning}`);

  const bundle = SKIP_BUNDLE ? undefined : bundleSize();
  if (bundle && !('error' in bundle)) console.log(`bench: Worker bundle ${kib(bundle.rawBytes)} raw, ${kib(bundle.gzipBytes)} gzip`);

  const databases: any[] = [];
  for (const kind of ['pglite', 'pg'] as const) {
    if (ONLY && ONLY !== kind) continue;
    try {
      databases.push(await benchDatabase(kind));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      console.error(`bench: ${kind} not run: ${message}`);
      databases.push({ kind, error: kind === 'pg' ? `${message} (server ${PG_ADMIN_URL.replace(/:[^:@/]*@/, ':***@')})` : message });
    }
  }

  const report = {
    date: started.toISOString(),
    commit,
    partial: SCENARIOS ? SCENARIOS : undefined,
    settings: { connections: CONNECTIONS, durationS: DURATION, warmupS: WARMUP, logLevel: process.env.BENCH_LOG_LEVEL ?? 'info' },
    machine: before,
    loadavgAfter: machine().loadavg,
    loadWarning,
    postgresVersion: await postgresVersion(),
    bundle,
    databases,
  };
  // A run of some scenarios (profiling, a quick check) is kept apart and leaves latest.md alone.
  const stamp = started.toISOString().slice(0, 16).replace(/[:T]/g, '-') + (SCENARIOS ? '-partial' : '');
  writeFileSync(join(RESULTS_DIR, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  const md = markdown(report);
  if (!SCENARIOS) writeFileSync(join(RESULTS_DIR, 'latest.md'), `${md}\n`);
  console.log(`\n${md}\nbench: wrote bench/results/${stamp}.json${SCENARIOS ? '' : ' and bench/results/latest.md'}`);
  if (databases.every((d) => d.error)) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
