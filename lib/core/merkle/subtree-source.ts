import { MerkleError } from './errors';
import { HASH_SIZE, ownedCopy } from './hash';
import { Frontier } from './frontier';
import { type SubtreeRange, consistencyRanges, frontierRanges, inclusionRanges } from './ranges';

/**
 * Proofs for trees too large to hold in memory. Instead of the leaves, the caller
 * supplies the root of any subtree MTH(D[start:end]) on request, typically from
 * stored tiles of hashes plus a cache. Each function asks for O(log n) ranges,
 * all of them named in advance by the ranges module (perfect subtrees, or ranges
 * ending at the tree's size), and asks for them concurrently.
 */
export type SubtreeRootSource = (start: number, end: number) => Promise<Uint8Array> | Uint8Array;

async function fetchAll(ranges: readonly SubtreeRange[], getSubtreeRoot: SubtreeRootSource): Promise<Buffer[]> {
  const hashes = await Promise.all(ranges.map((r) => getSubtreeRoot(r.start, r.end)));
  return hashes.map((h, i) => {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      const r = ranges[i]!;
      throw new MerkleError('INVALID_HASH', `subtree source returned no ${HASH_SIZE}-byte hash for [${r.start}, ${r.end})`);
    }
    return ownedCopy(h);
  });
}

/** PATH(index, D[size]), identical to inclusionProof over the same leaves. */
export async function inclusionProofFrom(index: number, size: number, getSubtreeRoot: SubtreeRootSource): Promise<Buffer[]> {
  return fetchAll(inclusionRanges(index, size), getSubtreeRoot);
}

/** PROOF(oldSize, D[newSize]), identical to consistencyProof over the same leaves. */
export async function consistencyProofFrom(oldSize: number, newSize: number, getSubtreeRoot: SubtreeRootSource): Promise<Buffer[]> {
  return fetchAll(consistencyRanges(oldSize, newSize), getSubtreeRoot);
}

/**
 * The frontier of the tree's first `size` leaves, e.g. to recompute the root a
 * past checkpoint claimed. Asks only for perfect subtrees.
 */
export async function frontierFrom(size: number, getSubtreeRoot: SubtreeRootSource): Promise<Frontier> {
  return Frontier.fromSubtreeRoots(size, await fetchAll(frontierRanges(size), getSubtreeRoot));
}
