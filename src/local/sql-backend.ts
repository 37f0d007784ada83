/**
 * The contract between the local Neon endpoint and a database: run one extended-protocol statement
 * with text parameters and get text cells back, or run several in one transaction. Implementations:
 * embedded PGlite (./pglite-backend.ts) and a real PostgreSQL server through `pg` (./pg-backend.ts).
 * Node-only (src/local is never bundled into the Worker).
 *
 * Results are deliberately raw (text cells, full RowDescription, parsed command tag) so that the
 * endpoint can answer the JSON Neon's proxy answers, and the neon driver's own pg-types
 * parsing produces the values the app will see in production.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { Pool } from 'pg';

/** One column of a RowDescription, named as Neon (and pg) name them. */
export interface FieldInfo {
  name: string;
  tableID: number;
  columnID: number;
  dataTypeID: number;
  dataTypeSize: number;
  dataTypeModifier: number;
  format: 'text';
}

/** A statement's outcome before it is turned into Neon JSON. */
export interface RawResult {
  /** First word of the command tag ("SELECT", "INSERT", "CREATE"...), "" for an empty query. */
  command: string;
  /** Row count from the command tag, null when the tag carries none (e.g. "CREATE TABLE"). */
  rowCount: number | null;
  fields: FieldInfo[];
  /** Text-format cells exactly as PostgreSQL sent them; null is SQL NULL. */
  rows: (string | null)[][];
}

export interface Statement {
  text: string;
  params: (string | null)[];
}

export type IsolationLevel = 'ReadUncommitted' | 'ReadCommitted' | 'RepeatableRead' | 'Serializable';

/** The options Neon reads from the Neon-Batch-* headers. */
export interface TxOptions {
  isolationLevel?: IsolationLevel;
  readOnly?: boolean;
  deferrable?: boolean;
}

export interface SqlBackendBase {
  /** Runs one statement outside any explicit transaction (autocommit), as Neon does for `{query}`. */
  query(text: string, params: (string | null)[]): Promise<RawResult>;
  /** Runs all statements in one transaction: all results, or the first error after a ROLLBACK. */
  batch(statements: Statement[], tx?: TxOptions): Promise<RawResult[]>;
  close(): Promise<void>;
}

export interface PgliteBackend extends SqlBackendBase {
  readonly kind: 'pglite';
  /** The embedded database; use it directly only through its own API (its locks serialize with ours). */
  readonly db: PGlite;
}

export interface PgBackend extends SqlBackendBase {
  readonly kind: 'pg';
  readonly pool: Pool;
  readonly connectionString: string;
}

export type SqlBackend = PgliteBackend | PgBackend;

/** The fields of a PostgreSQL ErrorResponse that Neon forwards (and pg/PGlite expose under these names). */
export const PG_ERROR_FIELDS = [
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const;
export type PgErrorField = (typeof PG_ERROR_FIELDS)[number];

/**
 * An error PostgreSQL itself reported (as opposed to a broken connection). Backends convert their
 * driver's error into this so the endpoint can answer HTTP 400 with every field, as Neon does.
 */
export class SqlError extends Error {
  readonly fields: Partial<Record<PgErrorField, string>>;
  constructor(message: string, fields: Partial<Record<PgErrorField, string>>) {
    super(message);
    this.name = 'SqlError';
    this.fields = fields;
  }
  get code(): string | undefined {
    return this.fields.code;
  }

  /** Copies the fields from anything shaped like pg-protocol's DatabaseError / NoticeOrError. */
  static from(source: { message?: string | undefined } & Partial<Record<PgErrorField, unknown>>): SqlError {
    const fields: Partial<Record<PgErrorField, string>> = {};
    for (const key of PG_ERROR_FIELDS) {
      const value = source[key];
      if (typeof value === 'string') fields[key] = value;
    }
    return new SqlError(source.message ?? 'unknown database error', fields);
  }
}

/** True for errors carrying a SQLSTATE, i.e. reported by PostgreSQL rather than by the transport. */
export function isDatabaseErrorLike(e: unknown): e is Error & Partial<Record<PgErrorField, unknown>> {
  if (!(e instanceof Error)) return false;
  const { code, severity } = e as { code?: unknown; severity?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string';
}

/**
 * Splits a command tag the way Neon's proxy does (parse_command_tag in proxy/src/serverless/
 * sql_over_http.rs): first word is the command; the count is the last number, after the OID for INSERT.
 */
export function parseCommandTag(tag: string): { command: string; rowCount: number | null } {
  const space = tag.indexOf(' ');
  if (space < 0) return { command: tag, rowCount: null };
  const command = tag.slice(0, space);
  let rest = tag.slice(space + 1);
  if (command === 'INSERT') {
    const second = rest.indexOf(' ');
    if (second < 0) return { command, rowCount: null };
    rest = rest.slice(second + 1);
  }
  return { command, rowCount: /^\d+$/.test(rest) ? Number(rest) : null };
}

/** The BEGIN statement Neon's proxy issues for a batch (tokio-postgres' transaction builder). */
export function beginStatement(tx: TxOptions = {}): string {
  const modes: string[] = [];
  if (tx.isolationLevel) modes.push(`ISOLATION LEVEL ${ISOLATION_SQL[tx.isolationLevel]}`);
  if (tx.readOnly) modes.push('READ ONLY');
  if (tx.deferrable) modes.push('DEFERRABLE');
  return modes.length ? `START TRANSACTION ${modes.join(', ')}` : 'START TRANSACTION';
}

const ISOLATION_SQL: Record<IsolationLevel, string> = {
  ReadUncommitted: 'READ UNCOMMITTED',
  ReadCommitted: 'READ COMMITTED',
  RepeatableRead: 'REPEATABLE READ',
  Serializable: 'SERIALIZABLE',
};
