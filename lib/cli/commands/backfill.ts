import { statSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Command } from 'commander';
import { sigmaFolders } from '../../commit/runtime';
import { ArchiveWriter } from '../../aws/archive-writer';
import { BackfillDigestPublisher } from '../../aws/backfill-digests';
import { ENV, optionalEnv } from '../../contract/runtime-config';
import { AttestationStore } from '../../aws/attestation-store';
import { ChainStore } from '../../aws/chain-store';
import { clientConfig } from '../../aws/client-config';
import { loadSigmaRules, parseDetectionConfig, runDetectors, type DetectionContext } from '../../core/detect';
import { SHARD_PATTERN } from '../../core/layout';
import { backfill, type BackfillSummary } from '../../cloudtrail/backfill';
import { captureRouter, DEFAULT_API_SHARD, type CaptureRouter } from '../../cloudtrail/capture';
import { captureFromEnv } from '../../cloudtrail/runtime';
import { stackHandlerEnv } from '../stack-settings';
import { BucketDigestLookup } from '../../cloudtrail/digest';
import { DirLogFiles, S3LogFiles, type LogFileSource } from '../../cloudtrail/log-file-source';
import { TrailBucket } from '../../cloudtrail/trail-bucket';
import { EXIT, UsageError } from '../errors';
import { progressBar } from '../progress';
import { need, parseIntOption, resolveTarget, type ResolvedTarget, type TargetOptions } from '../target';
import { targetOptions } from './shared-options';

interface BackfillFlags extends TargetOptions {
  dir?: string;
  sourceBucket?: string;
  prefix?: string;
  shard?: string;
  captureReadOnly?: boolean;
  retentionDays: number;
  digests: boolean;
  json?: boolean;
  progress: boolean;
  publishAlerts?: boolean;
}

export function formatBackfillSummary(s: BackfillSummary): string {
  const out = [
    `immutrail backfill ${s.source}`,
    `  files          ${s.files}${s.unreadable.length ? ` (${s.unreadable.length} unreadable)` : ''}`,
    `  events         ${s.events}`,
    `  archived       ${s.archived}`,
    `  already there  ${s.alreadyThere}`,
    `  quarantined    ${s.quarantined}`,
    `  skipped        ${s.skipped} (outside the capture filter: read-only calls unless --capture-read-only, service events)`,
    `  alerts         ${s.alerts} archived${s.alerts > 0 ? (s.published ? `, published as ${s.digestsPublished} digest(s), one per rule` : ', not published (--publish-alerts to send them)') : ''}`,
  ];
  if (s.publishFailed > 0) out.push(`  not published  ${s.publishFailed} digest(s) refused by the topic (first: ${s.publishError})`);
  if (s.digestsVerified || s.digestMismatches.length) out.push(`  digests        ${s.digestsVerified} verified, ${s.digestMismatches.length} mismatched`);
  out.push(`  time           ${(s.durationMs / 1000).toFixed(1)} s`);
  for (const f of s.unreadable) out.push(`  unreadable: ${f.file}: ${f.code}: ${f.reason}`);
  for (const f of s.digestMismatches) out.push(`  digest mismatch (changed after delivery): ${f}`);
  return out.join('\n');
}

/** With --publish-alerts, the stack's alert topic (from its ingest function's environment, or IMMUTRAIL_ALERT_TOPIC_ARN without --stack). */
function digestPublisher(flags: BackfillFlags, settings: ImportSettings, sns: () => SNSClient): BackfillDigestPublisher | undefined {
  if (flags.publishAlerts !== true) return undefined;
  const topicArn = optionalEnv(ENV.alertTopicArn, settings.env);
  if (!topicArn) {
    throw new UsageError(
      settings.fromStack
        ? `--publish-alerts: stack ${flags.stack} has no alert topic to publish to`
        : `--publish-alerts needs the alert topic: give --stack, or set ${ENV.alertTopicArn}`,
    );
  }
  return new BackfillDigestPublisher(sns(), topicArn);
}

