import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, DuckDBTypeId, VARCHAR, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import type { S3Client } from '@aws-sdk/client-s3';
import { parseBatchKey } from '../core/layout';
import { directoryArchiveSource, s3ArchiveSource, type ArchiveSource } from './archive-source';
import { QueryError } from './errors';
import { resolveRequest } from './named-queries';
import { RECORD_SCHEMA, duckdbType } from './record-schema';
import { duckdbDialect, recordsPipeline, renderCtes } from './records-relation';
import { toDuckDbPositional } from './sql-params';
import type { Cell, QueryEngine, QueryRequest, QueryResult } from './types';

export interface LoadOptions {
  /**
   * Batch objects the verifier found to be orphans (keys). They are skipped
   * before loading, which makes the result exact even at a shard's tip, where
   * the SQL rule of records-relation.ts cannot decide.
   */
  orphanKeys?: Iterable<string>;
  /** Objects read at once; default 32. */
  concurrency?: number;
  onProgress?: (progress: { read: number; total: number }) => void;
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

const ARCHIVE_TABLE = 'archive_lines';
/** A record may carry a large raw event or quarantined payload; DuckDB's default (16 MB) is per line. */
const MAX_LINE_BYTES = 256 * 1024 * 1024;
const INTEGER_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
]);

/**
 * The local query engine: reads the archive's batch objects, loads them into
 * an in-memory DuckDB, and answers the same SQL Athena does over `records` and
 * `record_resources`.
 *
 * Loading: objects are read several at a time and their lines appended to one
 * temporary NDJSON file as {"key": <object key>, "record": <line>}, which one
 * read_json call with an explicit schema parses in parallel (one file is ~10x
 * faster than one read_json over thousands of small files). Every line is
 * parsed once in JS first, so a line that is not exactly one JSON object is
 * reported with its key instead of being spliced into the wrapper.
 *
 * After loading, DuckDB's file access is switched off and the configuration
 * locked: ad-hoc SQL can read the loaded tables and nothing else.
 */
export class DuckDbQueryEngine implements QueryEngine {
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly stats: LoadStats,
  ) {}

  static fromS3(s3: S3Client, bucket: string, options?: LoadOptions): Promise<DuckDbQueryEngine> {
    return DuckDbQueryEngine.load(s3ArchiveSource(s3, bucket), options);
  }

  static fromDirectory(dir: string, options?: LoadOptions): Promise<DuckDbQueryEngine> {
    return DuckDbQueryEngine.load(directoryArchiveSource(dir), options);
  }

  static async load(source: ArchiveSource, options: LoadOptions = {}): Promise<DuckDbQueryEngine> {
    const orphans = new Set(options.orphanKeys ?? []);
    const listed = await source.listKeys();
    const foreignKeys = listed.filter((k) => parseBatchKey(k) === null);
    const batchKeys = listed.filter((k) => parseBatchKey(k) !== null);
    const keys = batchKeys.filter((k) => !orphans.has(k));

    const dir = await mkdtemp(join(tmpdir(), 'immutrail-query-'));
    const instance = await DuckDBInstance.create(':memory:');
    try {
      const file = join(dir, 'records.ndjson');
      const lines = await writeWrappedLines(source, keys, file, options);
      const connection = await instance.connect();
      await createRelations(connection, file);
      const count = await connection.runAndReadAll('SELECT count(*) FROM records');
      await connection.run('SET enable_external_access = false');
      await connection.run('SET lock_configuration = true');
      const stats: LoadStats = {
        objects: keys.length,
        lines,
        records: Number(count.getRowsJson()[0][0]),
        orphansSkipped: batchKeys.length - keys.length,
        foreignKeys,
      };
      return new DuckDbQueryEngine(instance, connection, stats);
    } catch (err) {
      instance.closeSync();
      throw err;
    } finally {
      await rm(dir, { recursive: true, force: true });
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
        positional.values.map(() => VARCHAR),
      );
    } catch (err) {
      throw new QueryError('SQL_FAILED', (err as Error).message, { cause: err });
    }
    const types = reader.columnTypes();
    return {
      columns: reader.columnNames(),
      rows: reader.getRowsJson().map((row) => row.map((v, i) => cell(v as Cell, types[i]))),
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
function cell(v: Cell, type: DuckDBType): Cell {
  if (typeof v === 'string' && INTEGER_TYPES.has(type.typeId)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v;
  }
  return v;
}

async function createRelations(connection: DuckDBConnection, file: string): Promise<void> {
  const recordType = duckdbType(RECORD_SCHEMA);
  const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
  await connection.run(`SET TimeZone = 'UTC'`);
  // Trino's name for reading ISO 8601 text, so the shared queries can use it
  await connection.run('CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)');
  await connection.run(`CREATE TABLE ${ARCHIVE_TABLE} AS
SELECT "key" AS object_key, "record"."chain" AS "chain", "record"."data" AS "data"
FROM read_json(${sqlString(file)},
  format = 'newline_delimited',
  columns = {"key": 'VARCHAR', "record": ${sqlString(recordType)}},
  maximum_object_size = ${MAX_LINE_BYTES})`);
  const pipeline = recordsPipeline(duckdbDialect(ARCHIVE_TABLE));
  await connection.run(`CREATE TABLE records AS\nWITH ${renderCtes(pipeline.ctes)}\n${pipeline.select}`);
  await connection.run(`CREATE VIEW record_resources AS\n${duckdbDialect(ARCHIVE_TABLE).recordResources}`);
  await connection.run(`DROP TABLE ${ARCHIVE_TABLE}`);
}

async function writeWrappedLines(source: ArchiveSource, keys: string[], file: string, options: LoadOptions): Promise<number> {
  const out = new LineFile(createWriteStream(file, { encoding: 'utf-8' }));
  let lines = 0;
  let read = 0;
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < keys.length) {
      const key = keys[next++];
      try {
        const chunk = wrapLines(key, await source.read(key));
        lines += chunk.lines;
        await out.write(chunk.text);
        options.onProgress?.({ read: ++read, total: keys.length });
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  // workers stop at the first failure; the file is closed only once none is writing
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 32, keys.length)) }, worker));
  await out.close();
  if (failure) throw failure.error;
  return lines;
}

function wrapLines(key: string, body: string): { text: string; lines: number } {
  const keyJson = JSON.stringify(key);
  let text = '';
  let lines = 0;
  const split = body.split('\n');
  for (let i = 0; i < split.length; i++) {
    const line = split[i];
    if (line === '') continue; // the trailing newline of the object
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      throw new QueryError('ARCHIVE_LINE_INVALID', `${key} line ${i + 1} is not JSON: ${(err as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new QueryError('ARCHIVE_LINE_INVALID', `${key} line ${i + 1} is not a JSON object`);
    }
    text += `{"key":${keyJson},"record":${line}}\n`;
    lines++;
  }
  return { text, lines };
}

/** A write stream shared by concurrent writers: when it is full they all wait for the same 'drain'. */
class LineFile {
  private drained: Promise<unknown> | undefined;

  constructor(private readonly out: WriteStream) {}

  async write(text: string): Promise<void> {
    while (this.drained) await this.drained;
    if (text === '' || this.out.write(text)) return;
    // once() rejects when the stream emits 'error' first
    this.drained = once(this.out, 'drain').finally(() => {
      this.drained = undefined;
    });
  }

  async close(): Promise<void> {
    while (this.drained) await this.drained;
    const finished = once(this.out, 'finish');
    this.out.end();
    await finished;
  }
}
