import { resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { clientConfig } from '../../aws/client-config';
import { S3Source } from '../../aws/s3-source';
import { writeBundle, type BundleSummary } from '../../evidence/write-bundle';
import { renderReport } from '../../report/render';
import { DirSource } from '../../verify/dir-source';
import type { ArchiveSource } from '../../core/archive-source';
import { archiveDir } from '../archive-dir';
import { EXIT, UsageError } from '../errors';
import { archiveReportData, type ArchiveReportInput } from './report';
import { assertWritable, periodInput, periodOptions, type PeriodFlags } from './period-options';
import { targetOptions } from './shared-options';

function archiveSource(input: ArchiveReportInput): ArchiveSource {
  if (input.dir) return new DirSource(archiveDir(input.dir));
  if (!input.target.bucket) throw new UsageError('give --bucket, --stack or --dir');
  return new S3Source(new S3Client(clientConfig(input.target.aws)), input.target.bucket);
}

/**
 * Writes the evidence bundle of a period: the report's data first (it settles
 * the period when it is 'busiest', and says whether the period verifies), then
 * the bundle of the same period around it.
 */
export async function writeEvidence(input: ArchiveReportInput, out: string): Promise<BundleSummary & { verified: boolean }> {
  assertWritable(out);
  const data = await archiveReportData(input);
  let summary: BundleSummary;
  try {
    const witnesses = input.witness?.witnesses;
    summary = await writeBundle({ source: archiveSource(input), keys: input.keys, period: data.period, reportHtml: renderReport(data), witnesses }, out);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code && /^E[A-Z]+$/.test(code)) throw new UsageError(`cannot write the bundle to ${out}: ${code}`);
    throw err;
  }
  return { ...summary, out: resolve(out), verified: data.verify.ok };
}

export function registerEvidence(program: Command): void {
  targetOptions(
    periodOptions(
      program
        .command('evidence')
        .description(
          'write an evidence bundle of a period for auditors (records, checkpoints, public key, report, manifest), checked offline with verify --bundle (exit 0 verified, 1 verification failed, 2 bad usage or unreachable)',
        ),
      'the bundle to write (.tar.gz)',
      'checkpoint public key (PEM) to put in the bundle (default: the KMS key of --stack or --signing-key)',
    ),
  ).action(async (flags: PeriodFlags) => {
    const s = await writeEvidence(await periodInput(flags), flags.out);
    process.stdout.write(
      `${s.verified ? 'verified' : 'VERIFICATION FAILED'}; ${s.records} batch object(s), ${s.checkpoints} checkpoint(s), ${s.shardNotes} shard checkpoint(s) and ${s.cosigned} cosignature(s) of ${s.manifest.period.from} to ${s.manifest.period.to}; bundle written to ${s.out}\n`,
    );
    process.exitCode = s.verified ? EXIT.OK : EXIT.FAILED;
  });
}
