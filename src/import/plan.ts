/**
 * What an import run intends to write, before anything is written: units of work and the report.
 *
 * A unit is everything one source row becomes (target rows, its import_map row, archive rows, and any
 * extra statements such as the opening balance). Units are written in chunks, each ONE `db.batch`, so
 * a run that stops part-way leaves whole units; the next run skips every source row found in import_map.
 * The dry run builds the same units and the same report, and writes none of them.
 */
import { createHash } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';

export interface MapRow {
  sourceTable: string;
  sourceId: string;
  targetTable: string;
  targetId: string;
}

export interface ArchiveRow {
  sourceTable: string;
  sourceId: string;
  reason: string;
  payload: unknown;
}

export interface Unit {
  /** Rows to insert (ON CONFLICT DO NOTHING), in dependency order. */
  inserts: { table: PgTable; values: Record<string, unknown> }[];
  map?: MapRow;
  archive: ArchiveRow[];
  /** Opening balance to book with this row (§16.3), once per user; booked per chunk in ONE ledger statement. */
  opening?: { userId: string; credits: number };
  /** Statements that must run after the inserts of the same chunk (referred_by, discount counters). */
  after: SQL[];
  /** Statements that must run before the inserts of the same chunk (first import of a natural key). */
  before: SQL[];
  /** Rough request size, to keep each batch under the HTTP body limit. */
  bytes: number;
}

/**
 * What became of a table's source rows. Every row read is counted once:
 * read = inserted + already_present + mapped_existing + Σ skipped.
 */
export interface TableReport {
  read: number;
  /** New in the target (its own rows written by this run). */
  inserted: number;
  /** Found in import_map: imported by an earlier run. */
  already_present: number;
  /** Mapped onto a row the target already had (built-in role, target USD, matching method, code or template). */
  mapped_existing: number;
  skipped: Record<string, number>;
  archived: number;
}

export interface Problem {
  table: string;
  source_id: string;
  reason: string;
  email?: string;
  detail?: string;
}

export interface Refusal {
  code: string;
  message: string;
  details?: unknown;
}

export interface ImportReport {
  mode: 'dry_run' | 'apply';
  source: string;
  status: 'succeeded' | 'failed' | 'refused' | 'planned';
  refusals: Refusal[];
  warnings: string[];
  tables: Record<string, TableReport>;
  totals: Record<string, unknown>;
  problems: Problem[];
  duration_ms?: number;
  run_id?: string;
  error?: string;
}

/** UUID v5 (RFC 4122 §4.3, SHA-1): stable ids for source rows whose id is not a UUID, and synthetic rows. */
export function uuidv5(name: string, namespace = IMPORT_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Fixed namespace of the Planlyze Flask import (never change it: re-runs depend on it). */
export const IMPORT_NAMESPACE = '6b1f3c52-9a0e-4d0b-8f43-2f6e1c7a9d15';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The target id of a source row: its own id when it is a UUID, else a v5 of "<table>:<id>". */
export function targetIdOf(table: string, sourceId: string): string {
  return UUID.test(sourceId) ? sourceId.toLowerCase() : uuidv5(`${table}:${sourceId}`);
}

export function emptyTable(): TableReport {
  return { read: 0, inserted: 0, already_present: 0, mapped_existing: 0, skipped: {}, archived: 0 };
}

export function unit(partial: Partial<Unit> = {}): Unit {
  return { inserts: [], archive: [], after: [], before: [], bytes: 0, ...partial };
}

/** Approximate serialized size of a unit (values as JSON plus a fixed overhead per statement). */
export function measure(u: Unit): number {
  let bytes = 200 * (u.inserts.length + u.after.length + u.before.length + u.archive.length + 1) + (u.opening ? 100 : 0);
  for (const i of u.inserts) bytes += JSON.stringify(i.values, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)).length;
  for (const a of u.archive) bytes += JSON.stringify(a.payload).length;
  return bytes;
}
