import { writeFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { clientConfig } from '../../aws/client-config';
import { S3Source } from '../../aws/s3-source';
import { CheckpointError } from '../../core/checkpoint';
import { buildInclusionProof, type ProofResult } from '../../prove/build-proof';
import { DynamoIndexTable } from '../../prove/dynamo-index-table';
import { ProveError } from '../../verify/prove-error';
import { buildInclusionProofOffline, countingSource } from '../../prove/offline-proof';
import { serializeProofFile } from '../../prove/proof-file';
import { RequestMeter, meterAwsClient, type RequestSummary } from '../../prove/request-meter';
import { DirSource } from '../../verify/dir-source';
import { archiveDir } from '../archive-dir';
import { EXIT, UsageError } from '../errors';
import { awsTarget, resolveTarget, type TargetOptions } from '../target';
import { trustedKeys } from '../trusted-keys';
import { targetOptions } from './shared-options';
import { summarizeRecord } from '../../prove/record-summary';

interface ProveFlags extends TargetOptions {
  out?: string;
  dir?: string;
  shard?: string;
  publicKey?: string;
  json?: boolean;
  time?: string;
  searchHours?: string;
}

/** --time and --search-hours, checked: a bad value is a usage error, not a "not found". */
function locateOptions(flags: ProveFlags): { time?: string; searchHours?: number } {
  if (flags.time !== undefined && Number.isNaN(Date.parse(flags.time)))
    throw new UsageError(`--time "${flags.time}" is not a time (use the event's eventTime, e.g. 2026-11-20T10:15:30Z)`);
  const hours = flags.searchHours === undefined ? undefined : Number(flags.searchHours);
  if (hours !== undefined && !(Number.isSafeInteger(hours) && hours > 0 && hours <= 24 * 400))
    throw new UsageError(`--search-hours "${flags.searchHours}" is not a whole number of hours between 1 and 9600`);
  return { ...(flags.time !== undefined ? { time: flags.time } : {}), ...(hours !== undefined ? { searchHours: hours } : {}) };
}

/** proof-<id>.json, with anything but letters, digits, dot, dash and underscore replaced (ids hold ':' and '/'). */
export function defaultProofFile(eventId: string): string {
  return `proof-${eventId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200)}.json`;
}

function describeReads(r: RequestSummary): string {
  const ops = Object.entries(r.byOperation).map(([op, n]) => `${op} ${n}`);
  return `${r.reads} storage read(s)${ops.length > 0 ? ` (${ops.join(', ')})` : ''}`;
}

async function prove(eventId: string, flags: ProveFlags, meter: RequestMeter): Promise<ProofResult> {
  const locate = locateOptions(flags);
  const keysFor = async (origin?: string) => (flags.publicKey ? trustedKeys({ publicKey: flags.publicKey }, { aws: awsTarget(flags), origin }) : undefined);
  if (flags.dir) {
    const dir = archiveDir(flags.dir);
    const keys = await keysFor(flags.origin);
    return buildInclusionProofOffline(countingSource(new DirSource(dir), meter), eventId, { keys, shard: flags.shard, meter });
  }
  const target = await resolveTarget(flags);
  if (!target.bucket) throw new UsageError('give --bucket, --stack or --dir');
  const s3 = new S3Client(clientConfig(target.aws));
  meterAwsClient(s3, meter);
  const objects = new S3Source(s3, target.bucket);
  if (!target.table) {
    return buildInclusionProofOffline(objects, eventId, { keys: await keysFor(target.origin), shard: flags.shard, meter });
  }
  const ddb = new DynamoDBClient(clientConfig(target.aws));
  meterAwsClient(ddb, meter);
  return buildInclusionProof({ table: new DynamoIndexTable(ddb, target.table), objects, meter }, eventId, locate);
}

export function registerProve(program: Command): void {
  targetOptions(
    program
      .command('prove')
      .description(
        'write an inclusion proof of one record (record, Merkle path, signed checkpoint) to a file (exit 0 written, 1 the record cannot be proven, 2 bad usage or unreachable)',
      )
      .argument('<event-id>', 'the record id: a CloudTrail eventID, an EventBridge event id, alert:<id>, ...')
      .option('--out <file>', 'where to write the proof (default: proof-<id>.json)')
      .option('--dir <path>', 'prove from a local copy of the archive (reads every object)')
      .option('--time <iso>', "the event's time (CloudTrail eventTime): the index is read for that hour only (one query per shard)")
      .option(
        '--search-hours <n>',
        'without --time: hours of the index searched backwards from the latest checkpoint, one query per shard per hour (default 24)',
      )
      .option('--shard <id>', 'without the index table: read only this shard')
      .option('--public-key <pem>', 'without the index table: use only checkpoints signed by this key')
      .option('--json', 'print the outcome as JSON'),
  ).action(async (eventId: string, flags: ProveFlags) => {
    const meter = new RequestMeter();
    let result: ProofResult;
    try {
      result = await prove(eventId, flags, meter);
    } catch (err) {
      if (err instanceof ProveError || err instanceof CheckpointError) {
        process.stderr.write(`immutrail: cannot prove ${eventId}: ${err.message}\n`);
        process.exitCode = EXIT.FAILED;
        return;
      }
      if (err instanceof UsageError) throw err;
      throw new UsageError(`cannot read the archive: ${(err as Error).message}`);
    }
    const out = flags.out ?? defaultProofFile(eventId);
    try {
      writeFileSync(out, serializeProofFile(result.proof));
    } catch (err) {
      throw new UsageError(`cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const p = result.proof;
    const account = recordAccount(p.record);
    if (flags.json) {
      process.stdout.write(
        JSON.stringify(
          {
            file: out,
            account,
            shard: p.shard,
            seq: p.seq,
            treeSize: p.treeSize,
            checkpointTime: result.signed.checkpoint.time,
            method: result.method,
            reads: result.reads,
          },
          null,
          2,
        ) + '\n',
      );
    } else {
      const lines = [
        `wrote ${out}`,
        `  record ${eventId}${account ? ` (account ${account})` : ''}: seq ${p.seq} of shard ${p.shard}, in the checkpoint of ${result.signed.checkpoint.time} (${p.treeSize} records in the shard, path of ${p.proof.length} hashes)`,
        `  ${describeReads(result.reads)}`,
      ];
      if (result.method === 'rebuild')
        lines.push('  (no index table: the shard was rebuilt from every batch object; give --table or --stack for a proof in a few reads)');
      process.stdout.write(lines.join('\n') + '\n');
    }
    process.exitCode = EXIT.OK;
  });
}

/** The account the proven record names (its event's, alert's or log file's), or null; the line is the archive's own. */
function recordAccount(line: string): string | null {
  try {
    return summarizeRecord(JSON.parse(line)).account;
  } catch {
    return null;
  }
}
