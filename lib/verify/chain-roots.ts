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

type BlockRunner = (jobs: BlockJob[]) => Promise<BlockResult[]>;

/**
 * The roots of one chain, whose leaves are in runs (one per batch object, as
 * the scan returns them; never concatenated). Whole blocks are hashed once
 * however many times roots are asked for: the archive's checkpoints, the
 * shard notes and the witnesses each ask for their sizes.
 */
export class ChainRoots {
  readonly count: number;
  /** Root of each whole block hashed so far. */
  private readonly blockRoots = new Map<number, string>();
  /** Leaf index at which each run starts. */
  private readonly starts: number[] = [];

  constructor(
    private readonly runs: readonly Buffer[],
    private readonly blockLeaves = BLOCK_LEAVES,
  ) {
    let n = 0;
    for (const r of runs) {
      this.starts.push(n);
      n += r.length / 32;
    }
    this.count = n;
  }

  /** Hex roots at each of `sizes` that the chain reaches; `run` computes the blocks not hashed yet, in any order or place. */
  async at(sizes: Iterable<number>, run: BlockRunner): Promise<Map<number, string>> {
    const B = this.blockLeaves;
    const wanted = [...new Set(sizes)].filter((s) => s >= 0 && s <= this.count).sort((a, b) => a - b);
    const out = new Map<number, string>();
    if (wanted.length === 0) return out;
    // Blocks up to the one holding the largest size; a size on a block boundary needs only the blocks before it.
    const blocks = Math.ceil(wanted[wanted.length - 1] / B);
    const jobs: { block: number; job: BlockJob }[] = [];
    for (let j = 0; j < blocks; j++) {
      const start = j * B;
      const inside = wanted.filter((s) => s > start && s < start + B).map((s) => s - start);
      const whole = start + B <= this.count;
      if (inside.length > 0 || !whole || !this.blockRoots.has(j))
        jobs.push({ block: j, job: { leaves: this.copy(start, Math.min(start + B, this.count)), sizes: inside } });
    }
    const results = new Map((await run(jobs.map((j) => j.job))).map((r, i) => [jobs[i].block, { result: r, sizes: jobs[i].job.sizes }]));
    for (const [j, { result }] of results) if (result.root !== null) this.blockRoots.set(j, result.root);
    const top = Frontier.empty();
    let w = 0;
    for (let j = 0; j <= blocks; j++) {
      for (; w < wanted.length && Math.floor(wanted[w] / B) === j; w++) {
        const s = wanted[w];
        const rem = s - j * B;
        const hashes = top.subtreeRoots();
        if (rem > 0) {
          const r = results.get(j)!;
          hashes.push(...r.result.at[r.sizes.indexOf(rem)].map((h) => Buffer.from(h, 'hex')));
        }
        out.set(s, hashes.length === 0 ? emptyRoot().toString('hex') : fold(hashes).toString('hex'));
      }
      const root = this.blockRoots.get(j);
      if (j < blocks && root !== undefined) top.append(Buffer.from(root, 'hex'));
    }
    return out;
  }

  /** Leaves [from, to) in an ArrayBuffer of their own: a job's copy, since sending a view would copy the whole run. */
  private copy(from: number, to: number): Uint8Array {
    const out = new Uint8Array(32 * (to - from));
    let r = upperBound(this.starts, from) - 1;
    for (let at = from; at < to; r++) {
      const run = this.runs[r];
      const end = Math.min(to, this.starts[r] + run.length / 32);
      out.set(run.subarray(32 * (at - this.starts[r]), 32 * (end - this.starts[r])), 32 * (at - from));
      at = end;
    }
    return out;
  }
}

const memo = new WeakMap<readonly { leaves: Buffer }[], ChainRoots>();

/** The roots of an assembled chain (its batches' leaves), one ChainRoots per chain, so that each whole block is hashed once per verify. */
export function chainRoots(chain: readonly { leaves: Buffer }[]): ChainRoots {
  let roots = memo.get(chain);
  if (!roots) memo.set(chain, (roots = new ChainRoots(chain.map((b) => b.leaves))));
  return roots;
}

/** Index of the first element of the ascending `xs` greater than `x`. */
function upperBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
