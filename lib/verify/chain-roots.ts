import { emptyRoot, Frontier, nodeHash } from '../core/merkle';
import { BLOCK_LEAVES, type BlockJob, type BlockResult } from './merkle-blocks';

/**
 * Merkle roots of a shard's chain at the checkpoint sizes, computed in blocks
 * that worker threads can share: a block of 2^k leaves starting at a multiple
 * of 2^k is a perfect subtree, so its root can be computed apart from the
 * rest, and the tree over block roots is the top of the whole tree (RFC 6962
 * splits at the largest power of two below n, which is a block boundary once
 * n > 2^k). A root at a size inside a block also needs the block's own frontier
 * at that size: the subtrees of the size's low bits.
 */

/** MTH from frontier hashes, largest subtree first: folded from the right, as Frontier.root does. */
function fold(hashes: readonly Buffer[]): Buffer {
  let root = hashes[hashes.length - 1];
  for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(hashes[i], root);
  return root;
}

/**
 * Hex roots of the tree over `leaves` (32 bytes each) at each of `sizes` that
 * the leaves reach; `run` computes the blocks, in any order or place.
 */
export async function rootsAt(
  leaves: Buffer,
  sizes: Iterable<number>,
  run: (jobs: BlockJob[]) => Promise<BlockResult[]>,
  blockLeaves = BLOCK_LEAVES,
): Promise<Map<number, string>> {
  const count = leaves.length / 32;
  const wanted = [...new Set(sizes)].filter((s) => s >= 0 && s <= count).sort((a, b) => a - b);
  const out = new Map<number, string>();
  if (wanted.length === 0) return out;
  const largest = wanted[wanted.length - 1];
  // Blocks up to the one holding the largest size; a size on a block boundary needs only the blocks before it.
  const blocks = Math.ceil(largest / blockLeaves);
  const jobs: BlockJob[] = [];
  for (let j = 0; j < blocks; j++) {
    const start = j * blockLeaves;
    const end = Math.min(start + blockLeaves, count);
    // A copy per block, in its own ArrayBuffer: sending a view would copy the whole chain.
    jobs.push({
      leaves: new Uint8Array(leaves.subarray(start * 32, end * 32)),
      sizes: wanted.filter((s) => s > start && s < start + blockLeaves).map((s) => s - start),
    });
  }
  const results = await run(jobs);
  const top = Frontier.empty();
  let w = 0;
  for (let j = 0; j <= blocks; j++) {
    for (; w < wanted.length && Math.floor(wanted[w] / blockLeaves) === j; w++) {
      const s = wanted[w];
      const rem = s - j * blockLeaves;
      const hashes = top.subtreeRoots();
      if (rem > 0) hashes.push(...results[j].at[jobs[j].sizes.indexOf(rem)].map((h) => Buffer.from(h, 'hex')));
      out.set(s, hashes.length === 0 ? emptyRoot().toString('hex') : fold(hashes).toString('hex'));
    }
    if (j < blocks && results[j].root !== null) top.append(Buffer.from(results[j].root!, 'hex'));
  }
  return out;
}
