import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { CompactRange, Frontier } from '../../lib/core/merkle';
import { ChainRoots } from '../../lib/verify/chain-roots';
import { BLOCK_LEAVES, blockFrontiers } from '../../lib/verify/merkle-blocks';
import { inlineScanner, workerScanner } from '../../lib/verify/scan-pool';

/** Deterministic distinct leaves. */
const leaves = (n: number): Buffer => Buffer.concat(Array.from({ length: n }, (_, i) => createHash('sha256').update(`leaf ${i}`).digest()));

/** Roots at every size from 0 to n, by the core Frontier one leaf at a time. */
function frontierRoots(all: Buffer): string[] {
  const f = Frontier.empty();
  const out = [f.root().toString('hex')];
  for (let i = 0; i < all.length / 32; i++) {
    f.append(all.subarray(i * 32, i * 32 + 32));
    out.push(f.root().toString('hex'));
  }
  return out;
}

const local = async (jobs: Parameters<typeof blockFrontiers>[0][], block: number) => jobs.map((j) => blockFrontiers(j, block));

/** The roots of one run of leaves: what ChainRoots gives for a chain held in a single buffer. */
const rootsAt = (all: Buffer, sizes: number[], run: Parameters<ChainRoots['at']>[1], block?: number) => new ChainRoots([all], block).at(sizes, run);

describe('ChainRoots over one run', () => {
  it('equals the Frontier root at every size, for every block size', async () => {
    const all = leaves(70);
    const expected = frontierRoots(all);
    const sizes = expected.map((_, s) => s);
    for (const block of [1, 2, 4, 8, 64, 128]) {
      const got = await rootsAt(all, sizes, (jobs) => local(jobs, block), block);
      expect(sizes.map((s) => got.get(s))).toEqual(expected);
    }
  });

  it('leaves out sizes the leaves do not reach, and needs no blocks past the largest size asked for', async () => {
    const all = leaves(40);
    let asked = 0;
    const got = await rootsAt(all, [3, 16, 41, 100], (jobs) => ((asked = jobs.length), local(jobs, 8)), 8);
    expect([...got.keys()].sort((a, b) => a - b)).toEqual([3, 16]);
    expect(asked).toBe(2);
    expect(await rootsAt(all, [], (jobs) => local(jobs, 8), 8)).toEqual(new Map());
  });

  describe('through the pool, with blocks of the real size', () => {
    const pools = [inlineScanner(), workerScanner(1)];
    afterAll(() => Promise.all(pools.map((p) => p.close())));

    it('spans block boundaries correctly on the calling thread and in a worker', async () => {
      const n = BLOCK_LEAVES * 2 + 5;
      const all = leaves(n);
      const f = Frontier.empty();
      const sizes = [0, 1, 5, BLOCK_LEAVES - 1, BLOCK_LEAVES, BLOCK_LEAVES + 1, 2 * BLOCK_LEAVES, n];
      const expected = new Map<number, string>();
      if (sizes.includes(0)) expected.set(0, f.root().toString('hex'));
      for (let i = 0; i < n; i++) {
        f.append(all.subarray(i * 32, i * 32 + 32));
        if (sizes.includes(i + 1)) expected.set(i + 1, f.root().toString('hex'));
      }
      for (const pool of pools) expect(await rootsAt(all, sizes, (jobs) => pool.blocks(jobs))).toEqual(expected);
    });
  });
});

