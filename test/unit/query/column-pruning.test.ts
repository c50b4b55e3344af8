import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/query/duckdb-engine';
import { RECORD_SCHEMA, pruneStruct, type StructType } from '../../../lib/query/record-schema';
import { RECORDS_COLUMNS, columnsNamedIn, fieldsReadBy } from '../../../lib/query/records-relation';
import { reportColumns } from '../../../lib/report/gather';
import { NAMED_QUERIES } from '../../../lib/query/named-queries';
import { cli } from '../../support/cli';
import { buildScenario } from './scenario';

const names = (columns: readonly { name: string }[]): string[] => columns.map((c) => c.name);
const fieldNames = (s: StructType): string[] => s.fields.map((f) => f.name);
const sub = (s: StructType, name: string): StructType => s.fields.find((f) => f.name === name)!.type as StructType;

describe('pruneStruct', () => {
  it('keeps only the fields on the paths, and a whole struct when a path ends at it', () => {
    const pruned = pruneStruct(RECORD_SCHEMA, [
      ['chain', 'seq'],
      ['data', 'event', 'actor'],
      ['data', 'event', 'eventTime'],
    ]);
    expect(fieldNames(pruned)).toEqual(['chain', 'data']);
    expect(fieldNames(sub(pruned, 'chain'))).toEqual(['seq']);
    expect(fieldNames(sub(pruned, 'data'))).toEqual(['event']);
    const event = sub(sub(pruned, 'data'), 'event');
    expect(fieldNames(event)).toEqual(['eventTime', 'actor']);
    expect(sub(event, 'actor')).toEqual(sub(sub(sub(RECORD_SCHEMA, 'data'), 'event'), 'actor'));
  });

  it('returns the schema unchanged when every field is read', () => {
    expect(pruneStruct(RECORD_SCHEMA, fieldsReadBy(RECORDS_COLUMNS))).toEqual(RECORD_SCHEMA);
  });

  it('names a path that is not in the schema', () => {
    expect(() => pruneStruct(RECORD_SCHEMA, [['nope']])).toThrow(/no field nope/);
  });
});

describe('columnsNamedIn', () => {
  it('gives the named columns and those the orphan rule reads, in table order', () => {
    const cols = names(columnsNamedIn(['SELECT region, account FROM records WHERE kind = :k']));
    expect(cols).toEqual(['object_key', 'seq', 'prev', 'kind', 'id', 'account', 'region']);
  });

  it('matches whole words only: action is not actor_type, and raw_event only when named', () => {
    const cols = names(columnsNamedIn(['SELECT action FROM records']));
    expect(cols).toContain('action');
    expect(cols).not.toContain('actor_type');
    expect(cols).not.toContain('raw_event');
  });

  it('loads resources for a query on record_resources', () => {
    expect(names(columnsNamedIn(['SELECT resource_id FROM record_resources']))).toContain('resources');
  });

  it('gives every column for SQL that may select *, but not for count(*)', () => {
    expect(columnsNamedIn(['SELECT * FROM records'])).toBe(RECORDS_COLUMNS);
    expect(columnsNamedIn(['SELECT r.* FROM record_resources r'])).toBe(RECORDS_COLUMNS);
    expect(names(columnsNamedIn(['SELECT count(*) AS n FROM records']))).toEqual(['object_key', 'seq', 'prev', 'id']);
  });

  it("the report's columns leave out the original events", () => {
    const cols = names(reportColumns());
    expect(cols).toEqual(expect.arrayContaining(['event_time', 'kind', 'principal', 'alert_kind']));
    expect(cols).not.toContain('raw_event');
    expect(cols).not.toContain('quarantine_raw_base64');
  });
});

/** Each column built alone (its fields only) holds what the full load holds: every column's `reads` is complete. */
describe('a load of some columns', () => {
  let dir: string;
  let orphan: string;
  let full: DuckDbQueryEngine;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'immutrail-column-pruning-'));
    const scenario = buildScenario();
    scenario.builder.writeTo(dir);
    orphan = scenario.tipGhost.key;
    full = await DuckDbQueryEngine.fromDirectory(dir, { orphanKeys: [orphan] });
  });

  afterAll(async () => {
    await full?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rowsOf = async (engine: DuckDbQueryEngine, column: string) =>
    (await engine.run({ sql: `SELECT object_key, seq, ${column} FROM records ORDER BY object_key, seq` })).rows;

  it('gives each column the values of the full load', async () => {
    for (const column of RECORDS_COLUMNS) {
      const lean = await DuckDbQueryEngine.fromDirectory(dir, { orphanKeys: [orphan], columns: columnsNamedIn([`SELECT ${column.name} FROM records`]) });
      try {
        expect(await rowsOf(lean, column.name), column.name).toEqual(await rowsOf(full, column.name));
      } finally {
        await lean.close();
      }
    }
  });

  it('gives every named query the rows of the full load (what `immutrail query` loads for it)', async () => {
    const period = { from: '2026-01-01', to: '2027-01-01' };
    for (const q of NAMED_QUERIES) {
      const params = Object.fromEntries(q.parameters.map((p) => [p.name, period[p.name as keyof typeof period] ?? p.example]));
      const lean = await DuckDbQueryEngine.fromDirectory(dir, { orphanKeys: [orphan], columns: columnsNamedIn([q.sql]) });
      try {
        expect(await lean.run({ name: q.name, params }), q.name).toEqual(await full.run({ name: q.name, params }));
      } finally {
        await lean.close();
      }
    }
  });

  it('immutrail query --dir answers ad-hoc SQL, `*` included, from the columns it names', async () => {
    const sql = 'SELECT region, count(*) AS n FROM records WHERE region IS NOT NULL GROUP BY region';
    // the CLI reading a folder knows no orphans (no table), so its reference is the full load without them
    const reference = await DuckDbQueryEngine.fromDirectory(dir);
    try {
      const regions = await cli('query', '--dir', dir, '--sql', sql, '--json');
      expect(regions.code, regions.stderr).toBe(0);
      expect(JSON.parse(regions.stdout)).toEqual((await reference.run({ sql })).rows.map(([region, n]) => ({ region, n })));
    } finally {
      await reference.close();
    }
    const star = await cli('query', '--dir', dir, '--sql', 'SELECT * FROM records WHERE raw_event IS NOT NULL LIMIT 1', '--json');
    expect(star.code, star.stderr).toBe(0);
    expect(Object.keys(JSON.parse(star.stdout)[0])).toEqual(RECORDS_COLUMNS.map((c) => c.name));
  });

  it('has no column it was not asked for, and no record_resources without resources', async () => {
    const lean = await DuckDbQueryEngine.fromDirectory(dir, { columns: columnsNamedIn(['SELECT region FROM records']) });
    try {
      await expect(lean.run({ sql: 'SELECT raw_event FROM records' })).rejects.toThrow(/raw_event/);
      await expect(lean.run({ sql: 'SELECT resource_id FROM record_resources' })).rejects.toThrow(/record_resources/);
      // DuckDB's suggestions would name only the loaded columns; the full load keeps them
      const typo = 'SELECT regoin FROM records';
      await expect(lean.run({ sql: typo })).rejects.toThrow(expect.objectContaining({ message: expect.not.stringContaining('Candidate bindings') }));
      await expect(lean.run({ sql: typo })).rejects.toThrow(/regoin/);
      await expect(full.run({ sql: typo })).rejects.toThrow(/Candidate bindings/);
    } finally {
      await lean.close();
    }
  });
});
