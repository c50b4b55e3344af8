import type { ChainHead } from '../core/chain';
import {
  assembleNote,
  checkpointBody,
  keyId,
  makeCheckpoint,
  noteHash,
  parseSignedCheckpoint,
  type ShardState,
  type SignedCheckpoint,
} from '../core/checkpoint';
import { Frontier } from '../core/merkle';
import type { Signer } from '../core/signer';
import { ImmutrailError } from '../core/errors';
import { writeShardNotes, type ShardNoteWritten } from './shard-notes';

export type { ShardNoteWritten } from './shard-notes';

export interface SealDeps {
  store: { shards(): Promise<string[]>; head(shard: string): Promise<ChainHead> };
  checkpoints: {
    /** The newest checkpoint's note, or null before the first seal. */
    latest(): Promise<Buffer | null>;
    /** Stores the note and moves the latest pointer from `prevHash` to it. */
    publish(signed: SignedCheckpoint, prevHash: string | null): Promise<string>;
    /** Stores a shard checkpoint (write-once), before the archive-wide note that covers it is published. */
    putShardNote(key: string, note: Buffer): Promise<void>;
  };
  signer: Signer;
  origin: string;
  clock?: () => Date;
}

export function shardState(head: ChainHead): ShardState {
  return { shard: head.shard, size: head.seq + 1, root: Frontier.fromJSON(head.frontier).root().toString('hex'), head: head.hash };
}

export async function signCheckpoint(signer: Signer, c: ReturnType<typeof makeCheckpoint>): Promise<SignedCheckpoint> {
  const body = checkpointBody(c);
  const signature = await signer.sign(body);
  const note = assembleNote(body, [{ keyName: signer.keyName, keyId: keyId(signer.keyName, await signer.publicKey()), signature }]);
  return parseSignedCheckpoint(note);
}

/** The index shows a shard smaller than (or missing from) the latest checkpoint: publishing would be a rollback. */
export class SealShrinkError extends ImmutrailError {
  readonly code = 'SEAL_SHRINK';
  constructor(
    readonly shard: string,
    readonly checkpointSize: number,
    readonly indexSize: number,
  ) {
    super(
      `shard ${shard} has ${indexSize} records in the index but ${checkpointSize} in the latest checkpoint; refusing to publish a smaller checkpoint (was the table restored from a backup?)`,
    );
    this.name = 'SealShrinkError';
  }
}

/** Throws unless every shard of the previous checkpoint is present and at least as large. */
export function assertNoShrink(previous: SignedCheckpoint['checkpoint'], states: readonly ShardState[]): void {
  const now = new Map(states.map((s) => [s.shard, s.size]));
  for (const p of previous.shards) {
    const size = now.get(p.shard) ?? 0;
    if (size < p.size) throw new SealShrinkError(p.shard, p.size, size);
  }
}

const SEAL_ATTEMPTS = 3;

/**
 * Writes a signed checkpoint over every shard's current head. It runs on a
 * schedule whether or not anything changed: a fresh checkpoint with the same
 * sizes is what makes a removed tail visible.
 *
 * The latest checkpoint is read before the heads. Heads only grow, so heads
 * read afterwards are at least as large as the ones that checkpoint signed; a
 * seal that read heads first could sign older heads on top of a newer
 * checkpoint, a rollback that Object Lock would keep forever. The pointer then
 * moves by compare-and-swap from the checkpoint that was read, and a shrink
 * (an index restored from backup) is refused rather than signed.
 */
export interface SealResult {
  signed: SignedCheckpoint;
  key: string;
  /** Shard checkpoints written for the shards that changed since the previous checkpoint. */
  shardNotes: ShardNoteWritten[];
}

export async function seal(deps: SealDeps): Promise<SealResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await sealOnce(deps);
    } catch (err) {
      // Another seal moved the pointer between our read and our write: read again.
      if ((err as { code?: unknown }).code !== 'SEAL_CONFLICT' || attempt >= SEAL_ATTEMPTS) throw err;
    }
  }
}

async function sealOnce(deps: SealDeps): Promise<SealResult> {
  const previous = await deps.checkpoints.latest();
  const prevHash = previous ? noteHash(previous) : null;
  const prior = previous ? parseSignedCheckpoint(previous).checkpoint : null;
  const shards = await deps.store.shards();
  const heads = await Promise.all(shards.map((s) => deps.store.head(s)));
  const states = heads.filter((h) => h.seq >= 0).map(shardState);
  if (prior) assertNoShrink(prior, states);
  const checkpoint = makeCheckpoint(deps.origin, states, prevHash, notBefore((deps.clock ?? (() => new Date()))(), prior?.time));
  const signed = await signCheckpoint(deps.signer, checkpoint);
  // Shard checkpoints first: every shard size an archive-wide checkpoint commits to then has one.
  const put = (key: string, note: Buffer) => deps.checkpoints.putShardNote(key, note);
  const shardNotes = await writeShardNotes(deps.signer, deps.origin, prior?.shards ?? null, checkpoint.shards, put);
  const key = await deps.checkpoints.publish(signed, prevHash);
  return { signed, key, shardNotes };
}

/** A container whose clock is behind must not make checkpoint time go backwards along the chain. */
function notBefore(now: Date, previousTime: string | undefined): Date {
  if (!previousTime) return now;
  const prev = new Date(previousTime);
  return now.getTime() < prev.getTime() ? prev : now;
}
