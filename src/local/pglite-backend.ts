/**
 * SqlBackend over embedded PGlite (PostgreSQL compiled to WASM, running in this process).
 *
 * We speak the wire protocol to PGlite ourselves (Parse/Bind/Describe/Execute/Sync through
 * `execProtocol`) instead of calling `db.query()`, because only the raw messages carry what Neon
 * answers: the exact command tag, the full RowDescription (tableID, columnID, typmod...) and the
 * cells as the text PostgreSQL produced. It also sidesteps PGlite's parsers/serializers, which
 * re-encode JSON and choke on bytea text. Being the extended protocol, a string holding several
 * statements is refused with 42601, as on Neon.
 *
 * PGlite is ONE session. Every request runs inside PGlite's own query and transaction locks (the ones
 * its `query()`/`transaction()` take), so a batch's BEGIN..COMMIT never interleaves with another
 * request or with direct use of `backend.db` (e.g. migrations or test seeding).
 */
import { mkdirSync } from 'node:fs';
import { PGlite, protocol } from '@electric-sql/pglite';
import {
  beginStatement,
  parseCommandTag,
  SqlError,
  type FieldInfo,
  type PgliteBackend,
  type RawResult,
  type Statement,
  type TxOptions,
} from './sql-backend.js';

export interface PgliteBackendOptions {
  /** Directory of a persistent database (created if missing). Omitted: the database lives in memory. */
  dataDir?: string;
  /** A `dumpDataDir()` tarball to start from: a fast clone of a prepared (e.g. migrated) database. */
  loadDataDir?: Blob;
}

const { serialize, messages } = protocol;

export async function openPgliteBackend(options: PgliteBackendOptions = {}): Promise<PgliteBackend> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
  });

  // Same lock order as PGlite's own query(): transaction lock, then query lock.
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> =>
    db._runExclusiveTransaction(() => db._runExclusiveQuery(fn));

  return {
    kind: 'pglite',
    db,
    query: (text, params) =>
      exclusive(async () => {
        const outcome = await runStatement(db, text, params);
        // Neon drops a pooled connection left inside a transaction (e.g. after a lone BEGIN), which
        // ends that transaction. Our single session must be put back the same way.
        if (outcome.status !== 'I') await runStatement(db, 'ROLLBACK', []);
        if (outcome.error) throw outcome.error;
        return outcome.result;
      }),
    batch: (statements, tx) => exclusive(() => runBatch(db, statements, tx)),
    close: () => db.close(),
  };
}

/** A tarball of the whole data directory, loadable through `openPgliteBackend({ loadDataDir })`. */
export async function dumpPglite(
  backend: PgliteBackend,
  compression: 'gzip' | 'none' = 'gzip',
): Promise<Blob> {
  // dumpDataDir takes PGlite's own lock, so it cannot run in the middle of a request.
  return backend.db.dumpDataDir(compression);
}

async function runBatch(db: PGlite, statements: Statement[], tx?: TxOptions): Promise<RawResult[]> {
  const begin = await runStatement(db, beginStatement(tx), []);
  if (begin.error) {
    if (begin.status !== 'I') await runStatement(db, 'ROLLBACK', []);
    throw begin.error;
  }
  const results: RawResult[] = [];
  for (const statement of statements) {
    const outcome = await runStatement(db, statement.text, statement.params);
    if (outcome.error) {
      await runStatement(db, 'ROLLBACK', []);
      throw outcome.error;
    }
    results.push(outcome.result);
  }
  const commit = await runStatement(db, 'COMMIT', []);
  if (commit.error) {
    if (commit.status !== 'I') await runStatement(db, 'ROLLBACK', []);
    throw commit.error;
  }
  return results;
}

interface Outcome {
  result: RawResult;
  error: SqlError | undefined;
  /** ReadyForQuery status after Sync: I idle, T in a transaction, E in a failed transaction. */
  status: string;
}

/** One Parse/Bind/Describe/Execute/Sync exchange, sent to PGlite as a single buffer. */
async function runStatement(db: PGlite, text: string, params: (string | null)[]): Promise<Outcome> {
  const request = concat([
    serialize.parse({ text }),
    serialize.bind({ values: params }),
    serialize.describe({ type: 'P' }),
    serialize.execute({}),
    serialize.sync(),
  ]);
  // throwOnError: false so we always read up to ReadyForQuery and learn the session's state.
  const { messages: replies } = await db.execProtocol(request, { throwOnError: false });

  const result: RawResult = { command: '', rowCount: null, fields: [], rows: [] };
  let error: SqlError | undefined;
  let status = 'I';
  for (const message of replies) {
    if (message instanceof messages.RowDescriptionMessage) {
      result.fields = message.fields.map(toFieldInfo);
    } else if (message instanceof messages.DataRowMessage) {
      result.rows.push(message.fields);
    } else if (message instanceof messages.CommandCompleteMessage) {
      Object.assign(result, parseCommandTag(message.text));
    } else if (message instanceof messages.DatabaseError) {
      error ??= SqlError.from(message);
    } else if (message instanceof messages.ReadyForQueryMessage) {
      status = message.status;
    }
  }
  return { result, error, status };
}

function toFieldInfo(field: {
  name: string;
  tableID: number;
  columnID: number;
  dataTypeID: number;
  dataTypeSize: number;
  dataTypeModifier: number;
}): FieldInfo {
  return {
    name: field.name,
    tableID: field.tableID,
    columnID: field.columnID,
    dataTypeID: field.dataTypeID,
    dataTypeSize: field.dataTypeSize,
    dataTypeModifier: field.dataTypeModifier,
    format: 'text',
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
