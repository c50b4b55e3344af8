import * as crypto from 'node:crypto';

/**
 * The part of chain-roots.ts that runs in the pool's threads: a block of up to
 * BLOCK_LEAVES leaves, starting at a multiple of BLOCK_LEAVES, hashed apart
 * from the rest of the tree. Imports nothing else, so a worker starts fast.
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

const hashOnce = (crypto as unknown as { hash?: (algorithm: string, data: Uint8Array, encoding: 'latin1') => string }).hash;

/** 32 bytes from `from` to `to`: Buffer#copy validates its arguments on each call, which costs more than a hash's worth of bytes. */
function copy32(from: Uint8Array, fromAt: number, to: Uint8Array, toAt: number): void {
  for (let j = 0; j < 32; j++) to[toAt + j] = from[fromAt + j];
}

/**
 * Appends the block's leaves to a compact range (a stack of perfect subtree
 * roots). Nodes are hashed in one scratch buffer, 0x01 || left || right, the
 * result written back over `right`, so no Buffer is created per node.
 */
export function blockFrontiers(job: BlockJob, blockLeaves = BLOCK_LEAVES): BlockResult {
  const leaves = Buffer.from(job.leaves.buffer, job.leaves.byteOffset, job.leaves.byteLength);
  const n = leaves.length / 32;
  const stack = Buffer.allocUnsafe(32 * 64);
  const scratch = Buffer.allocUnsafe(65);
  scratch[0] = 0x01;
  const hexAt = (depth: number) => Array.from({ length: depth }, (_, d) => stack.toString('hex', d * 32, d * 32 + 32));
  const at: string[][] = [];
  let next = 0;
  let depth = 0;
  for (let i = 0; i < n; i++) {
    copy32(leaves, i * 32, scratch, 33);
    for (let seen = i; (seen & 1) === 1; seen >>>= 1) {
      depth--;
      copy32(stack, depth * 32, scratch, 1);
      if (hashOnce) scratch.write(hashOnce('sha256', scratch, 'latin1'), 33, 'latin1');
      else crypto.createHash('sha256').update(scratch).digest().copy(scratch, 33);
    }
    copy32(scratch, 33, stack, depth * 32);
    depth++;
    while (next < job.sizes.length && job.sizes[next] === i + 1) {
      at.push(hexAt(depth));
      next++;
    }
  }
  return { root: n === blockLeaves ? stack.toString('hex', 0, 32) : null, at };
}
