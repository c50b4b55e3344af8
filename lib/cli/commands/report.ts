import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { ChainStore } from '../../aws/chain-store';
import { clientConfig } from '../../aws/client-config';
import { liveHeads } from '../../aws/live-heads';
import { S3Source } from '../../aws/s3-source';
import { ANY_KEY_NAME, type TrustedKey } from '../../core/checkpoint';
import { DuckDbQueryEngine } from '../../query/duckdb-engine';
import type { QueryEngine } from '../../query/types';
import { busiestPeriod, gatherReportData, reportColumns } from '../../report/gather';
import { renderReport } from '../../report/render';
import type { ReportData, ReportPeriod } from '../../report/types';
import { DirSource } from '../../verify/dir-source';
import type { ArchiveSource } from '../../core/archive-source';
import type { WitnessVerifyOptions } from '../../verify/witness-archive';
import { summarizeWitnesses } from '../../report/witness-summary';
import { archiveDir } from '../archive-dir';
import { athenaCatalog, athenaEngine, athenaOptions, type AthenaFlags } from '../athena-engine-options';
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
  /** Run the named queries on Athena (as `query --athena` does) instead of DuckDB over the archive. */
  athena?: { engine: QueryEngine; workGroup: string; database: string };
  /** Witnesses whose cosignatures the verifier checks and Scope lists (`--witness-key`). */
  witness?: WitnessVerifyOptions;
}

async function resolvePeriod(engine: QueryEngine, period: ReportPeriod | 'busiest'): Promise<ReportPeriod> {
  if (period !== 'busiest') return period;
  const today = new Date().toISOString().slice(0, 10);
  return (await busiestPeriod(engine)) ?? { from: today, to: today };
}

/** The engine the named queries run in and the archive the verifier reads, opened once for a report. */
interface OpenedArchive {
  engine: QueryEngine;
  source: ArchiveSource;
  heads?: Awaited<ReturnType<typeof liveHeads>>;
}

/**
 * Opens the archive (the bucket, or a copy) the way `query` and `verify` do.
 * With Athena the archive is not loaded into DuckDB: the verifier still reads
 * every object, the queries run where `query --athena` runs them.
 */
async function openArchive(input: ArchiveReportInput): Promise<OpenedArchive> {
  if (input.dir) {
    const dir = archiveDir(input.dir);
    return { engine: input.athena?.engine ?? (await DuckDbQueryEngine.fromDirectory(dir, { columns: reportColumns() })), source: new DirSource(dir) };
  }
  const bucket = input.target.bucket;
  if (!bucket) throw new UsageError('give --bucket, --stack or --dir');
  const s3 = new S3Client(clientConfig(input.target.aws));
  const ddb = input.target.table ? new DynamoDBClient(clientConfig(input.target.aws)) : undefined;
  try {
    const orphans = ddb && !input.athena ? await orphanKeys(s3, ddb, bucket, input.target.table!) : undefined;
    const heads = ddb ? await liveHeads(new ChainStore(ddb, input.target.table!)) : undefined;
    const engine = input.athena?.engine ?? (await DuckDbQueryEngine.fromS3(s3, bucket, { orphanKeys: orphans, columns: reportColumns() }));
    return { engine, source: new S3Source(s3, bucket), heads };
  } catch (err) {
    throw new UsageError(`cannot load the archive from s3://${bucket}: ${(err as Error).message}`);
  }
}

/** Loads the archive and gathers the report's data: the named queries in DuckDB, or on Athena with `athena`. */
export async function archiveReportData(input: ArchiveReportInput): Promise<ReportData> {
  const { engine, source, heads } = await openArchive(input);
  try {
    const period = await resolvePeriod(engine, input.period);
    const athena = input.athena && { workGroup: input.athena.workGroup, database: input.athena.database };
    const verify = { heads, ...(input.witness ? { witness: input.witness } : {}) };
    const data = await gatherReportData({ engine, source, keys: input.keys, period, deployers: input.deployers, verify, athena });
    if (!input.witness) return data;
    const origin = input.keys.length === 1 && input.keys[0]!.keyName !== ANY_KEY_NAME ? input.keys[0]!.keyName : undefined;
    return { ...data, witnesses: await summarizeWitnesses(source, input.witness, data.verify, origin) };
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
    athenaOptions(
      periodOptions(
        program
          .command('report')
          .description(
            'write a self-contained HTML report of a period for auditors: integrity, completeness, changes, launches, alerts (exit 0 verified, 1 verification failed, 2 bad usage or unreachable)',
          ),
        'the HTML file to write',
        'checkpoint public key (PEM), for a report made fully offline',
      ),
      "run the report's named queries on Athena in the stack's workgroup (the verifier still reads the bucket, or --dir)",
    ),
  ).action(async (flags: PeriodFlags & AthenaFlags) => {
    const input = await periodInput(flags);
    if (flags.athena) input.athena = { engine: athenaEngine(flags, input.target), ...athenaCatalog(flags, input.target) };
    const data = await writeArchiveReport(input, flags.out);
    process.stdout.write(`${data.verify.ok ? 'verified' : 'VERIFICATION FAILED'}; report written to ${resolve(flags.out)}\n`);
    process.exitCode = data.verify.ok ? EXIT.OK : EXIT.FAILED;
  });
}
