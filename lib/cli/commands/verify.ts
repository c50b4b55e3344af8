import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { liveHeads } from '../../aws/live-heads';
import { tileTreeSource, withFallback } from '../../prove/tile-tree-source';
import { archiveTreeSource } from '../../verify/consistency-source';
import { DirSource } from '../../verify/dir-source';
import { prestartWorkers } from '../../verify/scan-pool';
import type { ArchiveSource } from '../../core/archive-source';
import { TrustedCheckpointError, verifyArchive, type VerifyReport } from '../../verify/verify-archive';
import { archiveDir } from '../archive-dir';
import { isUnreachable } from '../error-exit';
import { EXIT, UsageError } from '../errors';
import { progressBar } from '../progress';
import { parseDateOption, parseIntOption, resolveTarget, type ResolvedTarget, type TargetOptions } from '../target';
import { trustedKeys } from '../trusted-keys';
import { targetOptions } from './shared-options';
import { addWitnessOptions, witnessOptions, type WitnessFlags } from '../witness-options';

interface VerifyFlags extends TargetOptions, WitnessFlags {
  dir?: string;
  bundle?: string;
  publicKey?: string;
  trustedCheckpoint?: string;
  shard?: string;
  from?: string;
  to?: string;
  fromSeq?: number;
  toSeq?: number;
  json?: boolean;
  concurrency?: number;
  duplicates?: boolean;
  progress?: boolean;
  maxSealGap?: number;
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A positive whole number of seconds, minutes, hours or days (`90s`, `15m`, `2h`, `1d`), in milliseconds. */
export function parseDuration(name: string) {
  return (v: string): number => {
    const m = /^([1-9]\d{0,8})([smhd])$/.exec(v);
    if (!m) throw new UsageError(`${name} must be a duration such as 15m, 2h or 1d (a positive whole number and s, m, h or d), got "${v}"`);
    return Number(m[1]) * DURATION_UNITS[m[2]];
  };
}

export function formatReport(r: VerifyReport): string {
  const mb = (r.bytes / 1e6).toFixed(1);
  const out = [
    `immutrail verify ${r.source}`,
    `  records      ${r.records} in ${r.objects} objects (${mb} MB), ${r.shards.length} shard(s), ${(r.durationMs / 1000).toFixed(1)} s`,
    `  checkpoints  ${r.checkpoints.valid} valid of ${r.checkpoints.count}` +
      (r.checkpoints.latest ? `, latest ${r.checkpoints.latest.time} (${r.checkpoints.latest.size} records)` : ''),
  ];
  for (const s of r.shards) {
    out.push(
      `  shard ${s.shard.padEnd(12)} ${String(s.records).padStart(9)} records  head ${s.head.slice(0, 16)}  sealed ${s.sealed}${s.orphans ? `  ${s.orphans} orphan(s)` : ''}`,
    );
  }
  for (const n of r.notices) out.push(`  note: ${n.code.toLowerCase()}: ${n.message}`);
  if (r.ok) out.push('OK: every record, link and checkpoint verifies');
  else {
    out.push(`FAILED: ${r.problems.length} problem(s)`);
    for (const p of r.problems) {
      const where = [p.shard && `shard ${p.shard}`, p.seq !== undefined && `seq ${p.seq}`, p.key && `object ${p.key}`].filter(Boolean).join(', ');
      out.push(`  ${p.code}${where ? ` [${where}]` : ''}: ${p.message}`);
    }
  }
  return out.join('\n');
}

export function registerVerify(program: Command): void {
  targetOptions(
    addWitnessOptions(program.command('verify'))
      .description(
        'verify every record, link and checkpoint of an archive (exit 0 intact, notes aside; 1 a problem: tampering, gap, rollback; 2 bad usage, a trusted checkpoint that fails, unreachable or empty archive; 3 internal error)',
      )
      .option('--dir <path>', 'verify a local copy of the archive (e.g. made with aws s3 sync) instead of the bucket')
      .option('--bundle <file>', 'verify an evidence bundle (immutrail evidence) offline: its manifest, records and checkpoints; needs --public-key')
      .option('--public-key <pem>', 'checkpoint public key (PEM) for fully offline verification')
      .option('--trusted-checkpoint <file>', 'a checkpoint trusted earlier: the archive must extend it')
      .option('--shard <id>', 'verify one shard')
      .option('--from <date>', 'only objects committed on or after this UTC day (YYYY-MM-DD)', parseDateOption('--from'))
      .option('--to <date>', 'only objects committed on or before this UTC day', parseDateOption('--to'))
      .option('--from-seq <n>', 'only objects holding sequences from n', parseIntOption('--from-seq'))
      .option('--to-seq <n>', 'only objects holding sequences up to n', parseIntOption('--to-seq'))
      .option(
        '--max-seal-gap <duration>',
        'a problem when the newest checkpoint is older than the newest record by more than this (e.g. 15m, 2h)',
        parseDuration('--max-seal-gap'),
      )
      .option('--duplicates', 'also check that no id is committed twice (holds every id in memory)')
      .option('--concurrency <n>', 'objects read in parallel', parseIntOption('--concurrency'), 32)
      .option('--json', 'print the report as JSON')
      .option('--no-progress', 'no progress bar'),
  ).action(async (flags: VerifyFlags) => {
    if (flags.bundle !== undefined) {
      // Loaded only here: the bundle's tar code is no part of verifying an archive.
      const { verifyBundleCommand } = await import('./verify-bundle');
      return verifyBundleCommand(flags.bundle, flags);
    }
    // A large local archive is scanned by worker threads: they boot while the keys and checkpoints are read.
    if (flags.dir) prestartWorkers();
    const target = await resolveTarget(flags);
    const { source, heads } = flags.dir ? { source: new DirSource(archiveDir(flags.dir)), heads: undefined } : await openBucket(target);
    const keys = await trustedKeys(flags, target);
    let trusted: Buffer | undefined;
    if (flags.trustedCheckpoint) {
      try {
        trusted = readFileSync(flags.trustedCheckpoint);
      } catch (err) {
        throw new UsageError(`cannot read ${flags.trustedCheckpoint}: ${(err as NodeJS.ErrnoException).code}`);
      }
    }
    const bar = progressBar('verifying', { enabled: flags.progress !== false && !flags.json });
    let report: VerifyReport;
    try {
      report = await verifyArchive(source, {
        keys,
        trusted,
        // --trusted-checkpoint's extension proofs: from the tiles stored with the newest checkpoint, in the bucket or the copy.
        consistencySource: withFallback(tileTreeSource(source), archiveTreeSource(source)),
        heads,
        shard: flags.shard,
        range: { fromDate: flags.from, toDate: flags.to, fromSeq: flags.fromSeq, toSeq: flags.toSeq },
        concurrency: flags.concurrency,
        checkDuplicates: flags.duplicates,
        maxSealGapMs: flags.maxSealGap,
        witness: witnessOptions(flags),
        onProgress: (p) => bar.update(p.objects, p.totalObjects),
      });
    } catch (err) {
      bar.stop();
      // A trusted checkpoint that fails is the user's input, not a finding about the archive; a bug stays a bug (exit 3).
      if (err instanceof TrustedCheckpointError) throw new UsageError(`trusted checkpoint: ${err.message}`, { cause: err });
      if (isUnreachable(err)) throw new UsageError(`cannot read the archive at ${source.describe()}: ${(err as Error).message}`, { cause: err });
      throw err;
    }
    bar.stop();
    // Nothing to verify is almost always the wrong bucket, folder or shard: passing it would let a script check nothing.
    if (report.objects === 0 && report.checkpoints.count === 0) {
      throw new UsageError(`no archive objects under ${source.describe()}${flags.shard ? ` for shard ${flags.shard}` : ''}`);
    }
    process.stdout.write((flags.json ? JSON.stringify(report, null, 2) : formatReport(report)) + '\n');
    process.exitCode = report.ok ? EXIT.OK : EXIT.FAILED;
  });
}

type LiveHeads = Awaited<ReturnType<typeof liveHeads>>;

/**
 * The bucket and, with a table, the live chain heads. The AWS SDK is loaded
 * only here: `verify --dir` and `--help` then start without it (~0.3 s).
 */
async function openBucket(target: ResolvedTarget): Promise<{ source: ArchiveSource; heads: LiveHeads | undefined }> {
  if (!target.bucket) throw new UsageError('give --bucket, --stack or --dir');
  const [{ S3Client }, { DynamoDBClient }, { clientConfig }, { S3Source }, { ChainStore }, live] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/client-dynamodb'),
    import('../../aws/client-config'),
    import('../../aws/s3-source'),
    import('../../aws/chain-store'),
    import('../../aws/live-heads'),
  ]);
  const source = new S3Source(new S3Client(clientConfig(target.aws)), target.bucket);
  if (!target.table) return { source, heads: undefined };
  try {
    return { source, heads: await live.liveHeads(new ChainStore(new DynamoDBClient(clientConfig(target.aws)), target.table)) };
  } catch (err) {
    throw new UsageError(`cannot read chain heads from table ${target.table}: ${(err as Error).message}`);
  }
}
