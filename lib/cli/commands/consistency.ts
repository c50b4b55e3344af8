import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CheckpointError, parseSignedCheckpoint, type SignedCheckpoint, type TrustedKey } from '../../core/checkpoint';
import {
  CONSISTENCY_FORMAT,
  ConsistencyFileError,
  parseConsistencyFile,
  serializeConsistencyFile,
  type ConsistencyProofFile,
} from '../../verify/consistency-file';
import { countingSource } from '../../prove/offline-proof';
import { RequestMeter, type RequestSummary } from '../../prove/request-meter';
import { tileTreeSource, withFallback } from '../../prove/tile-tree-source';
import { archiveTreeSource, buildConsistencyProofs, type BuiltConsistency, type ShardTreeSource } from '../../verify/consistency-source';
import { verifyConsistencyFile, type ConsistencyReport } from '../../verify/consistency-verify';
import { DirSource } from '../../verify/dir-source';
import { archiveDir } from '../archive-dir';
import { EXIT, UsageError } from '../errors';
import { resolveTarget, type TargetOptions } from '../target';
import { pemKey, readOrUsage, trustedKeys } from '../trusted-keys';
import { targetOptions } from './shared-options';

interface ConsistencyFlags extends TargetOptions {
  dir?: string;
  publicKey?: string[];
  proof?: string;
  out?: string;
  json?: boolean;
}

/** Every --public-key, read offline; without one, the stack's KMS key (archive mode only). */
async function keysFor(flags: ConsistencyFlags, needOffline: boolean): Promise<TrustedKey[]> {
  const pems = flags.publicKey ?? [];
  if (pems.length === 0) {
    if (needOffline) throw new UsageError('give --public-key PEM: a proof file is checked offline');
    return trustedKeys({}, await resolveTarget(flags));
  }
  return pems.map((path) => pemKey(path, flags.origin));
}

/**
 * A file that is not a checkpoint at all is bad usage (exit 2). One that parses
 * but whose root does not match its shard lines is a finding: `signed` is null
 * and the verdict reports it (exit 1), as it does a signature that fails.
 */
function readCheckpointFile(path: string): { note: Buffer; signed: SignedCheckpoint | null } {
  const note = readOrUsage(path, 'checkpoint');
  try {
    return { note, signed: parseSignedCheckpoint(note) };
  } catch (err) {
    if (!(err instanceof CheckpointError)) throw err;
    if (err.code === 'MALFORMED') throw new UsageError(`${path} is not a signed checkpoint: ${err.message}`);
    return { note, signed: null };
  }
}

/**
 * Where proofs come from: the shards' C2SP tiles in the bucket or the local
 * copy (a few reads per shard); a shard without tiles is rebuilt from its
 * batch objects.
 */
async function treeSource(flags: ConsistencyFlags, meter: RequestMeter): Promise<ShardTreeSource> {
  if (flags.dir) {
    const dir = countingSource(new DirSource(archiveDir(flags.dir)), meter);
    return withFallback(tileTreeSource(dir), archiveTreeSource(dir));
  }
  const target = await resolveTarget(flags);
  const { clientConfig } = await import('../../aws/client-config');
  const { meterAwsClient } = await import('../../prove/request-meter');
  if (!target.bucket) throw new UsageError('give --dir, --stack or --bucket (or --proof FILE to check a proof file offline)');
  const { S3Client } = await import('@aws-sdk/client-s3');
  const { S3Source } = await import('../../aws/s3-source');
  const s3 = new S3Client(clientConfig(target.aws));
  meterAwsClient(s3, meter);
  const bucket = new S3Source(s3, target.bucket);
  return withFallback(tileTreeSource(bucket), archiveTreeSource(bucket));
}

const pad = (s: string, n: number) => s.padEnd(n);

