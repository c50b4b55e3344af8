import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { ChainStore } from '../../aws/chain-store';
import { clientConfig } from '../../aws/client-config';
import { committedBatches } from '../../aws/committed-batches';
import { S3Source } from '../../aws/s3-source';
import { RECORDS_PREFIX } from '../../core/layout';
import { DuckDbQueryEngine } from '../../query/duckdb-engine';
import { QueryError } from '../../query/errors';
import { resolveRequest } from '../../query/named-queries';
import { columnsNamedIn } from '../../query/records-relation';
import { describeNamedQueries, parseParamArgs, queryRequest, runAndRender } from '../../query/query-command';
import type { QueryEngine } from '../../query/types';
import { archiveDir } from '../archive-dir';
import { athenaEngine, athenaOptions, type AthenaFlags } from '../athena-engine-options';
import { UsageError } from '../errors';
import { progressBar } from '../progress';
import { need, resolveTarget, type TargetOptions } from '../target';
import { targetOptions } from './shared-options';

interface QueryFlags extends TargetOptions, AthenaFlags {
  sql?: string;
  param: string[];
  list?: boolean;
  dir?: string;
  json?: boolean;
  csv?: boolean;
}

/** Objects under records/ that the batch log does not name: orphans, left out of the local query. */
export async function orphanKeys(s3: S3Client, ddb: DynamoDBClient, bucket: string, table: string): Promise<Set<string>> {
  const committed = new Set<string>();
  for (const shard of await new ChainStore(ddb, table).shards()) {
    for await (const b of committedBatches(ddb, table, shard)) committed.add(b.key);
  }
  const orphans = new Set<string>();
  for await (const o of new S3Source(s3, bucket).list(RECORDS_PREFIX)) if (!committed.has(o.key)) orphans.add(o.key);
  return orphans;
}

export function registerQuery(program: Command): void {
  targetOptions(
    athenaOptions(
      program
        .command('query [name]')
        .description('run a named audit query (or --sql) on DuckDB over the archive, or on Athena (--athena)')
        .option('--sql <sql>', 'ad-hoc SQL over the relation "records" (named parameters :name)')
        .option('--param <k=v>', 'query parameter (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
        .option('--list', 'list the named queries and their parameters')
        .option('--dir <path>', 'query a local copy of the archive')
        .option('--json', 'JSON output')
        .option('--csv', 'CSV output'),
      "run on Athena in the stack's workgroup instead of locally",
    ),
  ).action(async (name: string | undefined, flags: QueryFlags) => {
    if (flags.list) {
      process.stdout.write(describeNamedQueries() + '\n');
      return;
    }
    if (flags.json && flags.csv) throw new UsageError('give --json or --csv, not both');
    let request;
    try {
      request = queryRequest(name, flags.sql, parseParamArgs(flags.param));
    } catch (err) {
      if (err instanceof QueryError) throw new UsageError(err.message);
      throw err;
    }
    // Only the columns the SQL names are loaded: at 1,000,000 records, every column takes 4.5 GB.
    const columns = columnsNamedIn([resolveRequest(request).sql]);
    let engine: QueryEngine & { close?: () => Promise<void> | void };
    if (flags.athena) {
      engine = athenaEngine(flags, await resolveTarget(flags));
    } else if (flags.dir) {
      engine = await DuckDbQueryEngine.fromDirectory(archiveDir(flags.dir), { columns });
    } else {
      const t = await resolveTarget(flags);
      const bucket = need(t.bucket, '--bucket, --stack or --dir');
      const s3 = new S3Client(clientConfig(t.aws));
      const orphans = t.table ? await orphanKeys(s3, new DynamoDBClient(clientConfig(t.aws)), bucket, t.table) : undefined;
      const bar = progressBar('loading');
      try {
        engine = await DuckDbQueryEngine.fromS3(s3, bucket, { orphanKeys: orphans, columns, onProgress: (p) => bar.update(p.read, p.total) });
      } catch (err) {
        throw new UsageError(`cannot load the archive from s3://${bucket}: ${(err as Error).message}`);
      } finally {
        bar.stop();
      }
    }
    try {
      process.stdout.write((await runAndRender(engine, request, flags.json ? 'json' : flags.csv ? 'csv' : 'table')) + '\n');
    } catch (err) {
      if (err instanceof QueryError) throw new UsageError(err.message);
      throw err;
    } finally {
      await engine.close?.();
    }
  });
}
