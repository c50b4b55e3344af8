import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenaStringLiteral, parameterNames, toAthenaPositional, toDuckDbPositional, toQuestionMarks } from '../../../lib/query/sql-params';

describe('parameterNames', () => {
  it('finds :name outside literals, quoted identifiers, comments and :: casts, in order of first use', () => {
    const sql = `SELECT ':nope', "col:nope", x::VARCHAR -- :nope
      /* :nope */ FROM t WHERE a = :first AND b = :second_2 OR a = :first`;
    expect(parameterNames(sql)).toEqual(['first', 'second_2']);
  });

  it('treats doubled quotes as part of the literal', () => {
    expect(parameterNames(`SELECT 'it''s :nope' WHERE x = :yes`)).toEqual(['yes']);
  });
});

describe('toDuckDbPositional', () => {
  it('numbers each distinct name once and orders the values to match', () => {
    const r = toDuckDbPositional('SELECT 1 WHERE a = :b OR c = :a OR d = :b', { a: 'A', b: 'B' });
    expect(r).toEqual({ sql: 'SELECT 1 WHERE a = $1 OR c = $2 OR d = $1', values: ['B', 'A'] });
  });

  it('rejects missing, unknown and badly named parameters, and positional placeholders', () => {
    expect(() => toDuckDbPositional('SELECT :a', {})).toThrow(expect.objectContaining({ code: 'MISSING_PARAMETER' }));
    expect(() => toDuckDbPositional('SELECT :a', { a: '1', b: '2' })).toThrow(expect.objectContaining({ code: 'UNKNOWN_PARAMETER' }));
    expect(() => toDuckDbPositional('SELECT 1', { 'a;drop': '1' })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    expect(() => toDuckDbPositional('SELECT ? , :a', { a: '1' })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_PLACEHOLDER' }));
    expect(() => toDuckDbPositional('SELECT $1', {})).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_PLACEHOLDER' }));
  });
});

describe('toAthenaPositional', () => {
  it('emits one ? per occurrence with the value as a quoted literal each time', () => {
    const r = toAthenaPositional("SELECT 1 WHERE a = :x AND b = :y AND c = :x AND d = '?'", { x: "o'brien", y: '2' });
    expect(r.sql).toBe("SELECT 1 WHERE a = ? AND b = ? AND c = ? AND d = '?'");
    expect(r.values).toEqual(["'o''brien'", "'2'", "'o''brien'"]);
  });

  it('refuses NUL, which no SQL literal can hold', () => {
    expect(() => athenaStringLiteral('a\u0000b')).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });
});

describe('toQuestionMarks', () => {
  it('turns every named parameter into ? for the Athena console', () => {
    expect(toQuestionMarks('SELECT 1 WHERE a = :x OR b = :y OR c = :x')).toBe('SELECT 1 WHERE a = ? OR b = ? OR c = ?');
  });
});

describe('athenaStringLiteral', () => {
  let instance: DuckDBInstance;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
  });
  afterAll(() => instance.closeSync());

  // DuckDB and Trino read standard SQL string literals the same way (only '' escapes), so DuckDB can check the quoting
  it('reads back as exactly the value, whatever it holds', async () => {
    const c = await instance.connect();
    await fc.assert(
      fc.asyncProperty(
        fc
          .oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom("'", "\\'", "'; DROP TABLE x; --", '\\', "''"))
          .filter((s) => !s.includes('\u0000')),
        async (s) => {
          const reader = await c.runAndReadAll(`SELECT ${athenaStringLiteral(s)} AS v`);
          expect(reader.getRowsJson()[0][0]).toBe(s);
        },
      ),
      { numRuns: 200 },
    );
    c.closeSync();
  });
});
