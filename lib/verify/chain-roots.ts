import { CompactRange, emptyRoot, Frontier, nodeHash } from '../core/merkle';
import { BLOCK_LEAVES, type BlockJob, type BlockResult } from './merkle-blocks';
import { LeavesNotKept } from './scan-batch';

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
 * A run of leaves, with the compact range the scan built over it from
 * `firstSeq` (the key's first sequence), if any. `count` is the run's number
 * of leaves when `leaves` were not kept (then empty).
 */
export interface LeafRun {
  leaves: Buffer;
  count?: number;
  firstSeq?: number;
  range?: Buffer;
}

/**
 * The roots of one chain, whose leaves are in runs (one per batch object, as
 * the scan returns them; never concatenated).
 *
 * When every run sits where its key says and every size asked for ends a run
 * (checkpoints are taken between commits, so an honest archive's always do),
 * the roots come from joining the runs' compact ranges: a few hashes per
 * object. Otherwise the leaves are hashed again in blocks, and whole blocks
 * are hashed once however many times roots are asked for: the archive's
 * checkpoints, the shard notes and the witnesses each ask for their sizes.
 */
export class ChainRoots {
  readonly count: number;
  /** Root of each whole block hashed so far. */
  private readonly blockRoots = new Map<number, string>();
  /** Leaf index at which each run starts. */
  private readonly starts: number[] = [];
  private readonly runs: readonly LeafRun[];

  constructor(
    runs: readonly (Buffer | LeafRun)[],
    private readonly blockLeaves = BLOCK_LEAVES,
  ) {
    this.runs = runs.map((r) => (Buffer.isBuffer(r) ? { leaves: r } : r));
    let n = 0;
    for (const r of this.runs) {
      this.starts.push(n);
      n += runLength(r);
    }
    this.count = n;
  }

  /** Hex roots at each of `sizes` that the chain reaches; `run` computes the blocks not hashed yet, in any order or place. */
  async at(sizes: Iterable<number>, run: BlockRunner): Promise<Map<number, string>> {
    const wanted = [...new Set(sizes)].filter((s) => s >= 0 && s <= this.count).sort((a, b) => a - b);
    if (wanted.length === 0) return new Map<number, string>();
    return this.fromRanges(wanted) ?? (await this.fromBlocks(wanted, run));
  }

  /** The roots by joining the runs' compact ranges, or null when a run before the largest size lacks one, sits elsewhere, or a size falls inside a run. */
  private fromRanges(wanted: readonly number[]): Map<number, string> | null {
    const ends = new Set([0, ...this.starts, this.count]);
    if (!wanted.every((s) => ends.has(s))) return null;
    const out = new Map<number, string>();
    const joined = new CompactRange(0);
    let w = 0;
    for (let r = 0; ; r++) {
      for (; w < wanted.length && wanted[w] === joined.end; w++) out.set(wanted[w], joined.root().toString('hex'));
      if (w === wanted.length) return out;
      if (r === this.runs.length) return null;
      const { firstSeq, range } = this.runs[r];
      if (range === undefined || firstSeq !== this.starts[r]) return null;
      joined.appendRange(this.starts[r] + runLength(this.runs[r]), range);
    }
  }

  private async fromBlocks(wanted: readonly number[], run: BlockRunner): Promise<Map<number, string>> {
    if (this.runs.some((r) => r.leaves.length !== 32 * runLength(r))) throw new LeavesNotKept('the roots need them hashed again in blocks');
    const B = this.blockLeaves;
    const out = new Map<number, string>();
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
      const run = this.runs[r].leaves;
      const end = Math.min(to, this.starts[r] + run.length / 32);
      out.set(run.subarray(32 * (at - this.starts[r]), 32 * (end - this.starts[r])), 32 * (at - from));
      at = end;
    }
    return out;
  }
}

const runLength = (r: LeafRun): number => r.count ?? r.leaves.length / 32;

const memo = new WeakMap<readonly LeafRun[], ChainRoots>();

/** The roots of an assembled chain (its batches' leaves and ranges), one ChainRoots per chain, so that each whole block is hashed once per verify. */
export function chainRoots(chain: readonly LeafRun[]): ChainRoots {
  let roots = memo.get(chain);
  if (!roots) memo.set(chain, (roots = new ChainRoots(chain)));
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
