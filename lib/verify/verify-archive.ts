import { CheckpointError, parseSignedCheckpoint, verifyCheckpoint, type SignedCheckpoint, type TrustedKey } from '../core/checkpoint';
import { ImmutrailError } from '../core/errors';
import { proveExtension, type ShardExtension } from './consistency-extension';
import { archiveTreeSource, type ShardTreeSource } from './consistency-source';
import { checkArchive, type ArchiveCheckResult, type ShardSummary } from './check-archive';
import { orderFindings } from './order-findings';
import type { Notice, Problem } from './problems';
import { readCheckpointNotes } from './read-checkpoints';
import { readShardNoteFiles } from './read-shard-notes';
import { checkShardCheckpoints } from './shard-checkpoints';
import { isPartial, LazyScanner, scanArchive, type ScanOptions } from './scan-archive';
import { LeavesNotKept } from './scan-batch';
import type { ArchiveSource } from '../core/archive-source';
import { checkArchiveWitnesses, type WitnessVerifyOptions } from './witness-archive';

export { formatDuration } from './format-duration';
export type { ShardSummary } from './check-archive';

export interface VerifyOptions extends ScanOptions {
  keys: readonly TrustedKey[];
  /** A checkpoint the user trusted earlier: the archive must extend it (it need not be stored in the archive). */
  trusted?: Buffer;
  /**
   * Where consistency proofs from the trusted checkpoint to the newest one get their hashes when not every
   * record is read (--range): the index table's tiles (few reads, no old record needed). Default: rebuilt
   * from the shard's batch objects.
   */
  consistencySource?: ShardTreeSource;
  /** Worker threads that read and hash batch objects, besides the calling thread; 0: the calling thread only. Default: one per core but one, for large archives. */
  threads?: number;
  /** Live shard heads from the index (online verification): they end each chain; later objects are orphans. */
  heads?: ReadonlyMap<string, { seq: number; hash: string }>;
  /** A problem (SEAL_GAP) when the newest checkpoint's time is older than the newest record's chain.time by more than this (milliseconds). */
  maxSealGapMs?: number;
  /** Witnesses whose cosignatures the newest shard checkpoints need (witness-archive.ts). */
  witness?: WitnessVerifyOptions;
}

export interface VerifyReport {
  ok: boolean;
  source: string;
  records: number;
  objects: number;
  bytes: number;
  shards: ShardSummary[];
  checkpoints: { count: number; valid: number; latest: { size: number; time: string; root: string } | null };
  problems: Problem[];
  notices: Notice[];
  /**
   * With a trusted checkpoint and a newest one: how each trusted shard was shown to be extended, by
   * recomputing the roots from every record ('records') or by consistency proofs when only part of
   * the archive was read ('consistency').
   */
  extension?: { method: 'records' | 'consistency'; shards: ShardExtension[] };
  durationMs: number;
}

/** The checkpoint the user said they trusted does not parse or verify: bad input, not a finding about the archive. */
export class TrustedCheckpointError extends ImmutrailError {
  readonly code = 'TRUSTED_CHECKPOINT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrustedCheckpointError';
  }
}

/** Parses and verifies the trusted checkpoint before anything is read, so that a wrong file fails at once. */
export function trustedCheckpoint(note: Buffer, keys: readonly TrustedKey[]): SignedCheckpoint {
  try {
    const signed = parseSignedCheckpoint(note);
    verifyCheckpoint(signed, keys);
    return signed;
  } catch (err) {
    if (err instanceof CheckpointError) throw new TrustedCheckpointError(err.message, { cause: err });
    throw err;
  }
}

/**
 * Verifies an archive offline: every record hash, every link, every object key,
 * every checkpoint signature, the checkpoint chain, each checkpoint's roots
 * against the records, and (optionally) that the archive extends a checkpoint
 * trusted earlier. The I/O (read-checkpoints.ts, scan-archive.ts) feeds the
 * pure check (check-archive.ts).
 *
 * It holds a few hundred bytes per batch object, never the records nor their
 * hashes: each object's compact range gives the roots. Only when a check needs
 * a record hash inside an object (a checkpoint or an orphan that does not fall
 * between objects, a chain with a gap) does it scan again, keeping 32 bytes
 * per record.
 */
