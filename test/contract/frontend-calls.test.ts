/**
 * Every call of the existing web client has a route (docs/FRONTEND-CALLS.md, the inventory of the Flask
 * product's frontend mapped to this API): for each row, the route named in "After wave 2" — the call's
 * own method and path when it says "same" or a § reference, else every `METHOD /path` it names — must be
 * an operation of the OpenAPI document. Rows that name no route (dropped, not planned) are skipped and counted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/harness.js';

const INVENTORY = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'FRONTEND-CALLS.md'), 'utf8');
const ROUTE = /\b(GET|POST|PUT|DELETE)\s+(\/[A-Za-z0-9_\-/:{}]*[A-Za-z0-9_}])/g;

interface Expected {
  row: string;
  method: string;
  path: string;
}

/** The routes the inventory expects after wave 2, with the row each comes from. */
function expectedRoutes(): { expected: Expected[]; skipped: string[] } {
  const expected: Expected[] = [];
  const skipped: string[] = [];
  for (const line of INVENTORY.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (!/^\d+$/.test(cells[1] ?? '')) continue;
    const [, row, called, , , after] = cells as [string, string, string, string, string, string];
    const named = [...after.matchAll(ROUTE)].map((m) => ({ method: m[1]!, path: m[2]! }));
    // "POST, PUT, DELETE /social-media[/:id]": several methods in one row — POST on the collection, the others on an item.
    const several = /^((?:GET|POST|PUT|DELETE),\s*)+(GET|POST|PUT|DELETE)\s+([^\s[]+)\[([^\]]+)\]$/.exec(called);
    const own = several
      ? called
          .slice(0, called.lastIndexOf(' '))
          .split(/,\s*/)
          .map((method) => ({ method, path: method === 'POST' ? several[3]! : several[3]! + several[4]! }))
      : [...called.matchAll(ROUTE)].map((m) => ({ method: m[1]!, path: m[2]! }));
    const keepsOwn = /^(same|§)/.test(after) && !/^same,? or /.test(after);
    const routes = [...(keepsOwn ? (several ? own : own.slice(0, 1)) : []), ...named];
    if (routes.length === 0) skipped.push(`#${row} ${called} → ${after}`);
    for (const route of routes) expected.push({ row, ...route });
  }
  return { expected, skipped };
}

let t: TestApp;
let operations: Set<string>;
beforeAll(async () => {
  t = await createTestApp();
  const doc = (await t.request('GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  operations = new Set(
    Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)),
  );
});
afterAll(() => t.close());

it('every call of the web client maps to an operation of this API', () => {
  const { expected, skipped } = expectedRoutes();
  expect(expected.length).toBeGreaterThan(100);
  const missing = expected
    .map((e) => ({ ...e, key: `${e.method} /api${e.path.replace(/:(\w+)/g, '{$1}')}` }))
    .filter((e) => !operations.has(e.key))
    .map((e) => `#${e.row}: ${e.key}`);
  expect(missing, `routes the web client needs that the OpenAPI document lacks`).toEqual([]);
  // The rows that name no route: dropped by the spec, not planned, or wrappers that never worked.
  expect(skipped.length).toBeLessThan(15);
});
