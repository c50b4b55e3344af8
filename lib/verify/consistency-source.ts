import type { ShardState, SignedCheckpoint } from '../core/checkpoint';
import { shardPrefix } from '../core/layout';
import { mapLimit } from '../core/map-limit';
import { type SubtreeRange, type SubtreeRootSource, consistencyProofFrom, consistencyRanges, frontierFrom, rootOfRange } from '../core/merkle';
import { checkConsistency } from '../core/merkle/consistency';
import type { ArchiveSource } from '../core/archive-source';
import { assembleShard } from './assemble-shard';
import type { ShardConsistencyProof } from './consistency-file';
import { ProveError } from './prove-error';
import { scanBatch, type ScannedBatch } from './scan-batch';

/** Subtree roots of one shard's tree of `size` leaves, and optionally a way to read what a set of ranges needs at once. */
export interface ShardTree {
  getSubtreeRoot: SubtreeRootSource;
  prefetch?(ranges: readonly SubtreeRange[]): Promise<void>;
}

/**
 * Where consistency proofs get their hashes: the shard's C2SP tiles in the
 * bucket or a copy of it (a few reads: tileTreeSource in lib/prove) or the
 * batch objects themselves (every object of the shard: archiveTreeSource).
 * `at` is the newer checkpoint's line for the shard.
 */
export type ShardTreeSource = (at: ShardState) => Promise<ShardTree>;

/**
 * From the archive alone (a local copy, or a bucket without its table): reads
 * every batch object of the shard and rebuilds its chain through the newer
 * checkpoint's head, as the verifier does. Correct, but its reads grow with
 * the shard; a copy missing old records cannot serve it.
 */
export function archiveTreeSource(source: ArchiveSource, concurrency = 16): ShardTreeSource {
  return async (at) => {
    const keys: string[] = [];
    for await (const o of source.list(shardPrefix(at.shard))) keys.push(o.key);
    const batches: ScannedBatch[] = [];
    await mapLimit(keys, concurrency, async (key) => {
      const scanned = scanBatch(key, await source.get(key));
      if (!Array.isArray(scanned)) batches.push(scanned);
    });
    const assembled = assembleShard(at.shard, batches, [{ size: at.size, head: at.head }], new Set([at.size]));
    // Only an unbroken chain from seq 0 gives the tree's leaves.
    const leaves: Buffer[] = [];
    for (const b of assembled.chain) {
      if (b.firstSeq !== leaves.length) break;
      for (let i = 0; i < b.count && leaves.length < at.size; i++) leaves.push(b.leaves.subarray(i * 32, i * 32 + 32));
    }
    if (leaves.length < at.size) {
      throw new ProveError(
        'ARCHIVE_INCOMPLETE',
        `shard ${at.shard}: the checkpoint holds ${at.size} records, ${source.describe()} only ${leaves.length} from the shard's first record on`,
      );
    }
    return { getSubtreeRoot: (start, end) => rootOfRange(leaves, start, end) };
  };
}

/**
 * PROOF(old.size, D[new.size]) for one shard. When the proof does not lead
 * from the old root to the new one, it tells the two causes apart: a source
 * that does not match the newer checkpoint (damaged index or archive: a
 * ProveError, nothing about the checkpoints) from checkpoints that disagree
 * (the proof is returned and fails verification).
 */
export async function proveShardConsistency(trees: ShardTreeSource, old: ShardState, now: ShardState): Promise<Buffer[]> {
  if (old.size === 0 || old.size >= now.size) return [];
  const tree = await trees(now);
  const ranges = consistencyRanges(old.size, now.size);
  await tree.prefetch?.(ranges);
  const proof = await consistencyProofFrom(old.size, now.size, tree.getSubtreeRoot);
  if (!checkConsistency(old.size, now.size, Buffer.from(old.root, 'hex'), Buffer.from(now.root, 'hex'), proof).ok) {
    const root = (await frontierFrom(now.size, tree.getSubtreeRoot)).root().toString('hex');
    if (root !== now.root) {
      throw new ProveError(
        'INDEX_MISMATCH',
        `shard ${now.shard}: the stored tree of ${now.size} records does not match the newer checkpoint's root: run immutrail verify`,
      );
    }
  }
  return proof;
}

export interface BuiltConsistency {
  /** One entry per shard named by both checkpoints, sorted by id; a shard that could not be proven has no entry. */
  shards: ShardConsistencyProof[];
  /** Shards whose proof could not be built, and why. */
  unproven: Map<string, string>;
}

/** Proofs for every shard named by both checkpoints, from one tree source. */
export async function buildConsistencyProofs(old: SignedCheckpoint, now: SignedCheckpoint, trees: ShardTreeSource): Promise<BuiltConsistency> {
  const shards: ShardConsistencyProof[] = [];
  const unproven = new Map<string, string>();
  const pairs = old.checkpoint.shards.flatMap((o) => {
    const n = now.checkpoint.shards.find((s) => s.shard === o.shard);
    return n ? [{ o, n }] : [];
  });
  const results = await Promise.all(
    pairs.map(async ({ o, n }) => {
      try {
        return { o, n, proof: await proveShardConsistency(trees, o, n) };
      } catch (err) {
        if (!(err instanceof ProveError)) throw err;
        return { o, n, error: err.message };
      }
    }),
  );
  for (const r of results.sort((a, b) => (a.o.shard < b.o.shard ? -1 : a.o.shard > b.o.shard ? 1 : 0))) {
    if (r.proof) shards.push({ shard: r.o.shard, oldSize: r.o.size, newSize: r.n.size, proof: r.proof.map((h) => h.toString('hex')) });
    else unproven.set(r.o.shard, r.error!);
  }
  return { shards, unproven };
}
