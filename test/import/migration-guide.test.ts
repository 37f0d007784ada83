/**
 * Keeps docs/MIGRATING-FROM-FLASK.md honest: every route it names in backticks exists in the OpenAPI
 * document with the method stated (routes tagged "[wave 2 §N]" may still be absent in this build: they
 * are listed, not failed), and every row #1–#108 of FRONTEND-CALLS.md has its row in the guide.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/harness.js';

const guide = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'MIGRATING-FROM-FLASK.md'), 'utf8');
let t: TestApp;
let operations: Set<string>;
beforeAll(async () => {
  t = await createTestApp();
  const doc = (await t.request('GET', '/api/openapi.json')).body;
  operations = new Set(Object.entries<Record<string, unknown>>(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)));
});
afterAll(() => t.close());

it('names only routes that exist, with the method it states', () => {
  const missing: string[] = [];
  const pending: string[] = [];
  let named = 0;
  for (const line of guide.split('\n')) {
    for (const m of line.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/api\/[^`?\s]*)[^`]*`/g)) {
      named++;
      const op = `${m[1]} ${m[2]}`;
      if (operations.has(op)) continue;
      (line.includes('[wave 2 §') ? pending : missing).push(op);
    }
  }
  expect(named).toBeGreaterThan(100);
  expect(missing).toEqual([]);
  if (pending.length) console.log(`[guide] ${pending.length} wave-2 routes not in this build yet: ${[...new Set(pending)].join(', ')}`);
});

it('covers every row of FRONTEND-CALLS.md (#1–#108)', () => {
  const covered = new Set<number>();
  for (const line of guide.split('\n')) {
    const first = /^\|\s*([\d, ]+?)\s*\|/.exec(line);
    if (first) for (const n of first[1]!.split(',')) covered.add(Number(n.trim()));
  }
  const absent = Array.from({ length: 108 }, (_, i) => i + 1).filter((n) => !covered.has(n));
  expect(absent).toEqual([]);
});