export async function verifyArchive(source: ArchiveSource, opts: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  if (opts.keepLeaves === true) return verifyOnce(source, opts, started);
  try {
    return await verifyOnce(source, { ...opts, keepLeaves: false }, started);
  } catch (err) {
    if (err instanceof LeavesNotKept) return verifyOnce(source, { ...opts, keepLeaves: true }, started);
    throw err;
  }
}

async function verifyOnce(source: ArchiveSource, opts: VerifyOptions, started: number): Promise<VerifyReport> {
  const notes = await readCheckpointNotes(source);
  const shardNotes = await readShardNoteFiles(source, opts.shard);
  const trusted = opts.trusted ? trustedCheckpoint(opts.trusted, opts.keys) : undefined;
  const partial = isPartial(opts);
  const pool = new LazyScanner(opts.threads);
  let checked: ArchiveCheckResult;
  let scanned: Awaited<ReturnType<typeof scanArchive>>;
  try {
    scanned = await scanArchive(source, opts, pool);
    const checkOpts = { keys: opts.keys, shard: opts.shard, partial, checkDuplicates: opts.checkDuplicates, maxSealGapMs: opts.maxSealGapMs };
    const input = { notes, batches: scanned.batches, scanProblems: scanned.problems, trusted, heads: opts.heads };
    checked = await checkArchive(input, checkOpts, (jobs) => pool.get(scanned.objects).blocks(jobs));
    // FORMAT.md 4.1: each shard checkpoint against its key, signature and the records.
    const checkpoints = trusted ? [...checked.checkpoints.valid, trusted] : checked.checkpoints.valid;
    const s = await checkShardCheckpoints(shardNotes, { keys: opts.keys, assembled: checked.assembled, checkpoints, partial }, (jobs) =>
      pool.get(scanned.objects).blocks(jobs),
    );
    checked = { ...checked, problems: orderFindings([...checked.problems, ...s.problems]), notices: orderFindings([...checked.notices, ...s.notices]) };
    if (opts.witness) {
      const w = await checkArchiveWitnesses(source, { files: shardNotes, keys: opts.keys }, partial ? undefined : checked.assembled, opts.witness, (jobs) =>
        pool.get(scanned.objects).blocks(jobs),
      );
      checked = { ...checked, problems: orderFindings([...checked.problems, ...w]) };
    }
  } finally {
    await pool.close();
  }
  let problems = checked.problems;
  let extension: VerifyReport['extension'] = checked.extension;
  const latest = checked.checkpoints.valid.at(-1);
  if (trusted && latest && partial) {
    // Records before the trusted size may not have been read: a consistency proof per shard shows the extension.
    const proven = await proveExtension(trusted, latest, opts.keys, opts.consistencySource ?? archiveTreeSource(source), opts.shard);
    problems = orderFindings([...problems, ...proven.problems]);
    extension = { method: 'consistency', shards: proven.shards };
  }
  return {
    ok: problems.length === 0,
    source: source.describe(),
    records: checked.shards.reduce((n, s) => n + s.records, 0),
    objects: scanned.objects,
    // What was read and checked (a local listing gives no sizes).
    bytes: scanned.batches.reduce((n, b) => n + b.bytes, 0),
    shards: checked.shards,
    checkpoints: {
      count: checked.checkpoints.count,
      valid: checked.checkpoints.valid.length,
      latest: latest ? { size: latest.checkpoint.size, time: latest.checkpoint.time, root: latest.checkpoint.root } : null,
    },
    problems,
    notices: checked.notices,
    ...(extension ? { extension } : {}),
    durationMs: Date.now() - started,
  };
}