function sourceOf(flags: BackfillFlags, s3: () => S3Client): LogFileSource {
  if (flags.dir !== undefined && flags.sourceBucket !== undefined) throw new UsageError('give --dir or --source-bucket, not both');
  if (flags.dir !== undefined) {
    if (flags.prefix !== undefined) throw new UsageError('--prefix goes with --source-bucket, not --dir');
    let isDir = false;
    try {
      isDir = statSync(flags.dir).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new UsageError(`--dir ${flags.dir} is not a folder`);
    return new DirLogFiles(flags.dir);
  }
  if (flags.sourceBucket !== undefined) return new S3LogFiles(new TrailBucket(s3(), flags.sourceBucket), flags.prefix ?? '');
  throw new UsageError('give --dir <folder> or --source-bucket <bucket> with the CloudTrail log files to import');
}

interface ImportSettings {
  route: CaptureRouter;
  coverageShard: string;
  /** The variables the detection config is parsed from: the stack's ingest function's, or this process's. */
  env: NodeJS.ProcessEnv;
  fromStack: boolean;
}

/** With --stack, what its ingest function applies (issue 17: backfill used to ignore it); else the flags. */
function importSettings(flags: BackfillFlags, stackEnv: Record<string, string> | null): ImportSettings {
  if (stackEnv) {
    const env = { ...process.env, ...stackEnv };
    const capture = captureFromEnv(env);
    return { route: capture.route, coverageShard: capture.coverageShard, env, fromStack: true };
  }
  const shard = flags.shard ?? DEFAULT_API_SHARD;
  return { route: captureRouter({ captureReadOnly: flags.captureReadOnly === true, shard }), coverageShard: shard, env: process.env, fromStack: false };
}

/** The shard and capture flags name the import's own routing: checked before anything is read. */
function checkRoutingFlags(flags: BackfillFlags): void {
  if (flags.shard !== undefined && !SHARD_PATTERN.test(flags.shard))
    throw new UsageError(`--shard "${flags.shard}" is not a shard id (1-32 of a-z, 0-9 and -)`);
  if (flags.stack && (flags.shard !== undefined || flags.captureReadOnly)) {
    throw new UsageError(
      "--shard and --capture-read-only are the stack's own with --stack (its shard plan and capture filter): leave them out, or name the archive with --bucket/--table",
    );
  }
}

/** The archive to write: where its records go, and the origin of a shard's first record. */
interface ArchiveTarget {
  aws: ResolvedTarget['aws'];
  bucket: string;
  table: string;
  origin: string;
}

function archiveTarget(target: ResolvedTarget): ArchiveTarget {
  const bucket = need(target.bucket, '--bucket (or --stack): the archive bucket');
  const table = need(target.table, '--table (or --stack): the index table');
  const origin = need(target.origin, '--origin (or --stack): the archive origin, needed for the first record of a shard');
  return { aws: target.aws, bucket, table, origin };
}

/** The commit path's dependencies, with the detectors the ingest Lambda runs, configured from the same IMMUTRAIL_* variables (defaults otherwise). */
function backfillDeps(archive: ArchiveTarget, settings: ImportSettings, retentionDays: number, s3: () => S3Client) {
  const ddb = new DynamoDBClient(clientConfig(archive.aws));
  const sigma = loadSigmaRules(sigmaFolders(process.env));
  const context: DetectionContext = {
    config: parseDetectionConfig(settings.env),
    attestations: new AttestationStore(ddb, archive.table),
    trustedKeys: [],
    sigmaRules: sigma.rules,
  };
  return {
    store: new ChainStore(ddb, archive.table),
    archive: new ArchiveWriter(s3(), { bucket: archive.bucket, retentionDays }),
    origin: archive.origin,
    detect: (record: Parameters<typeof runDetectors>[0]) => runDetectors(record, context),
    onError: (stage: string, err: unknown) => process.stderr.write(`immutrail: warning: ${stage} not updated: ${(err as Error).message}\n`),
  };
}
type BackfillDeps = ReturnType<typeof backfillDeps>;

/** Imports the files behind a progress bar; a source that cannot be read is bad usage, not a failure of the import. */
async function importFiles(
  deps: BackfillDeps,
  source: LogFileSource,
  settings: ImportSettings,
  flags: BackfillFlags,
  publisher: BackfillDigestPublisher | undefined,
  s3: () => S3Client,
): Promise<BackfillSummary> {
  const bar = progressBar('backfilling', { enabled: flags.progress !== false && !flags.json });
  let summary: BackfillSummary;
  try {
    summary = await backfill(deps, source, {
      route: settings.route,
      coverageShard: settings.coverageShard,
      digest: source.bucket !== null && flags.digests ? new BucketDigestLookup(new TrailBucket(s3(), source.bucket)) : undefined,
      onProgress: (done, total) => bar.update(done, total),
      publishAlerts: publisher,
    });
  } catch (err) {
    bar.stop();
    const e = err as Error & { name?: string };
    if (e.name === 'NoSuchBucket' || e.name === 'AccessDenied' || (err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UsageError(`cannot read ${source.describe()}: ${e.message}`);
    }
    throw err;
  }
  bar.stop();
  return summary;
}

/** The summary on stdout, unpublished digests on stderr, and the exit code. */
function reportBackfill(flags: BackfillFlags, settings: ImportSettings, summary: BackfillSummary): void {
  if (!flags.json && settings.fromStack) process.stdout.write(`capture filter, shard plan and detection settings read from stack ${flags.stack}\n`);
  process.stdout.write((flags.json ? JSON.stringify(summary, null, 2) : formatBackfillSummary(summary)) + '\n');
  if (summary.publishFailed > 0) {
    process.stderr.write(
      `immutrail: ${summary.publishFailed} of ${summary.publishFailed + summary.digestsPublished} alert digest(s) not published (${summary.publishError}); the alerts are archived in the chain\n`,
    );
  }
  const failed = summary.unreadable.length > 0 || summary.digestMismatches.length > 0 || summary.publishFailed > 0;
  process.exitCode = failed ? EXIT.FAILED : EXIT.OK;
}

async function runBackfill(flags: BackfillFlags): Promise<void> {
  checkRoutingFlags(flags);
  const target = await resolveTarget(flags);
  const settings = importSettings(flags, await stackHandlerEnv(target, flags.stack));
  const archive = archiveTarget(target);
  let s3Client: S3Client | undefined;
  const s3 = () => (s3Client ??= new S3Client(clientConfig(target.aws)));
  const source = sourceOf(flags, s3);
  const publisher = digestPublisher(flags, settings, () => new SNSClient(clientConfig(target.aws)));
  if (source.bucket === null && (await source.list()).length === 0) {
    throw new UsageError(`--dir ${flags.dir} holds no CloudTrail log files (*.json or *.json.gz, digest files excluded)`);
  }
  const deps = backfillDeps(archive, settings, flags.retentionDays, s3);
  try {
    await deps.store.head(settings.coverageShard);
  } catch (err) {
    throw new UsageError(`cannot read table ${archive.table}: ${(err as Error).message}`);
  }
  reportBackfill(flags, settings, await importFiles(deps, source, settings, flags, publisher, s3));
}

export function registerBackfill(program: Command): void {
  targetOptions(
    program
      .command('backfill')
      .description(
        'import existing CloudTrail log files (gzipped {"Records":[...]}) into the archive; events already archived are skipped (exit 0 done, 1 some files unreadable or changed after delivery or alert digests not published, 2 bad usage or unreachable)',
      )
      .option('--dir <folder>', 'a local folder of log files (searched recursively; digest files are skipped)')
      .option('--source-bucket <bucket>', 'the S3 bucket holding the log files (e.g. the trail bucket)')
      .option('--prefix <prefix>', 'only keys under this prefix of --source-bucket (e.g. AWSLogs/111122223333/CloudTrail/eu-west-1/2026/)')
      .option('--shard <id>', "without --stack: the shard API calls are chained in (default: api); with --stack the stack's shard plan routes them")
      .option('--capture-read-only', "without --stack: also import read-only calls; with --stack the stack's capture filter decides")
      .option('--retention-days <n>', 'Object Lock retention set on each object written; 0 relies on the bucket default', parseIntOption('--retention-days'), 0)
      .option('--no-digests', "do not check files against CloudTrail's digest files (S3 sources)")
      .option(
        '--publish-alerts',
        "also publish the alerts raised on imported events, as one digest per rule to the stack's alert topic at the end; without it they are archived only",
      )
      .option('--json', 'print the summary as JSON')
      .option('--no-progress', 'no progress bar'),
  ).action(runBackfill);
}
