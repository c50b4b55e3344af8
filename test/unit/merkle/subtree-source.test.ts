import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Frontier,
  type SubtreeRange,
  consistencyProof,
  consistencyProofFrom,
  frontierFrom,
  inclusionProof,
  inclusionProofFrom,
  leafHash,
  nodeHash,
  rootOf,
  rootOfRange,
  verifyConsistency,
  verifyInclusion,
} from '../../../lib/core/merkle';
import { hex, makeLeaves } from './helpers';

/**
 * A source backed by leaves in memory that records what it was asked for; the
 * optional shared cache only saves test time.
 */
function recordingSource(
  leaves: readonly Buffer[],
  cache = new Map<string, Buffer>(),
): { get: (s: number, e: number) => Promise<Buffer>; asked: SubtreeRange[] } {
  const asked: SubtreeRange[] = [];
  return {
    asked,
    get: async (start, end) => {
      asked.push({ start, end });
      const key = `${start}:${end}`;
      let h = cache.get(key);
      if (h === undefined) {
        h = rootOfRange(leaves, start, end);
        cache.set(key, h);
      }
      return h;
    },
  };
}

const ceilLog2 = (n: number): number => (n <= 1 ? 0 : Math.ceil(Math.log2(n)));

/** What a tile store can serve cheaply: a perfect aligned subtree, or one ending at the tree's size. */
function isServable(r: SubtreeRange, size: number): boolean {
  const width = r.end - r.start;
  const perfect = width > 0 && (width & (width - 1)) === 0 && r.start % width === 0;
  return r.start < r.end && r.end <= size && (perfect || r.end === size);
}

