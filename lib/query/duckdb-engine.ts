import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBType } from '@duckdb/node-api';
import type { S3Client } from '@aws-sdk/client-s3';
import { parseBatchKey } from '../core/layout';
import { mapLimit } from '../core/map-limit';
import { KEY_MEMBER, findInvalidLine, writeLinesFile } from './archive-lines-file';
import type { ArchiveSource } from '../core/archive-source';
import { directoryArchiveSource, recordKeys, s3ArchiveSource } from './archive-source';
import { QueryError } from './errors';
import { resolveRequest } from './named-queries';
import { RECORD_SCHEMA, duckdbType, pruneStruct, quoteIdent } from './record-schema';
import {
  BATCH_DT_SQL,
  RECORDS_COLUMNS,
  duckdbDialect,
  fieldsReadBy,
  keptCtes,
  recordsColumnList,
  renderCtes,
  type Column,
  type Dialect,
} from './records-relation';
import { toDuckDbPositional } from './sql-params';
import type { Cell, QueryEngine, QueryRequest, QueryResult } from './types';

export interface LoadOptions {
  /**
   * Batch objects the verifier found to be orphans (keys). They are skipped
   * before loading, which makes the result exact even at a shard's tip, where
   * the SQL rule of records-relation.ts cannot decide.
   */
  orphanKeys?: Iterable<string>;
  /** Objects fetched at once; default 32. Not used by fromDirectory, whose objects DuckDB reads in place. */
  concurrency?: number;
  /** Called as objects are fetched (not by fromDirectory). */
  onProgress?: (progress: { read: number; total: number }) => void;
  /**
   * The columns of `records` to build (columnsNamedIn gives those some SQL
   * needs); default all. Fields no column reads are skipped as the lines are
   * parsed, which is most of the load's work for the report. Without
   * `resources`, there is no `record_resources` view.
   */
  columns?: readonly Column[];
}

export interface LoadStats {
  /** Batch objects loaded. */
  objects: number;
  /** Record lines loaded (before orphan removal and deduplication). */
  lines: number;
  /** Rows of `records`. */
  records: number;
  /** Orphan keys given in LoadOptions that were present and skipped. */
  orphansSkipped: number;
  /** Keys under records/ that are not batch objects (left out; the verifier reports them as foreign). */
  foreignKeys: string[];
}

/** The (object_key, seq) of the lines `records` keeps, while it is built. */
const KEPT_TABLE = 'kept_lines';
/**
 * DuckDB's default line limit (16 MiB), raised when an object could hold a
 * longer line. read_json sizes its buffers from this limit, so a fixed 256 MiB
 * (what this was) cost about 300 MB of memory and 2.5 s of CPU per 150,000 lines.
 */
const MIN_LINE_LIMIT_BYTES = 16 * 1024 * 1024;
/**
 * DuckDB's native module is loaded on first use, not when this file is: the
 * commands that never query (verify, verify-proof) must not pay its start-up,
 * and `immutrail/verify` users need not have it installed.
 */
type DuckDb = typeof import('@duckdb/node-api');
let duckdbModule: Promise<DuckDb> | undefined;
const loadDuckDb = (): Promise<DuckDb> => (duckdbModule ??= import('@duckdb/node-api'));

const integerTypes = ({ DuckDBTypeId: T }: DuckDb): ReadonlySet<number> =>
  new Set<number>([T.TINYINT, T.SMALLINT, T.INTEGER, T.BIGINT, T.HUGEINT, T.UTINYINT, T.USMALLINT, T.UINTEGER, T.UBIGINT, T.UHUGEINT]);

/**
 * The local query engine: reads the archive's batch objects, loads them into
 * an in-memory DuckDB, and answers the same SQL Athena does over `records` and
 * `record_resources`.
 *
 * Loading: objects fetched from a source (S3) are read several at a time and
 * their lines appended to one temporary NDJSON file, each with its object's key
 * added (archive-lines-file.ts says why that cannot misattribute a line); a
 * directory's objects are read in place, each line's key being its file's path.
 * One read_json call with an explicit schema (only the fields the loaded
 * columns read) parses the lines and `records` is built in the same
 * statement, flattened as it is read; the orphan rule then deletes the lines
 * it does not keep. A line DuckDB refuses is looked for in JS and reported
 * with its object key and line number.
 *
 * After loading, DuckDB's file access is switched off and the configuration
 * locked: ad-hoc SQL can read the loaded tables and nothing else.
 */
