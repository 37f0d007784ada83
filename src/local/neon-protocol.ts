/**
 * Neon's SQL-over-HTTP wire format, server side: reading a `/sql` request (headers + JSON payload) and
 * writing the JSON that Neon's proxy writes. Pure functions, no I/O.
 *
 * Modelled on @neondatabase/serverless 1.2 (the client we must satisfy) and on Neon's proxy
 * (proxy/src/serverless/sql_over_http.rs and json.rs in neondatabase/neon), whose behaviour we copy:
 * - payload `{query, params?, arrayMode?}` or `{queries: [...]}`; non-string JSON params become
 *   Postgres text (numbers/booleans/objects as JSON text, arrays as array literals, null as NULL);
 * - `Neon-Raw-Text-Output: true` keeps cells as text; otherwise bool/int2/int4/float/json(b) and arrays
 *   of them become JSON values (int8 and numeric stay strings);
 * - `Neon-Array-Mode: true` makes rows arrays, otherwise objects keyed by column name;
 * - errors carry every ErrorResponse field, null when absent ("code"/"severity" are "" for errors that
 *   did not come from PostgreSQL).
 */
import {
  PG_ERROR_FIELDS,
  type FieldInfo,
  type IsolationLevel,
  type PgErrorField,
  type RawResult,
  type TxOptions,
} from './sql-backend.js';

export interface NeonQuery {
  text: string;
  params: (string | null)[];
  /** Per-query override of the Neon-Array-Mode header. */
  arrayMode?: boolean;
}

export type NeonPayload = { kind: 'single'; query: NeonQuery } | { kind: 'batch'; queries: NeonQuery[] };

export interface NeonHeaders {
  connectionString: string;
  rawTextOutput: boolean;
  arrayMode: boolean;
  tx: TxOptions;
}

/** A request Neon would refuse before reaching PostgreSQL; `status` is the HTTP status it answers. */
export class NeonRequestError extends Error {
  constructor(
    message: string,
    readonly status: number = 400,
  ) {
    super(message);
    this.name = 'NeonRequestError';
  }
}

const ISOLATION_LEVELS: readonly IsolationLevel[] = ['ReadUncommitted', 'ReadCommitted', 'RepeatableRead', 'Serializable'];

/** What reading the headers needs: a case-insensitive `get` (a `Headers` object, or a lookup over a plain object). */
export interface HeaderLookup {
  get(name: string): string | null;
}

export function readNeonHeaders(headers: HeaderLookup): NeonHeaders {
  const connectionString = headers.get('Neon-Connection-String');
  if (!connectionString) throw new NeonRequestError('missing header: Neon-Connection-String');
  checkConnectionString(connectionString);

  const isolation = headers.get('Neon-Batch-Isolation-Level');
  if (isolation !== null && !ISOLATION_LEVELS.includes(isolation as IsolationLevel)) {
    throw new NeonRequestError('invalid isolation level');
  }
  const tx: TxOptions = {};
  if (isolation !== null) tx.isolationLevel = isolation as IsolationLevel;
  // Neon: anything but exactly "true" is false.
  if (headers.get('Neon-Batch-Read-Only') === 'true') tx.readOnly = true;
  if (headers.get('Neon-Batch-Deferrable') === 'true') tx.deferrable = true;

  return {
    connectionString,
    rawTextOutput: headers.get('Neon-Raw-Text-Output') === 'true',
    arrayMode: headers.get('Neon-Array-Mode') === 'true',
    tx,
  };
}

/** Connection strings already found valid (the app sends the same one on every request). */
const validConnectionStrings = new Set<string>();

/** Neon needs user, host and database; the password is not checked here (no auth locally). */
function checkConnectionString(value: string): void {
  if (validConnectionStrings.has(value)) return;
  checkConnectionStringUrl(value);
  if (validConnectionStrings.size < 64) validConnectionStrings.add(value);
}

function checkConnectionStringUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new NeonRequestError('invalid connection string: not a URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new NeonRequestError('invalid connection string: scheme must be postgres: or postgresql:');
  }
  if (!url.hostname) throw new NeonRequestError('invalid connection string: missing host');
  if (!url.username) throw new NeonRequestError('invalid connection string: missing user');
  if (url.pathname.length <= 1) throw new NeonRequestError('invalid connection string: missing database');
}

export function parseNeonPayload(body: string): NeonPayload {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    throw new NeonRequestError(`could not parse the request body as JSON: ${(e as Error).message}`);
  }
  if (isRecord(json) && typeof json.query === 'string') return { kind: 'single', query: toQuery(json) };
  if (isRecord(json) && Array.isArray(json.queries) && json.queries.every(isRecord)) {
    return { kind: 'batch', queries: json.queries.map(toQuery) };
  }
  throw new NeonRequestError('data did not match any variant of untagged enum Payload');
}

function toQuery(item: Record<string, unknown>): NeonQuery {
  if (typeof item.query !== 'string') throw new NeonRequestError('invalid type: query must be a string');
  const params = item.params ?? [];
  if (!Array.isArray(params)) throw new NeonRequestError('invalid type: params must be an array');
  if (item.arrayMode !== undefined && typeof item.arrayMode !== 'boolean') {
    throw new NeonRequestError('invalid type: arrayMode must be a boolean');
  }
  const query: NeonQuery = { text: item.query, params: params.map(jsonToPgText) };
  if (item.arrayMode !== undefined) query.arrayMode = item.arrayMode;
  return query;
}

