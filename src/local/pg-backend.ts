/**
 * SqlBackend over a real PostgreSQL server through `pg`.
 *
 * Every statement uses the identity type parser and rowMode 'array' so cells stay the text PostgreSQL
 * sent (the neon driver parses them, as with Neon), and queryMode 'extended' so a string holding
 * several statements fails with 42601 instead of being run by the simple protocol.
 */
import pg from 'pg';
import {
  beginStatement,
  isDatabaseErrorLike,
  SqlError,
  type PgBackend,
  type RawResult,
  type Statement,
  type TxOptions,
} from './sql-backend.js';

export interface PgBackendOptions {
  /** Pool size (default 10). */
  max?: number;
  /**
   * Session TimeZone (default 'UTC', like Neon and PGlite) so timestamptz text does not depend on the
   * local server's configuration. null keeps the server's setting.
   */
  timeZone?: string | null;
}

const IDENTITY_TYPES: pg.CustomTypesConfig = {
  getTypeParser: (() => (value: string) => value) as unknown as pg.CustomTypesConfig['getTypeParser'],
};

export async function openPgBackend(connectionString: string, options: PgBackendOptions = {}): Promise<PgBackend> {
  const timeZone = options.timeZone === undefined ? 'UTC' : options.timeZone;
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    ...(timeZone && !new URL(connectionString).searchParams.has('options')
      ? { options: `-c TimeZone=${timeZone}` }
      : {}),
  });
  // An idle client can lose its connection (server restart, database dropped); without a listener
  // the pool re-emits that as an uncaught 'error' and kills the process.
  pool.on('error', () => {});
  // Fail now, with the real reason, rather than on the first request.
  const probe = await pool.connect();
  probe.release();

  return {
    kind: 'pg',
    pool,
    connectionString,
    query: (text, params) => runSingle(pool, text, params),
    batch: (statements, tx) => runBatch(pool, statements, tx),
    close: () => pool.end(),
  };
}

async function runSingle(pool: pg.Pool, text: string, params: (string | null)[]): Promise<RawResult> {
  const client = await pool.connect();
  let discard = false;
  try {
    const result = toRawResult(await client.query(statementConfig(text, params)));
    // Neon drops a connection left inside a transaction (e.g. after a lone BEGIN); so do we.
    discard = client.getTransactionStatus() !== 'I';
    return result;
  } catch (e) {
    discard = !isDatabaseErrorLike(e) || client.getTransactionStatus() !== 'I';
    throw toSqlError(e);
  } finally {
    client.release(discard);
  }
}

async function runBatch(pool: pg.Pool, statements: Statement[], tx?: TxOptions): Promise<RawResult[]> {
  const client = await pool.connect();
  let discard = false;
  try {
    await client.query(beginStatement(tx));
    const results: RawResult[] = [];
    for (const statement of statements) {
      results.push(toRawResult(await client.query(statementConfig(statement.text, statement.params))));
    }
    await client.query('COMMIT');
    return results;
  } catch (e) {
    try {
      if (client.getTransactionStatus() !== 'I') await client.query('ROLLBACK');
    } catch {
      discard = true;
    }
    discard ||= !isDatabaseErrorLike(e);
    throw toSqlError(e);
  } finally {
    client.release(discard);
  }
}

function statementConfig(text: string, params: (string | null)[]): pg.QueryArrayConfig {
  // queryMode is understood by pg >= 8.12 but missing from @types/pg.
  const config: pg.QueryArrayConfig & { queryMode: 'extended' } = {
    text,
    values: params,
    rowMode: 'array',
    types: IDENTITY_TYPES,
    queryMode: 'extended',
  };
  return config;
}

function toRawResult(result: pg.QueryArrayResult): RawResult {
  return {
    command: result.command ?? '',
    rowCount: result.rowCount ?? null,
    fields: result.fields.map((f) => ({
      name: f.name,
      tableID: f.tableID,
      columnID: f.columnID,
      dataTypeID: f.dataTypeID,
      dataTypeSize: f.dataTypeSize,
      dataTypeModifier: f.dataTypeModifier,
      format: 'text' as const,
    })),
    rows: result.rows as (string | null)[][],
  };
}

function toSqlError(e: unknown): unknown {
  return isDatabaseErrorLike(e) ? SqlError.from(e) : e;
}