export class DuckDbQueryEngine implements QueryEngine {
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly duckdb: DuckDb,
    readonly stats: LoadStats,
    /** Built with some columns only (LoadOptions.columns). */
    private readonly partial: boolean,
  ) {}

  static fromS3(s3: S3Client, bucket: string, options?: LoadOptions): Promise<DuckDbQueryEngine> {
    return DuckDbQueryEngine.load(s3ArchiveSource(s3, bucket), options);
  }

  /**
   * A directory laid out like the bucket. DuckDB reads its batch objects in
   * place (no temporary copy), which at 1,000,000 records saves writing and
   * reading back 3 GB.
   */
  static fromDirectory(dir: string, options?: LoadOptions): Promise<DuckDbQueryEngine> {
    return DuckDbQueryEngine.load(directoryArchiveSource(dir), options, resolve(dir));
  }

  /** `localDir`: where `source`'s objects are files (keys are paths under it), read in place. */
  static async load(source: ArchiveSource, options: LoadOptions = {}, localDir?: string): Promise<DuckDbQueryEngine> {
    const orphans = new Set(options.orphanKeys ?? []);
    const listed = await recordKeys(source);
    const foreignKeys = listed.filter((k) => parseBatchKey(k) === null);
    const batchKeys = listed.filter((k) => parseBatchKey(k) !== null);
    const keys = batchKeys.filter((k) => !orphans.has(k));

    const duckdb = await loadDuckDb();
    const instance = await duckdb.DuckDBInstance.create(':memory:');
    // the temporary file, only for objects that are fetched
    let tmp: string | undefined;
    try {
      const lines =
        localDir && keys.length > 0
          ? await objectFiles(localDir, keys)
          : await linesFile(source, keys, join((tmp = await mkdtemp(join(tmpdir(), 'immutrail-query-'))), 'records.ndjson'), options);
      const connection = await instance.connect();
      const columns = options.columns ?? RECORDS_COLUMNS;
      let loaded: number;
      try {
        loaded = await createRelations(connection, lines, columns);
      } catch (err) {
        // DuckDB names a line of a file; say which object and line it came from
        throw (await findInvalidLine(source, keys)) ?? err;
      }
      const count = await connection.runAndReadAll('SELECT count(*) FROM records');
      await connection.run('SET enable_external_access = false');
      await connection.run('SET lock_configuration = true');
      const stats: LoadStats = {
        objects: keys.length,
        lines: loaded,
        records: Number(count.getRowsJson()[0][0]),
        orphansSkipped: batchKeys.length - keys.length,
        foreignKeys,
      };
      return new DuckDbQueryEngine(instance, connection, duckdb, stats, columns.length < RECORDS_COLUMNS.length);
    } catch (err) {
      instance.closeSync();
      throw err;
    } finally {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    }
  }

  async run(request: QueryRequest): Promise<QueryResult> {
    if (this.closed) throw new QueryError('ENGINE_CLOSED', 'the query engine is closed');
    const { sql, params } = resolveRequest(request);
    const positional = toDuckDbPositional(sql, params);
    let reader;
    try {
      reader = await this.connection.runAndReadAll(
        positional.sql,
        positional.values,
        positional.values.map(() => this.duckdb.VARCHAR),
      );
    } catch (err) {
      // DuckDB suggests columns from those loaded: on a partial load, a list that would mislead
      const message = this.partial ? (err as Error).message.replace(/\nCandidate bindings:[^\n]*/, '') : (err as Error).message;
      throw new QueryError('SQL_FAILED', message, { cause: err });
    }
    const types = reader.columnTypes();
    const ints = integerTypes(this.duckdb);
    return {
      columns: reader.columnNames(),
      rows: reader.getRowsJson().map((row) => row.map((v, i) => cell(v as Cell, types[i], ints))),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** DuckDB's JSON form writes 64-bit and wider integers as strings; give numbers back when they are exact. */
function cell(v: Cell, type: DuckDBType, integerTypeIds: ReadonlySet<number>): Cell {
  if (typeof v === 'string' && integerTypeIds.has(type.typeId)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v;
  }
  return v;
}

/**
 * The files read_json reads the lines from, and how a line's object key is
 * found: the temporary file's lines carry it as KEY_MEMBER; an object read in
 * place has it as its path after `root`.
 */
interface LineFiles {
  paths: string[];
  root?: string;
  /** At least the longest line: read_json's maximum_object_size. */
  lineLimitBytes: number;
}

/** The objects, fetched from the source, as one temporary file of keyed lines (archive-lines-file.ts). */
async function linesFile(source: ArchiveSource, keys: string[], file: string, options: LoadOptions): Promise<LineFiles> {
  const written = await writeLinesFile(source, keys, file, { concurrency: options.concurrency ?? 32, onProgress: options.onProgress });
  return { paths: [file], lineLimitBytes: Math.max(MIN_LINE_LIMIT_BYTES, written.longestLineBytes) };
}

/** The objects of a directory archive, read where they are; no line is longer than the largest file. */
async function objectFiles(dir: string, keys: string[]): Promise<LineFiles> {
  // forward slashes on every platform, so the key is the path's tail as written
  const root = `${dir.split(sep).join('/')}/`;
  const paths = keys.map((k) => root + k);
  const sizes = await mapLimit(paths, 64, async (path) => (await stat(path)).size);
  return { paths, root, lineLimitBytes: sizes.reduce((a, b) => Math.max(a, b), MIN_LINE_LIMIT_BYTES) };
}

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** `records` (the `kept` columns) and `record_resources`; returns the lines read, before the orphan rule. */
async function createRelations(connection: DuckDBConnection, files: LineFiles, kept: readonly Column[]): Promise<number> {
  await connection.run(`SET TimeZone = 'UTC'`);
  // Trino's name for reading ISO 8601 text, so the shared queries can use it
  await connection.run('CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)');
  const schema = kept === RECORDS_COLUMNS ? RECORD_SCHEMA : pruneStruct(RECORD_SCHEMA, fieldsReadBy(kept));
  const fields = schema.fields.map((f) => `${quoteIdent(f.name)}: ${sqlString(duckdbType(f.type))}`);
  // substr counts code points; so does spreading a string
  const objectKey = files.root ? `substr(filename, ${[...files.root].length + 1})` : quoteIdent(KEY_MEMBER);
  const lineSource = `SELECT ${[`${objectKey} AS object_key`, ...schema.fields.map((f) => quoteIdent(f.name))].join(', ')}
FROM read_json([${files.paths.map(sqlString).join(', ')}],
  format = 'newline_delimited',
  columns = {${(files.root ? fields : [`${quoteIdent(KEY_MEMBER)}: 'VARCHAR'`, ...fields]).join(', ')}},
  ${files.root ? 'filename = true,' : ''}
  maximum_object_size = ${files.lineLimitBytes})`;
  const dialect = duckdbDialect(lineSource, 'records');
  // Every line, flattened as it is parsed: no nested copy of the archive is kept.
  // Without insertion order, DuckDB's threads do not wait for each other (2x faster
  // at 1,000,000 lines); no query relies on the table's order.
  await connection.run('SET preserve_insertion_order = false');
  await connection.run(`CREATE TABLE records AS
SELECT
  ${recordsColumnList(dialect.lines, { objectKey: 'object_key', dt: BATCH_DT_SQL }, kept)}
FROM (${lineSource})`);
  await connection.run('RESET preserve_insertion_order');
  const lines = await dropUnkept(connection, dialect.records);
  if (kept.some((c) => c.name === 'resources')) await connection.run(`CREATE VIEW record_resources AS\n${dialect.records.recordResources}`);
  return lines;
}

/** Deletes the orphans' lines and the second copies that the shared orphan rule does not keep (usually none). */
async function dropUnkept(connection: DuckDBConnection, records: Dialect): Promise<number> {
  await connection.run(`CREATE TEMP TABLE ${KEPT_TABLE} AS\nWITH ${renderCtes(keptCtes(records))}\nSELECT object_key, seq FROM kept`);
  const counts = await connection.runAndReadAll(`SELECT (SELECT count(*) FROM records), (SELECT count(*) FROM ${KEPT_TABLE})`);
  const [all, kept] = counts.getRowsJson()[0].map(Number);
  if (all !== kept) {
    await connection.run(`DELETE FROM records r
WHERE NOT EXISTS (SELECT 1 FROM ${KEPT_TABLE} k WHERE k.object_key = r.object_key AND k.seq = r.seq)`);
  }
  await connection.run(`DROP TABLE ${KEPT_TABLE}`);
  return all;
}
