import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { ChainStore } from '../../aws/chain-store';
import { clientConfig } from '../../aws/client-config';
import { liveHeads } from '../../aws/live-heads';
import { S3Source } from '../../aws/s3-source';
import type { TrustedKey } from '../../core/checkpoint';
import { DuckDbQueryEngine } from '../../query/duckdb-engine';
import { busiestPeriod, gatherReportData } from '../../report/gather';
import { renderReport } from '../../report/render';
import type { ReportData, ReportPeriod } from '../../report/types';
import { DirSource } from '../../verify/dir-source';
import { archiveDir } from '../archive-dir';
import { EXIT, UsageError } from '../errors';
import type { ResolvedTarget } from '../target';
import { orphanKeys } from './query';
import { assertWritable, periodInput, periodOptions, type PeriodFlags } from './period-options';
import { targetOptions } from './shared-options';

export interface ArchiveReportInput {
  target: ResolvedTarget;
  /** A local copy of the archive instead of the bucket. */
  dir?: string;
  keys: readonly TrustedKey[];
  /** The days to report on; 'busiest': the 31 days with the most events. */
  period: ReportPeriod | 'busiest';
  deployers?: readonly string[];
}

async function resolvePeriod(engine: DuckDbQueryEngine, period: ReportPeriod | 'busiest'): Promise<ReportPeriod> {
  if (period !== 'busiest') return period;
  const today = new Date().toISOString().slice(0, 10);
  return (await busiestPeriod(engine)) ?? { from: today, to: today };
}

/** Loads the archive (the bucket, or a copy) the way `query` and `verify` do, and gathers the report's data. */
export async function archiveReportData(input: ArchiveReportInput): Promise<ReportData> {
  if (input.dir) {
    const dir = archiveDir(input.dir);
    const engine = await DuckDbQueryEngine.fromDirectory(dir);
    try {
      const period = await resolvePeriod(engine, input.period);
      return await gatherReportData({ engine, source: new DirSource(dir), keys: input.keys, period, deployers: input.deployers });
    } finally {
      await engine.close();
    }
  }
  const bucket = input.target.bucket;
  if (!bucket) throw new UsageError('give --bucket, --stack or --dir');
  const s3 = new S3Client(clientConfig(input.target.aws));
  const ddb = input.target.table ? new DynamoDBClient(clientConfig(input.target.aws)) : undefined;
  let engine: DuckDbQueryEngine;
  let heads;
  try {
    const orphans = ddb ? await orphanKeys(s3, ddb, bucket, input.target.table!) : undefined;
    heads = ddb ? await liveHeads(new ChainStore(ddb, input.target.table!)) : undefined;
    engine = await DuckDbQueryEngine.fromS3(s3, bucket, { orphanKeys: orphans });
  } catch (err) {
    throw new UsageError(`cannot load the archive from s3://${bucket}: ${(err as Error).message}`);
  }
  try {
    const period = await resolvePeriod(engine, input.period);
    return await gatherReportData({ engine, source: new S3Source(s3, bucket), keys: input.keys, period, deployers: input.deployers, verify: { heads } });
  } finally {
    await engine.close();
  }
}

/** Gathers, renders and writes the report; resolves to the data shown. */
export async function writeArchiveReport(input: ArchiveReportInput, out: string): Promise<ReportData> {
  assertWritable(out);
  const data = await archiveReportData(input);
  try {
    writeFileSync(out, renderReport(data));
  } catch (err) {
    throw new UsageError(`cannot write the report to ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return data;
}

export function registerReport(program: Command): void {
  targetOptions(
    periodOptions(
      program
        .command('report')
      .description('write a self-contained HTML report of a period for auditors: integrity, completeness, changes, launches, alerts (exit 0 verified, 1 verification failed, 2 bad usage or unreachable)'),
    'the HTML file to write',
    'checkpoint public key (PEM), for a report made fully offline',
    ),
  ).action(async (flags: PeriodFlags) => {
    const data = await writeArchiveReport(await periodInput(flags), flags.out);
    process.stdout.write(`${data.verify.ok ? 'verified' : 'VERIFICATION FAILED'}; report written to ${resolve(flags.out)}\n`);
    process.exitCode = data.verify.ok ? EXIT.OK : EXIT.FAILED;
  });
}
