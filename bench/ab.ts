/**
 * Two ways of serving the same request, measured in ALTERNATING rounds on one bench server (A B A B …), with
 * the CPU each process spent per request: the server (Node), PostgreSQL's backends and the load generator.
 * A single run of each in a fixed order cannot tell them apart on this machine (issue 16: whichever ran
 * first after the seed was slower); alternating rounds spread that effect over both, and the CPU per
 * request says where a difference comes from.
 *
 *   npx tsx bench/ab.ts                                   # the analyses list: built by PostgreSQL vs mapped in JS, on PostgreSQL
 *   npx tsx bench/ab.ts --db pglite --rounds 6 --duration 5
 *   npx tsx bench/ab.ts --a /api/analyses?per_page=50 --b /bench/analyses-mapped?per_page=50
 *
 * Prints one line per round and the median of each side; writes bench/results/<date>-ab.json.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { argValue, machine, RESULTS_DIR, runLoad, scratchDatabase, sleep, startBenchServer, type DatabaseKind } from './lib.js';

const DB = (argValue('db') ?? 'pg') as DatabaseKind;
const ROUNDS = Number(argValue('rounds') ?? 4);
const DURATION = Number(argValue('duration') ?? 6);
const WARMUP = Number(argValue('warmup') ?? 3);
const CONNECTIONS = Number(argValue('connections') ?? 32);
/** --keep: leave the scratch database (to EXPLAIN the statements on the same data); its name is printed. */
const KEEP = process.argv.includes('--keep');
const SIDES = {
  A: argValue('a') ?? '/api/analyses?per_page=50',
  B: argValue('b') ?? '/bench/analyses-mapped?per_page=50',
};

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** utime + stime of a process, in ms (from /proc/<pid>/stat). */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0; // the process ended between listing and reading
  }
}

/** CPU of every process named `postgres` (the backends and the server's own workers), in ms. */
function postgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += cpuMs(Number(entry));
    } catch {
      // gone
    }
  }
  return total;
}

interface Round {
  side: 'A' | 'B';
  round: number;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non200: number;
  cpuPerRequestUs: { server: number; postgres: number; loadGenerator: number };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main() {
  const scratch = await scratchDatabase(DB);
  const server = await startBenchServer(DB, scratch.url);
  const headers = { authorization: `Bearer ${server.ready.userToken}` };
  const pid = server.child.pid!;
  const rounds: Round[] = [];
  try {
    for (const [side, path] of Object.entries(SIDES)) {
      const res = await fetch(server.ready.appUrl + path, { headers });
      if (res.status !== 200) throw new Error(`${side} ${path}: ${res.status} ${(await res.text()).slice(0, 200)}`);
      await res.arrayBuffer();
      await runLoad({ url: server.ready.appUrl, connections: CONNECTIONS, duration: WARMUP, requests: [{ method: 'GET', path, headers }] });
    }
    for (let round = 1; round <= ROUNDS; round++) {
      // A B in odd rounds, B A in even ones: neither side always follows the other.
      const order = (round % 2 ? ['A', 'B'] : ['B', 'A']) as ('A' | 'B')[];
      for (const side of order) {
        await sleep(500);
        const before = { server: cpuMs(pid), postgres: DB === 'pg' ? postgresCpuMs() : 0, self: process.cpuUsage() };
        const result = await runLoad({ url: server.ready.appUrl, connections: CONNECTIONS, duration: DURATION, requests: [{ method: 'GET', path: SIDES[side], headers }] });
        const self = process.cpuUsage(before.self);
        const statuses = Object.entries(result.statusCodeStats ?? {}) as [string, { count: number }][];
        const requests = statuses.reduce((n, [, v]) => n + Number(v.count), 0);
        const per = (ms: number) => Math.round((ms * 1000) / Math.max(requests, 1));
        const entry: Round = {
          side,
          round,
          rps: Math.round(result.requests.average),
          p50: result.latency.p50,
          p99: result.latency.p99,
          requests,
          non200: requests - Number(statuses.find(([s]) => s === '200')?.[1].count ?? 0) + result.errors,
          cpuPerRequestUs: {
            server: per(cpuMs(pid) - before.server),
            postgres: DB === 'pg' ? per(postgresCpuMs() - before.postgres) : 0,
            loadGenerator: per((self.user + self.system) / 1000),
          },
        };
        rounds.push(entry);
        const cpu = entry.cpuPerRequestUs;
        console.log(
          `round ${round} ${side}: ${String(entry.rps).padStart(6)} req/s  p50 ${entry.p50} ms  p99 ${entry.p99} ms  ` +
            `CPU µs/req: server ${cpu.server}, postgres ${cpu.postgres}, autocannon ${cpu.loadGenerator}${entry.non200 ? `  ⚠ ${entry.non200} non-200` : ''}`,
        );
      }
    }
  } finally {
    await server.stop();
    if (KEEP) console.log(`kept the database: ${scratch.url}`);
    else await scratch.drop();
  }
  const summary = Object.fromEntries(
    (['A', 'B'] as const).map((side) => {
      const mine = rounds.filter((r) => r.side === side);
      return [
        side,
        {
          path: SIDES[side],
          rps: median(mine.map((r) => r.rps)),
          p99: median(mine.map((r) => r.p99)),
          serverCpuUs: median(mine.map((r) => r.cpuPerRequestUs.server)),
          postgresCpuUs: median(mine.map((r) => r.cpuPerRequestUs.postgres)),
          loadGeneratorCpuUs: median(mine.map((r) => r.cpuPerRequestUs.loadGenerator)),
        },
      ];
    }),
  );
  console.log('\nmedians:');
  for (const [side, s] of Object.entries(summary)) console.log(`  ${side} ${s.path}: ${s.rps} req/s, p99 ${s.p99} ms, CPU µs/req server ${s.serverCpuUs}, postgres ${s.postgresCpuUs}, autocannon ${s.loadGeneratorCpuUs}`);
  const stamp = new Date().toISOString().slice(0, 16).replace(/[T:]/g, '-');
  const file = join(RESULTS_DIR, `${stamp}-ab.json`);
  writeFileSync(file, JSON.stringify({ machine: machine(), settings: { db: DB, rounds: ROUNDS, durationS: DURATION, warmupS: WARMUP, connections: CONNECTIONS }, summary, rounds }, null, 2) + '\n');
  console.log(`wrote ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
