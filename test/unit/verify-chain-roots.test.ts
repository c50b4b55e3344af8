import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Frontier } from '../../lib/core/merkle';
import { rootsAt } from '../../lib/verify/chain-roots';
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

describe('rootsAt', () => {
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
