/**
 * Pure parts of the Neon wire format: parameter text, array literals, command tags, header checks.
 * Expected values follow Neon's proxy (json.rs / sql_over_http.rs) behaviour.
 */
import { describe, expect, it } from 'vitest';
import {
  encodeError,
  jsonToPgText,
  NeonRequestError,
  parseNeonPayload,
  parsePgArray,
  pgTextToJson,
  readNeonHeaders,
} from '../../src/local/neon-protocol.js';
import { beginStatement, parseCommandTag } from '../../src/local/sql-backend.js';

describe('neon protocol helpers', () => {
  it('turns JSON params into Postgres text like Neon', () => {
    expect([true, false, 42, 'foo"', null].map(jsonToPgText)).toEqual(['true', 'false', '42', 'foo"', null]);
    expect(jsonToPgText({ a: 1 })).toBe('{"a":1}');
    expect(jsonToPgText([true, false, null, 'NULL', 42, 'foo', 'bar"-\\'])).toBe('{true,false,NULL,"NULL",42,"foo","bar\\"-\\\\"}');
    expect(jsonToPgText([[true, false], [null, 42]])).toBe('{{true,false},{NULL,42}}');
    expect(jsonToPgText([{ foo: 1 }, { bar: 2 }])).toBe('{"{\\"foo\\":1}","{\\"bar\\":2}"}');
  });

  it('parses array literals (quotes, escapes, NULL, nesting, bounds)', () => {
    const same = (s: string) => s;
    expect(parsePgArray('{}', same)).toEqual([]);
    expect(parsePgArray('{"a,b",NULL,"q\\"","back\\\\slash","NULL", x }', same)).toEqual(['a,b', null, 'q"', 'back\\slash', 'NULL', 'x']);
    expect(parsePgArray('[0:1]={{1,2},{3,4}}', Number)).toEqual([[1, 2], [3, 4]]);
    expect(() => parsePgArray('{1,2', same)).toThrow(/unbalanced/);
  });

  it('converts text cells to JSON values without raw text output', () => {
    const arrays = new Map([[1007, 23]]);
    expect(pgTextToJson('t', 16, arrays)).toBe(true);
    expect(pgTextToJson('42', 23, arrays)).toBe(42);
    expect(pgTextToJson('42', 20, arrays)).toBe('42');
    expect(pgTextToJson('-Infinity', 701, arrays)).toBe('-Infinity');
    expect(pgTextToJson('{"s":[null,3]}', 3802, arrays)).toEqual({ s: [null, 3] });
    expect(pgTextToJson('{1,NULL,3}', 1007, arrays)).toEqual([1, null, 3]);
  });

  it('splits command tags like Neon', () => {
    expect(parseCommandTag('SELECT 3')).toEqual({ command: 'SELECT', rowCount: 3 });
    expect(parseCommandTag('INSERT 0 2')).toEqual({ command: 'INSERT', rowCount: 2 });
    expect(parseCommandTag('CREATE TABLE')).toEqual({ command: 'CREATE', rowCount: null });
    expect(parseCommandTag('BEGIN')).toEqual({ command: 'BEGIN', rowCount: null });
    expect(parseCommandTag('')).toEqual({ command: '', rowCount: null });
  });

  it('builds the batch BEGIN from the Neon-Batch-* headers', () => {
    const headers = readNeonHeaders(
      new Headers({
        'Neon-Connection-String': 'postgres://u:p@host/db',
        'Neon-Batch-Isolation-Level': 'RepeatableRead',
        'Neon-Batch-Read-Only': 'true',
        'Neon-Batch-Deferrable': 'yes', // anything but "true" is false
      }),
    );
    expect(beginStatement(headers.tx)).toBe('START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    expect(headers).toMatchObject({ rawTextOutput: false, arrayMode: false });
  });

  it('refuses what Neon refuses before reaching PostgreSQL', () => {
    expect(() => readNeonHeaders(new Headers())).toThrow(NeonRequestError);
    expect(() => readNeonHeaders(new Headers({ 'Neon-Connection-String': 'mysql://u@h/d' }))).toThrow(/scheme/);
    expect(() => readNeonHeaders(new Headers({ 'Neon-Connection-String': 'postgres://u@h' }))).toThrow(/database/);
    expect(() =>
      readNeonHeaders(new Headers({ 'Neon-Connection-String': 'postgres://u@h/d', 'Neon-Batch-Isolation-Level': 'Snapshot' })),
    ).toThrow(/invalid isolation level/);
    expect(() => parseNeonPayload('{')).toThrow(/JSON/);
    expect(() => parseNeonPayload('{"sql":"SELECT 1"}')).toThrow(/untagged enum/);
    expect(parseNeonPayload('{"query":"SELECT $1","params":[1],"arrayMode":true}')).toEqual({
      kind: 'single',
      query: { text: 'SELECT $1', params: ['1'], arrayMode: true },
    });
  });

  it('writes every error field, with "" code/severity for non-database errors', () => {
    expect(encodeError('boom')).toMatchObject({ message: 'boom', code: '', severity: '', constraint: null, line: null });
    expect(encodeError('dup', { code: '23505', constraint: 'c' })).toMatchObject({ code: '23505', constraint: 'c', severity: null });
  });
});