describe('proofs from a source of subtree roots', () => {
  it('inclusion: same proof as the array version for every index, asking for at most ceil(log2 n) subtrees', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.nat(), async (n, seed) => {
        const leaves = makeLeaves(n, seed);
        const cache = new Map<string, Buffer>();
        for (let i = 0; i < n; i++) {
          const src = recordingSource(leaves, cache);
          const proof = await inclusionProofFrom(i, n, src.get);
          expect(proof.map(hex)).toEqual(inclusionProof(i, leaves).map(hex));
          expect(src.asked.length).toBe(proof.length);
          expect(src.asked.length).toBeLessThanOrEqual(ceilLog2(n));
          for (const r of src.asked) expect(isServable(r, n), `[${r.start}, ${r.end}) in ${n}`).toBe(true);
        }
      }),
      { numRuns: 10 },
    );
  });

  it('consistency: same proof as the array version for every m, asking for at most ceil(log2 n) + 1 subtrees', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.nat(), async (n, seed) => {
        const leaves = makeLeaves(n, seed);
        const cache = new Map<string, Buffer>();
        for (let m = 0; m <= n; m++) {
          const src = recordingSource(leaves, cache);
          const proof = await consistencyProofFrom(m, n, src.get);
          expect(proof.map(hex)).toEqual(consistencyProof(m, leaves).map(hex));
          expect(src.asked.length).toBeLessThanOrEqual(ceilLog2(n) + 1);
          for (const r of src.asked) expect(isServable(r, n), `[${r.start}, ${r.end}) in ${n}`).toBe(true);
        }
      }),
      { numRuns: 10 },
    );
  });

  it('frontier: asks only for perfect subtrees and rebuilds the frontier of any prefix', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 300 }), fc.nat(), async (n, seed) => {
        const leaves = makeLeaves(n, seed);
        const src = recordingSource(leaves);
        const f = await frontierFrom(n, src.get);
        expect(hex(f.root())).toBe(hex(rootOf(leaves)));
        for (const r of src.asked) expect(isServable(r, r.end), `[${r.start}, ${r.end})`).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('asks a million-leaf tree for about 20 subtrees per proof', async () => {
    const n = 1_000_000;
    const fake =
      (asked: SubtreeRange[]) =>
      (start: number, end: number): Buffer => {
        asked.push({ start, end });
        return leafHash(Buffer.from(`${start}-${end}`));
      };
    for (const i of [0, 1, 499_999, 524_287, 524_288, 999_998, 999_999]) {
      const asked: SubtreeRange[] = [];
      const proof = await inclusionProofFrom(i, n, fake(asked));
      expect(asked.length).toBe(proof.length);
      expect(asked.length).toBeLessThanOrEqual(20);
      // The subtrees of a path are disjoint and, with the leaf, cover the whole tree.
      const covered = asked.reduce((sum, r) => sum + (r.end - r.start), 1);
      expect(covered).toBe(n);
    }
    for (const m of [1, 2, 3, 524_288, 524_289, 999_999]) {
      const asked: SubtreeRange[] = [];
      await consistencyProofFrom(m, n, fake(asked));
      expect(asked.length).toBeLessThanOrEqual(21);
    }
  });

  it('handles sizes beyond 2^32 exactly (a virtual tree of identical leaves)', async () => {
    // In a tree whose leaves are all equal, MTH of a range depends only on its
    // width, so any subtree root of a huge tree costs O(log width) hashes.
    const leaf = leafHash(Buffer.from('same'));
    const memo = new Map<number, Buffer>([[1, leaf]]);
    const widthRoot = (w: number): Buffer => {
      let r = memo.get(w);
      if (r === undefined) {
        let k = 1;
        while (k * 2 < w) k *= 2;
        r = nodeHash(widthRoot(k), widthRoot(w - k));
        memo.set(w, r);
      }
      return r;
    };
    const source = (start: number, end: number): Buffer => widthRoot(end - start);
    const n = 2 ** 41 + 2 ** 33 + 3;
    const root = widthRoot(n);
    for (const i of [0, 2 ** 32 - 1, 2 ** 32, 2 ** 41 - 1, 2 ** 41, n - 2, n - 1]) {
      const proof = await inclusionProofFrom(i, n, source);
      expect(verifyInclusion(i, n, leaf, proof, root), `index ${i}`).toBe(true);
    }
    for (const m of [1, 2 ** 32 + 1, 2 ** 41, 2 ** 41 + 5, n - 1]) {
      const proof = await consistencyProofFrom(m, n, source);
      expect(verifyConsistency(m, n, widthRoot(m), root, proof), `old size ${m}`).toBe(true);
    }
    const f = await frontierFrom(n, source);
    expect(f.size).toBe(n);
    expect(hex(f.root())).toBe(hex(root));
    const next = Frontier.fromJSON(f.toJSON());
    next.append(leaf);
    expect(hex(next.root())).toBe(hex(widthRoot(n + 1)));
  });

  it('matches the array versions on a tree of 2^15 + 3 leaves, with a caching source', async () => {
    const n = 2 ** 15 + 3;
    const leaves = makeLeaves(n, 11);
    const cache = new Map<string, Buffer>();
    let computed = 0;
    let asked = 0;
    const cached = (start: number, end: number): Buffer => {
      asked++;
      const key = `${start}:${end}`;
      let h = cache.get(key);
      if (h === undefined) {
        computed++;
        h = rootOfRange(leaves, start, end);
        cache.set(key, h);
      }
      return h;
    };
    const root = rootOf(leaves);
    expect(hex((await frontierFrom(n, cached)).root())).toBe(hex(root));
    for (const i of [0, 22_222, n - 1]) {
      const proof = await inclusionProofFrom(i, n, cached);
      expect(proof.map(hex)).toEqual(inclusionProof(i, leaves).map(hex));
      expect(verifyInclusion(i, n, leaves[i]!, proof, root)).toBe(true);
    }
    // Ranges are canonical, so proofs and frontiers share their upper subtrees
    // and a caller's cache serves them.
    expect(computed).toBeLessThan(asked);
    const proof = await consistencyProofFrom(25_000, n, cached);
    expect(proof.map(hex)).toEqual(consistencyProof(25_000, leaves).map(hex));
  });

  it('rejects a source that returns something other than a 32-byte hash, and bad arguments, as promise rejections', async () => {
    const leaves = makeLeaves(10, 12);
    await expect(inclusionProofFrom(3, 10, () => Buffer.alloc(31))).rejects.toMatchObject({ code: 'INVALID_HASH' });
    await expect(consistencyProofFrom(3, 10, async () => 'nope' as never)).rejects.toMatchObject({ code: 'INVALID_HASH' });
    await expect(inclusionProofFrom(10, 10, recordingSource(leaves).get)).rejects.toMatchObject({ code: 'INDEX_OUT_OF_RANGE' });
    await expect(consistencyProofFrom(11, 10, recordingSource(leaves).get)).rejects.toMatchObject({ code: 'SIZE_OUT_OF_RANGE' });
    await expect(frontierFrom(-1, recordingSource(leaves).get)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
