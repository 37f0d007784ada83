/**
 * `npm run bench:round-trips` — database round trips per request of every route, as a table.
 *
 * Runs the API test suites (test/api, on the embedded database unless TEST_DATABASE_URL is set) with
 * ROUND_TRIPS_LOG set: the harness charges each round trip to the request that caused it (exact even for
 * concurrent requests, test/support/round-trip-log.ts) and logs one line per request. The lines are
 * grouped by the route they matched in the OpenAPI document; per route the table gives, over its
 * successful responses (2xx/304), the minimum, the most frequent and the maximum round trips, statements
 * per request, and how many requests the suites made — and lists routes the suites never answered with a
 * success. SPEC §10: `GET /auth/me` 1 in total, every authenticated read ≤ 2, writes ≤ 2 unless an issue
 * says otherwise (the AI generation routes: the model calls sit between their writes).
 *
 * Writes bench/results/round-trips.md and .json.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.js';
import { buildOpenApiDocument } from '../src/http/openapi.js';
import { APP_VERSION } from '../src/version.js';
import { RESULTS_DIR, ROOT } from './lib.js';

interface Line {
  method: string;
  path: string;
  status: number;
  roundTrips: number;
  statements: number;
}

const scratch = mkdtempSync(join(tmpdir(), 'planlyze-round-trips-'));
const logFile = join(scratch, 'requests.jsonl');
writeFileSync(logFile, '');
const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['test/api'];
console.log(`round trips: running ${suites.join(' ')} with ROUND_TRIPS_LOG …`);
const run = spawnSync('npx', ['vitest', 'run', ...suites, '--reporter=dot'], {
  cwd: ROOT,
  env: { ...process.env, ROUND_TRIPS_LOG: logFile },
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (run.status !== 0) console.warn(`round trips: the suites exited with ${run.status}; the table covers what ran`);

const lines = readFileSync(logFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Line);
rmSync(scratch, { recursive: true, force: true });

// Route templates from the app's own document; static segments win over parameters.
const document = buildOpenApiDocument(createApp(), { version: APP_VERSION }) as { paths: Record<string, Record<string, unknown>> };
const routes = Object.entries(document.paths).flatMap(([template, item]) =>
  Object.keys(item).map((method) => {
    const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`);
    const params = (template.match(/\{/g) ?? []).length;
    return { method: method.toUpperCase(), template, pattern, params };
  }),
);
routes.sort((a, b) => a.params - b.params);
const routeOf = (method: string, path: string) => routes.find((r) => (r.method === method || (method === 'HEAD' && r.method === 'GET')) && r.pattern.test(path));

interface Row {
  route: string;
  requests: number;
  successes: number;
  min: number;
  mode: number;
  max: number;
  statementsMax: number;
}
const byRoute = new Map<string, Line[]>();
for (const line of lines) {
  const route = routeOf(line.method, line.path);
  if (!route) continue;
  const key = `${route.method} ${route.template}`;
  byRoute.set(key, [...(byRoute.get(key) ?? []), line]);
}
const mode = (values: number[]) => {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
};
const rows: Row[] = [];
const unseen: string[] = [];
for (const route of [...routes].sort((a, b) => a.template.localeCompare(b.template) || a.method.localeCompare(b.method))) {
  const key = `${route.method} ${route.template}`;
  const all = byRoute.get(key) ?? [];
  const ok = all.filter((l) => (l.status >= 200 && l.status < 300) || l.status === 304);
  if (ok.length === 0) {
    unseen.push(`${key} (${all.length} requests, none successful)`);
    continue;
  }
  const trips = ok.map((l) => l.roundTrips);
  rows.push({
    route: key,
    requests: all.length,
    successes: ok.length,
    min: Math.min(...trips),
    mode: mode(trips),
    max: Math.max(...trips),
    statementsMax: Math.max(...ok.map((l) => l.statements)),
  });
}

const over = rows.filter((r) => r.max > 2);
const md = [
  `# Database round trips per request, by route — ${new Date().toISOString()}`,
  '',
  `From ${lines.length} requests of the API suites (${suites.join(', ')}) on ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}, ` +
    'each charged its exact round trips (one HTTP request of the Neon protocol; a batch is one) and statements. ' +
    'Successful responses (2xx, 304) only; min / most frequent / max over them. Auth lookups included.',
  '',
  '| Route | RT min | RT usual | RT max | statements max | successes / requests |',
  '|---|--:|--:|--:|--:|--:|',
  ...rows.map((r) => `| ${r.route} | ${r.min} | ${r.mode} | ${r.max} | ${r.statementsMax} | ${r.successes} / ${r.requests} |`),
  '',
  `Routes over 2 round trips at their maximum: ${over.length ? over.map((r) => `${r.route} (${r.max})`).join(', ') : 'none'}.`,
  '',
  unseen.length ? `Never answered with a success by the suites: ${unseen.join('; ')}.` : 'Every route was answered with a success at least once.',
  '',
].join('\n');
writeFileSync(join(RESULTS_DIR, 'round-trips.md'), md);
writeFileSync(join(RESULTS_DIR, 'round-trips.json'), JSON.stringify({ generatedAt: new Date().toISOString(), requests: lines.length, rows, unseen }, null, 2));
console.log(md);
