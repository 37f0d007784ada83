/**
 * In-process CPU profile of one route (default GET /api/auth/me) on the embedded database:
 * `npx tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile-me.ts [path] [n]`, then open the .cpuprofile
 * in Chrome DevTools. Not a benchmark (no HTTP, no concurrency): it shows where one request's CPU goes.
 */
import { createTestApp, registerUser } from '../test/support/harness.js';

const path = process.argv[2] ?? '/api/auth/me';
const n = Number(process.argv[3] ?? 3000);
const t = await createTestApp({ LOG_LEVEL: 'silent' });
const user = await registerUser(t);
const headers = { authorization: `Bearer ${user.token}` };
for (let i = 0; i < 200; i++) await t.app.request(path, { headers }, t.env);
const started = performance.now();
for (let i = 0; i < n; i++) {
  const res = await t.app.request(path, { headers }, t.env);
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  await res.arrayBuffer();
}
const ms = (performance.now() - started) / n;
console.log(`${path}: ${ms.toFixed(3)} ms per request (${(1000 / ms).toFixed(0)} req/s sequential, in-process)`);
await t.close();