describe('ChainRoots', () => {
  /** `all` cut into runs of the given leaf counts (zeros included), as the scan hands a chain's batches over. */
  const cut = (all: Buffer, counts: number[]): Buffer[] => {
    const runs: Buffer[] = [];
    let at = 0;
    for (const c of counts) runs.push(all.subarray(32 * at, 32 * (at += c)));
    runs.push(all.subarray(32 * at));
    return runs;
  };

  it('gives the roots of the concatenated runs, whatever the runs, empty ones included', async () => {
    const all = leaves(70);
    const expected = frontierRoots(all);
    const sizes = expected.map((_, s) => s);
    for (const counts of [[], [1], [0, 3, 0, 0, 7], [8, 8, 8], [5, 11, 0, 20, 2], Array.from({ length: 69 }, () => 1)]) {
      for (const block of [1, 4, 8, 64]) {
        const got = await new ChainRoots(cut(all, counts), block).at(sizes, (jobs) => local(jobs, block));
        expect(
          sizes.map((s) => got.get(s)),
          `runs ${counts.join(',')}, blocks of ${block}`,
        ).toEqual(expected);
      }
    }
  });

  it('hashes a whole block once, however many times roots are asked for', async () => {
    const all = leaves(40);
    const expected = frontierRoots(all);
    const roots = new ChainRoots(cut(all, [7, 9, 13]), 8);
    const hashed: number[] = [];
    const counting = (jobs: Parameters<typeof blockFrontiers>[0][]) => (hashed.push(jobs.length), local(jobs, 8));
    expect((await roots.at([32, 40], counting)).get(40)).toBe(expected[40]);
    // the second ask needs only the block that 35 falls inside; blocks 0 to 3 are known
    expect((await roots.at([16, 35], counting)).get(35)).toBe(expected[35]);
    expect((await roots.at([16, 24], counting)).get(24)).toBe(expected[24]);
    expect(hashed).toEqual([5, 1, 0]);
  });

  describe('from the compact ranges the scan built', () => {
    /** Each run with the range over its leaves from `firstSeq` (its place, unless told otherwise). */
    const withRanges = (runs: Buffer[], place = (start: number) => start) => {
      let start = 0;
      return runs.map((leaves) => {
        const range = new CompactRange(place(start));
        for (let i = 0; i < leaves.length / 32; i++) range.appendLeaf(leaves, 32 * i);
        const run = { leaves, firstSeq: place(start), range: range.bytes() };
        start += leaves.length / 32;
        return run;
      });
    };
    const counting = (log: number[]) => (jobs: Parameters<typeof blockFrontiers>[0][]) => (log.push(jobs.length), local(jobs, 8));

    it('gives the roots at the ends of runs without hashing a block', async () => {
      const all = leaves(70);
      const expected = frontierRoots(all);
      const runs = withRanges(cut(all, [0, 3, 0, 7, 20, 1, 13]));
      const ends = [0, 3, 10, 30, 31, 44, 70];
      const hashed: number[] = [];
      const got = await new ChainRoots(runs, 8).at(ends, counting(hashed));
      expect(ends.map((s) => got.get(s))).toEqual(ends.map((s) => expected[s]));
      expect(hashed).toEqual([]);
    });

    it('uses the ranges, so a wrong range gives a wrong root', async () => {
      const all = leaves(40);
      const runs = withRanges(cut(all, [16, 16]));
      runs[1].range[5] ^= 1;
      const got = await new ChainRoots(runs, 8).at([16, 32, 40], counting([]));
      expect(got.get(16)).toBe(frontierRoots(all)[16]);
      expect(got.get(32)).not.toBe(frontierRoots(all)[32]);
    });

    it('hashes blocks instead when a size falls inside a run, a run sits elsewhere than its key says, or has no range', async () => {
      const all = leaves(40);
      const expected = frontierRoots(all);
      const inside = withRanges(cut(all, [10, 10]));
      const moved = withRanges(cut(all, [10, 10]), (start) => (start === 10 ? 11 : start));
      const missing = withRanges(cut(all, [10, 10])).map((r, i) => (i === 1 ? { leaves: r.leaves } : r));
      for (const [runs, sizes] of [
        [inside, [10, 15, 40]],
        [moved, [10, 20, 40]],
        [missing, [10, 20, 40]],
      ] as const) {
        const hashed: number[] = [];
        const got = await new ChainRoots(runs, 8).at(sizes, counting(hashed));
        expect(sizes.map((s) => got.get(s))).toEqual(sizes.map((s) => expected[s]));
        expect(hashed.length).toBeGreaterThan(0);
      }
    });
  });
});
