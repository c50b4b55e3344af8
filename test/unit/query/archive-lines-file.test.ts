import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KEY_MEMBER, keyedLines } from '../../../lib/query/archive-lines-file';
import { directoryArchiveSource } from '../../../lib/query/archive-source';
import { DuckDbQueryEngine } from '../../../lib/query/duckdb-engine';
import type { QueryResult } from '../../../lib/query/types';
import { buildScenario } from './scenario';

const KEY = 'records/shard=api/dt=2026-03-01/0000000000000001-0000000000000002-0123456789abcdef.ndjson';
const keyed = (body: string): { lines: string[]; count: number } => {
  const r = keyedLines(KEY, Buffer.from(body));
  return { lines: Buffer.concat(r.parts).toString().split('\n').slice(0, -1), count: r.lines };
};

describe('keyedLines: each record line with its object key as first member', () => {
  it('copies a canonical line byte for byte after the key', () => {
    const line = '{"chain":{"seq":1},"data":{"raw":{"n":1.50,"s":"é\\u0000"}}}';
    const { lines, count } = keyed(`${line}\n${line}\n`);
    expect(count).toBe(2);
    expect(lines).toEqual([0, 1].map(() => `{${JSON.stringify(KEY_MEMBER)}:${JSON.stringify(KEY)},${line.slice(1)}`));
  });

  it('takes a last line without a newline, and skips empty lines', () => {
    const { lines, count } = keyed('{"a":1}\n\n{"a":2}');
    expect(count).toBe(2);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { [KEY_MEMBER]: KEY, a: 1 },
      { [KEY_MEMBER]: KEY, a: 2 },
    ]);
  });

  it('keys an object that does not start with {" (white space, empty object) as the same object', () => {
    const { lines } = keyed('  { "a" : 1 }\n{}\n{ }\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([{ [KEY_MEMBER]: KEY, a: 1 }, { [KEY_MEMBER]: KEY }, { [KEY_MEMBER]: KEY }]);
  });

  it.each([
    ['[1,2]', 'is not a JSON object'],
    ['null', 'is not a JSON object'],
    [' {"a":', 'is not JSON'],
  ])('refuses %s with the key and line number', (bad, why) => {
    expect(() => keyedLines(KEY, Buffer.from(`{"a":1}\n\n${bad}\n`))).toThrow(
      expect.objectContaining({ code: 'ARCHIVE_LINE_INVALID', message: expect.stringContaining(`${KEY} line 3 ${why}`) }),
    );
  });
});

describe('loading lines DuckDB refuses', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** The scenario's archive on disk with the second line of its second object replaced by `line`. */
  function archiveWithLine(line: (original: string) => string | Buffer): { dir: string; key: string } {
    dir = mkdtempSync(join(tmpdir(), 'immutrail-lines-test-'));
    const s = buildScenario();
    s.builder.writeTo(dir);
    const [key, body] = [...s.builder.objects][1];
    const lines = body.split('\n');
    expect(lines.length).toBeGreaterThan(2); // two lines and the final newline at least
    const replaced = line(lines[1]);
    const parts = [lines[0], replaced, ...lines.slice(2)].map((p, i) =>
      i === lines.length - 1 ? Buffer.from(p) : Buffer.concat([Buffer.from(p), Buffer.from('\n')]),
    );
    writeFileSync(join(dir, ...key.split('/')), Buffer.concat(parts));
    return { dir, key };
  }

  /** Both ways objects reach DuckDB: fetched into the temporary lines file (as from S3), and read in place. */
  const LOADS = [
    ['fetched', (d: string) => DuckDbQueryEngine.load(directoryArchiveSource(d))],
    ['in place', (d: string) => DuckDbQueryEngine.fromDirectory(d)],
  ] as const;

  describe.each(LOADS)('%s', (_, load) => {
    it.each([
      ['two objects on one line', (l: string) => `${l}${l}`, 'is not JSON'],
      ['an object with a member spliced after it', (l: string) => `${l},"chain":{"seq":99}}`, 'is not JSON'],
      ['a truncated line', (l: string) => l.slice(0, 40), 'is not JSON'],
      [
        'bytes that are not UTF-8',
        (l: string) => Buffer.concat([Buffer.from(l.slice(0, 20)), Buffer.from([0xff, 0xfe]), Buffer.from(l.slice(20))]),
        'is not UTF-8',
      ],
    ])('%s fails with ARCHIVE_LINE_INVALID naming the object and line', async (_, change, why) => {
      const a = archiveWithLine(change);
      await expect(load(a.dir)).rejects.toMatchObject({
        code: 'ARCHIVE_LINE_INVALID',
        message: expect.stringContaining(`${a.key} line 2 ${why}`),
      });
    });
  });

  it('a line naming another object in the key member is refused, never attributed to that object', async () => {
    const other = 'records/shard=api/dt=2026-03-01/0000000000000009-0000000000000009-0123456789abcdef.ndjson';
    const a = archiveWithLine((l) => `{${JSON.stringify(KEY_MEMBER)}:${JSON.stringify(other)},${l.slice(1)}`);
    // fetched: the line holds the key member twice, which DuckDB refuses
    await expect(DuckDbQueryEngine.load(directoryArchiveSource(a.dir))).rejects.toThrow(/duplicate key/);
    // in place: the key is the file's path, and the extra member is not a column
    const engine = await DuckDbQueryEngine.fromDirectory(a.dir);
    try {
      const keys = await engine.run({ sql: 'SELECT DISTINCT object_key FROM records ORDER BY 1' });
      expect(keys.rows.flat()).toContain(a.key);
      expect(keys.rows.flat()).not.toContain(other);
    } finally {
      await engine.close();
    }
  });

  it('a valid object written with white space loads as the same record', async () => {
    const canonical = archiveWithLine((l) => l);
    const plain = await DuckDbQueryEngine.fromDirectory(canonical.dir);
    const before = await plain.run({ sql: 'SELECT * FROM records ORDER BY object_key, seq' });
    await plain.close();
    rmSync(canonical.dir, { recursive: true, force: true });

    const spaced = archiveWithLine((l) => `  { ${l.slice(1)}`);
    const engine = await DuckDbQueryEngine.fromDirectory(spaced.dir);
    const after: QueryResult = await engine.run({ sql: 'SELECT * FROM records ORDER BY object_key, seq' });
    await engine.close();
    expect(after.rows.length).toBeGreaterThan(2);
    expect(after).toEqual(before);
  });

  it('in place and fetched give the same table, from a directory whose path has a quote and characters outside ASCII', async () => {
    dir = mkdtempSync(join(tmpdir(), "immutrail-it's-é-😀-"));
    buildScenario().builder.writeTo(dir);
    const all = 'SELECT * FROM records ORDER BY object_key, seq';
    const fetched = await DuckDbQueryEngine.load(directoryArchiveSource(dir));
    const inPlace = await DuckDbQueryEngine.fromDirectory(dir);
    try {
      const rows = await inPlace.run({ sql: all });
      expect(rows.rows.length).toBeGreaterThan(10);
      expect(rows).toEqual(await fetched.run({ sql: all }));
      expect(inPlace.stats).toEqual(fetched.stats);
    } finally {
      await Promise.all([fetched.close(), inPlace.close()]);
    }
  });
});
