/**
 * Per-request database cost, exact even when a test fires requests concurrently: the harness runs each
 * request inside an AsyncLocalStorage scope, and the local endpoint's `onRequest` hook (called in the
 * async context of the driver's fetch, so of the request that caused it) adds to that scope.
 *
 * With ROUND_TRIPS_LOG=<file>, every harness request appends one JSON line
 * `{method, path, status, roundTrips, statements}` — `npm run bench:round-trips` runs the API suites so
 * and turns the lines into the per-route table (bench/round-trips.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync } from 'node:fs';
import type { RequestLogEntry } from '../../src/local/sql-endpoint.js';

export interface RequestCost {
  roundTrips: number;
  statements: number;
}

const scope = new AsyncLocalStorage<RequestCost>();

/** For createSqlEndpoint's `onRequest`: charges the round trip to the request whose scope it runs in. */
export function chargeRoundTrip(entry: RequestLogEntry): void {
  const cost = scope.getStore();
  if (!cost) return;
  cost.roundTrips++;
  cost.statements += entry.queries.length;
}

/** Runs one request in its own scope; returns its result and what it cost the database. */
export async function measured<T>(run: () => Promise<T>): Promise<{ result: T; cost: RequestCost }> {
  const cost: RequestCost = { roundTrips: 0, statements: 0 };
  const result = await scope.run(cost, run);
  return { result, cost };
}

const LOG_FILE = process.env.ROUND_TRIPS_LOG;

export function logRequestCost(method: string, path: string, status: number, cost: RequestCost): void {
  if (!LOG_FILE) return;
  appendFileSync(LOG_FILE, `${JSON.stringify({ method, path: path.split('?')[0], status, ...cost })}\n`);
}