export function formatConsistency(title: string, r: ConsistencyReport, reads?: RequestSummary): string {
  const out = [`immutrail consistency ${title}`];
  for (const [name, c] of [
    ['old', r.old],
    ['new', r.new],
  ] as const) {
    const about = c.time ? `${c.origin} at ${c.time} (${c.size} records)` : '';
    out.push(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${name} checkpoint  ${about}${about ? ': ' : ''}${c.message}`);
  }
  if (r.pair) out.push(`  FAIL  ${r.pair}`);
  const width = Math.max(8, ...r.shards.map((s) => s.shard.length));
  for (const s of r.shards) out.push(`  ${s.ok ? 'ok  ' : 'FAIL'}  shard ${pad(s.shard, width)}  ${s.ok ? '' : `${s.reason}: `}${s.message}`);
  if (r.vanished.length > 0) out.push(`  vanished: shard(s) ${r.vanished.join(', ')} of the old checkpoint are not in the new one`);
  if (r.added.length > 0) out.push(`  new shard(s): ${r.added.join(', ')}`);
  if (reads) out.push(`  ${reads.reads} storage read(s)`);
  const failures = r.shards.filter((s) => !s.ok).length + (r.old.ok ? 0 : 1) + (r.new.ok ? 0 : 1) + (r.pair ? 1 : 0);
  out.push(r.ok ? 'CONSISTENT: the new checkpoint extends the old one in every shard' : `INCONSISTENT: ${failures} problem(s)`);
  return out.join('\n');
}

function print(flags: ConsistencyFlags, title: string, report: ConsistencyReport, extra: Record<string, unknown> = {}, reads?: RequestSummary): void {
  process.stdout.write(
    (flags.json ? JSON.stringify({ ...report, ...extra, ...(reads ? { reads } : {}) }, null, 2) : formatConsistency(title, report, reads)) + '\n',
  );
  process.exitCode = report.ok ? EXIT.OK : EXIT.FAILED;
}

/** --proof FILE: everything is in the file, checked with the keys alone. */
async function checkProofFile(flags: ConsistencyFlags): Promise<void> {
  const keys = await keysFor(flags, true);
  let file: ConsistencyProofFile;
  try {
    file = parseConsistencyFile(readOrUsage(flags.proof!, 'proof file'));
  } catch (err) {
    if (err instanceof ConsistencyFileError) throw new UsageError(`${flags.proof}: ${err.message}`);
    throw err;
  }
  print(flags, flags.proof!, verifyConsistencyFile(file, keys));
}

/** OLD NEW: proofs from the archive, then the same check as a proof file gets. */
async function checkFromArchive(oldPath: string, newPath: string, flags: ConsistencyFlags): Promise<void> {
  const old = readCheckpointFile(oldPath);
  const now = readCheckpointFile(newPath);
  const keys = await keysFor(flags, false);
  const meter = new RequestMeter();
  const trees = await treeSource(flags, meter);
  let built: BuiltConsistency = { shards: [], unproven: new Map() };
  try {
    if (old.signed && now.signed) built = await buildConsistencyProofs(old.signed, now.signed, trees);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read the archive: ${(err as Error).message}`);
  }
  const file: ConsistencyProofFile = { format: CONSISTENCY_FORMAT, old: old.note.toString('utf8'), new: now.note.toString('utf8'), shards: built.shards };
  const report = verifyConsistencyFile(file, keys, built.unproven);
  let written: string | null = null;
  if (flags.out && report.ok) {
    try {
      writeFileSync(flags.out, serializeConsistencyFile(file));
    } catch (err) {
      throw new UsageError(`cannot write ${flags.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    written = flags.out;
  }
  print(flags, `${oldPath} ${newPath}`, report, { written }, meter.summary());
  if (flags.out && !flags.json) process.stdout.write(written ? `wrote ${written}\n` : `not written: ${flags.out} (the checkpoints are not shown consistent)\n`);
}

export function registerConsistency(program: Command): void {
  targetOptions(
    program
      .command('consistency')
      .description(
        'check that a newer signed checkpoint extends an older one in every shard, with RFC 6962 consistency proofs (exit 0 consistent, 1 inconsistent, 2 bad usage or unreachable)',
      )
      .argument('[old]', 'the older checkpoint (.note file from checkpoints/)')
      .argument('[new]', 'the newer checkpoint')
      .option('--dir <path>', 'build the proofs from a local copy of the archive (reads every object of each shard)')
      .option(
        '--public-key <pem>',
        'checkpoint public key (PEM); repeat for a rotated key (default with --stack: the KMS key)',
        (v: string, prev: string[] = []) => [...prev, v],
      )
      .option('--out <file>', 'also write a self-contained consistency proof file (only when consistent)')
      .option('--proof <file>', 'check a consistency proof file offline instead (needs only --public-key)')
      .option('--json', 'print the verdict as JSON'),
  ).action(async (oldPath: string | undefined, newPath: string | undefined, flags: ConsistencyFlags) => {
    if (flags.proof) {
      if (oldPath || newPath || flags.out) throw new UsageError('--proof FILE takes no checkpoint arguments and no --out');
      return checkProofFile(flags);
    }
    if (!oldPath || !newPath) throw new UsageError('give two checkpoint files, OLD NEW (or --proof FILE)');
    return checkFromArchive(oldPath, newPath, flags);
  });
}
