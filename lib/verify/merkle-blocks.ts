import { CompactRange } from '../core/merkle/compact-range';

/**
 * The part of chain-roots.ts that runs in the pool's threads: a block of up to
 * BLOCK_LEAVES leaves, starting at a multiple of BLOCK_LEAVES, hashed apart
 * from the rest of the tree.
 */

export const BLOCK_LEAVES = 1 << 15;

/** One block's work: its leaves, and the sizes (counted from the block's start) to report frontiers at. */
export interface BlockJob {
  leaves: Uint8Array;
  sizes: number[];
}

export interface BlockResult {
  /** Hex root of the block, when it holds a whole block of leaves. */
  root: string | null;
  /** Hex frontier hashes (largest subtree first) at each size asked for, in order. */
  at: string[][];
}

const hexHashes = (bytes: Buffer): string[] => Array.from({ length: bytes.length / 32 }, (_, i) => bytes.toString('hex', 32 * i, 32 * i + 32));

/** The block's leaves appended to a compact range from 0, which at any size is the block's frontier, largest subtree first. */
export function blockFrontiers(job: BlockJob, blockLeaves = BLOCK_LEAVES): BlockResult {
  const n = job.leaves.length / 32;
  const range = new CompactRange(0);
  const at: string[][] = [];
  let next = 0;
  for (let i = 0; i < n; i++) {
    range.appendLeaf(job.leaves, 32 * i);
    for (; next < job.sizes.length && job.sizes[next] === i + 1; next++) at.push(hexHashes(range.bytes()));
  }
  return { root: n === blockLeaves ? range.bytes().toString('hex') : null, at };
}