/** A JSON parameter as the Postgres text Neon binds (json_to_pg_text). */
export function jsonToPgText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return jsonArrayToPgArray(value);
  return JSON.stringify(value);
}

/** Inside an array literal strings are quoted with JSON escaping, which Postgres accepts for \" and \\. */
function jsonArrayToPgArray(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return `{${value.map((v) => jsonArrayToPgArray(v) ?? 'NULL').join(',')}}`;
  if (typeof value === 'object') return JSON.stringify(JSON.stringify(value));
  return JSON.stringify(value);
}

/** Element type OID of each array type OID (non-array types absent). */
export type ArrayElementTypes = ReadonlyMap<number, number>;

export interface EncodeOptions {
  arrayMode: boolean;
  rawTextOutput: boolean;
  /** Needed only when rawTextOutput is false. */
  arrayElementTypes?: ArrayElementTypes;
}

/** One statement's result as Neon writes it. */
export function encodeResult(result: RawResult, options: EncodeOptions) {
  const { fields } = result;
  const cell = options.rawTextOutput
    ? (value: string | null) => value
    : (value: string | null, field: FieldInfo) =>
        value === null ? null : pgTextToJson(value, field.dataTypeID, options.arrayElementTypes ?? new Map());
  const rows = result.rows.map((row) =>
    options.arrayMode
      ? row.map((value, i) => cell(value, fields[i]!))
      : Object.fromEntries(row.map((value, i) => [fields[i]!.name, cell(value, fields[i]!)])),
  );
  return {
    command: result.command,
    rowCount: result.rowCount,
    rowAsArray: options.arrayMode,
    fields: fields.map((f) => ({
      name: f.name,
      dataTypeID: f.dataTypeID,
      tableID: f.tableID,
      columnID: f.columnID,
      dataTypeSize: f.dataTypeSize,
      dataTypeModifier: f.dataTypeModifier,
      format: f.format,
    })),
    rows,
  };
}

/** The error body Neon sends: every field present, null when unknown. */
export function encodeError(message: string, fields?: Partial<Record<PgErrorField, string>>) {
  const body: Record<string, string | null> = { message };
  for (const key of PG_ERROR_FIELDS) body[key] = fields?.[key] ?? null;
  // Neon serialises these two as "" when the error did not come from PostgreSQL.
  if (!fields) {
    body.code = '';
    body.severity = '';
  }
  return body;
}

const BOOL = 16;
const INT2 = 21;
const INT4 = 23;
const FLOAT4 = 700;
const FLOAT8 = 701;
const JSON_OID = 114;
const JSONB = 3802;

/** Text cell → JSON value, as Neon's pg_text_to_json (used only without Neon-Raw-Text-Output). */
export function pgTextToJson(text: string, typeId: number, arrayElementTypes: ArrayElementTypes): unknown {
  const element = arrayElementTypes.get(typeId);
  if (element !== undefined) return parsePgArray(text, (item) => pgTextToJson(item, element, arrayElementTypes));
  switch (typeId) {
    case BOOL:
      return text === 't';
    case INT2:
    case INT4:
      return Number.parseInt(text, 10);
    case FLOAT4:
    case FLOAT8: {
      const n = Number(text);
      // NaN and ±Infinity have no JSON form; Neon passes them as strings.
      return Number.isFinite(n) ? n : text;
    }
    case JSON_OID:
    case JSONB:
      return JSON.parse(text);
    default:
      return text;
  }
}

/**
 * Parses a Postgres array literal (any depth, quoted items with backslash escapes, unquoted NULL,
 * optional `[l:u]=` bounds decoration which JSON cannot express and is dropped).
 */
export function parsePgArray(literal: string, convert: (item: string) => unknown): unknown[] {
  let input = literal;
  if (input.startsWith('[')) {
    const eq = input.indexOf('=');
    if (eq < 0) throw new Error('unbalanced array');
    input = input.slice(eq + 1);
  }
  let pos = 0;
  const skipSpace = () => {
    while (pos < input.length && /\s/.test(input[pos]!)) pos++;
  };

  const parseList = (): unknown[] => {
    skipSpace();
    if (input[pos] !== '{') throw new Error('unbalanced array');
    pos++;
    const items: unknown[] = [];
    skipSpace();
    if (input[pos] === '}') {
      pos++;
      return items;
    }
    for (;;) {
      skipSpace();
      if (input[pos] === '{') {
        items.push(parseList());
      } else if (input[pos] === '"') {
        pos++;
        let item = '';
        for (;;) {
          const ch = input[pos++];
          if (ch === undefined) throw new Error('unbalanced quoted string');
          if (ch === '"') break;
          if (ch === '\\') {
            const escaped = input[pos++];
            if (escaped === undefined) throw new Error('unbalanced quoted string');
            item += escaped;
          } else {
            item += ch;
          }
        }
        items.push(convert(item));
      } else {
        const start = pos;
        while (pos < input.length && input[pos] !== ',' && input[pos] !== '}') pos++;
        if (pos >= input.length) throw new Error('unbalanced array');
        const item = input.slice(start, pos).trim();
        items.push(item === 'NULL' ? null : convert(item));
      }
      skipSpace();
      if (input[pos] === ',') {
        pos++;
        continue;
      }
      if (input[pos] === '}') {
        pos++;
        return items;
      }
      throw new Error('unbalanced array');
    }
  };

  const result = parseList();
  skipSpace();
  if (pos !== input.length) throw new Error('unbalanced array');
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
