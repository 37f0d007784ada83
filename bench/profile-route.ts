/**
 * In-process CPU profile of one route's steady state (default GET /api/auth/me), on the embedded
 * database or, with TEST_DATABASE_URL, on PostgreSQL:
 *   npx tsx bench/profile-route.ts [path] [n]
 * Warms up, then profiles only the measured loop (node:inspector) and writes
 * bench/results/prof.tmp/<route>.cpuprofile (open it in Chrome DevTools), and prints CPU time per
 * request (process.cpuUsage) next to wall time, and the top self-time functions. Not a benchmark
 * (no HTTP, no concurrency): it shows where one request's CPU goes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createTestApp, registerUser } from '../test/support/harness.js';
import { mountMappedAnalyses } from './mapped-route.js';

const path = process.argv[2] ?? '/api/auth/me';
const n = Number(process.argv[3] ?? 3000);
const t = await createTestApp({ LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' });
mountMappedAnalyses(t.app); // /bench/analyses-mapped?per_page=50: the list mapped in JS, to compare
const user = await registerUser(t);
const headers = { authorization: `Bearer ${user.token}` };
// PROFILE_ANALYSES=50: that many analyses of the user, 40 % of them with report sections (as bench/server.ts).
for (let i = 0; i < Number(process.env.PROFILE_ANALYSES ?? 0); i++) {
  const res = await t.app.request(
    '/api/analyses',
    { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ business_idea: `Idea ${i}: a delivery service for bakeries in Damascus with morning slots`, industry: 'food', location: 'Damascus', report_language: 'en' }) },
    t.env,
  );
  const text = await res.text();
  if (res.status !== 201) throw new Error(`seeding analyses: ${res.status} ${text}`);
  const { data } = JSON.parse(text) as { data: { id: string } };
  if (i % 5 < 2) {
    await t.database.backend.query(
      `UPDATE analysis_sections SET status = 'completed', content = $2::jsonb WHERE analysis_id = $1 AND section = 'overview'`,
      [data.id, JSON.stringify({ summary: 'x'.repeat(4000) })],
    );
  }
}
const once = async () => {
  const res = await t.app.request(path, { headers }, t.env);
  if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
};
for (let i = 0; i < 500; i++) await once();

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
const before = { ...t.database.endpoint.stats };
const cpu = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < n; i++) await once();
const wallMs = (performance.now() - started) / n;
const used = process.cpuUsage(cpu);
const { profile } = await session.post('Profiler.stop');
session.disconnect();

const cpuMs = (used.user + used.system) / 1000 / n;
const after = t.database.endpoint.stats;
console.log(`${path}: wall ${wallMs.toFixed(3)} ms, CPU ${cpuMs.toFixed(3)} ms per request (sequential, in-process)`);
console.log(`round trips ${(after.roundTrips - before.roundTrips) / n}, statements ${(after.statements - before.statements) / n} per request`);

const dir = 'bench/results/prof.tmp';
mkdirSync(dir, { recursive: true });
const file = `${dir}/${path.replace(/[^a-z0-9]+/gi, '_')}.cpuprofile`;
writeFileSync(file, JSON.stringify(profile));

// Self time per function and per package, over non-idle samples.
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map<number, number>();
profile.samples!.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas![i] ?? 0)));
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
let busy = 0;
for (const [id, us] of selfUs) {
  const frame = nodes.get(id)!.callFrame;
  if (frame.functionName === '(idle)') continue;
  busy += us;
  const where = frame.url.replace(/.*node_modules\//, '').replace(/.*\/(src|test|bench)\//, '$1/');
  const fn = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url)?.[1] ?? (/\/(src|test|bench)\//.exec(frame.url) ? where.split(':')[0]! : frame.url.split(':')[0] || frame.functionName);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}
// The local Neon-compatible endpoint runs in this process (on Neon it is the provider's proxy): its share — the pg
// driver, src/local, and the socket writes to PostgreSQL (writev: this loop makes no other) — is what a Worker
// would not run. The rest is the app's own CPU per request.
const ENDPOINT = /^(pg|pg-protocol|pg-pool|pg-types|pgpass|writev)$|^src\/local\//;
const endpointUs = [...byPackage].filter(([pkg]) => ENDPOINT.test(pkg)).reduce((sum, [, us]) => sum + us, 0);
console.log(`sampled busy ${(busy / n).toFixed(0)} µs per request: local endpoint ${(endpointUs / n).toFixed(0)} µs, the app ${((busy - endpointUs) / n).toFixed(0)} µs`);
const top = (m: Map<string, number>, k: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([name, us]) => `${((100 * us) / busy).toFixed(1).padStart(5)}% ${(us / n).toFixed(0).padStart(5)} µs  ${name}`)
    .join('\n');
console.log(`\nby package (share of busy samples, µs per request):\n${top(byPackage, 20)}\n\nby function:\n${top(byFunction, 30)}\n\nprofile: ${file}`);
await t.close();
