import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Frontier, consistencyProof, inclusionProof, rootOf, verifyConsistency, verifyInclusion } from '../../../lib/core/merkle';
import { flipBit, flipProofBit, makeLeaves } from './helpers';

const MAX = 300;

/** Leaves plus the root of every prefix, so wrong-size checks can use the right root. */
function treeOf(n: number, seed: number): { leaves: Buffer[]; roots: Buffer[] } {
  const leaves = makeLeaves(n, seed);
  const f = Frontier.empty();
  const roots = [f.root()];
  for (const l of leaves) {
    f.append(l);
    roots.push(f.root());
  }
  return { leaves, roots };
}

const size = fc.integer({ min: 1, max: MAX });
const seed = fc.nat();

describe('inclusion proofs (property-based)', () => {
  it('verify for every index of sampled sizes 1..300', () => {
    fc.assert(
      fc.property(size, seed, (n, s) => {
        const leaves = makeLeaves(n, s);
        const root = rootOf(leaves);
        for (let i = 0; i < n; i++) {
          if (!verifyInclusion(i, n, leaves[i]!, inclusionProof(i, leaves), root)) return false;
        }
        return true;
      }),
      { numRuns: 15 },
    );
  });

  it('fail when any bit of any proof hash, of the leaf or of the root is flipped', () => {
    fc.assert(
      fc.property(size, seed, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (n, s, i0, at0, bit) => {
        const leaves = makeLeaves(n, s);
        const i = i0 % n;
        const root = rootOf(leaves);
        const proof = inclusionProof(i, leaves);
        if (proof.length > 0) expect(verifyInclusion(i, n, leaves[i]!, flipProofBit(proof, at0 % proof.length, bit), root)).toBe(false);
        expect(verifyInclusion(i, n, flipBit(leaves[i]!, bit), proof, root)).toBe(false);
        expect(verifyInclusion(i, n, leaves[i]!, proof, flipBit(root, bit))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('fail when every bit of every hash is flipped in turn (all indices of a 13-leaf tree)', () => {
    const n = 13;
    const leaves = makeLeaves(n, 1);
    const root = rootOf(leaves);
    for (let i = 0; i < n; i++) {
      const proof = inclusionProof(i, leaves);
      for (let bit = 0; bit < 256; bit++) {
        for (let at = 0; at < proof.length; at++) {
          expect(verifyInclusion(i, n, leaves[i]!, flipProofBit(proof, at, bit), root)).toBe(false);
        }
        expect(verifyInclusion(i, n, flipBit(leaves[i]!, bit), proof, root)).toBe(false);
        expect(verifyInclusion(i, n, leaves[i]!, proof, flipBit(root, bit))).toBe(false);
      }
    }
  });

  it('fail for a wrong index, whether the leaf stays or is swapped for the other index', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: MAX }), seed, fc.nat(), fc.nat(), (n, s, i0, j0) => {
        const leaves = makeLeaves(n, s);
        const i = i0 % n;
        const j = (i + 1 + (j0 % (n - 1))) % n; // any index but i
        const root = rootOf(leaves);
        const proof = inclusionProof(i, leaves);
        expect(verifyInclusion(j, n, leaves[i]!, proof, root)).toBe(false);
        expect(verifyInclusion(j, n, leaves[j]!, proof, root)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('fail against the root of every other tree size', () => {
    fc.assert(
      fc.property(size, seed, fc.nat(), (n, s, i0) => {
        const { leaves, roots } = treeOf(MAX, s);
        const i = i0 % n;
        const proof = inclusionProof(i, leaves.slice(0, n));
        for (let other = i + 1; other <= MAX; other++) {
          if (other !== n && verifyInclusion(i, other, leaves[i]!, proof, roots[other]!)) return false;
        }
        return verifyInclusion(i, n, leaves[i]!, proof, roots[n]!);
      }),
      { numRuns: 20 },
    );
  });

  it('fail for a tree twice or half as large even with the root unchanged (a path of another length)', () => {
    // Only the path length ties a proof to its size; sizes with the same path
    // shape (often n - 1 and n + 1) cannot be told apart without the root, which is
    // why a root must always come with the size it was signed with.
    fc.assert(
      fc.property(size, seed, fc.nat(), (n, s, i0) => {
        const leaves = makeLeaves(n, s);
        const i = i0 % n;
        const root = rootOf(leaves);
        const proof = inclusionProof(i, leaves);
        expect(verifyInclusion(i, 2 * n, leaves[i]!, proof, root)).toBe(false);
        if (i < Math.floor(n / 2)) expect(verifyInclusion(i, Math.floor(n / 2), leaves[i]!, proof, root)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('fail when the proof is shortened, lengthened or has a hash of the wrong length', () => {
    fc.assert(
      fc.property(size, seed, fc.nat(), (n, s, i0) => {
        const leaves = makeLeaves(n, s);
        const i = i0 % n;
        const root = rootOf(leaves);
        const proof = inclusionProof(i, leaves);
        const leaf = leaves[i]!;
        expect(verifyInclusion(i, n, leaf, [...proof, root], root)).toBe(false);
        expect(verifyInclusion(i, n, leaf, [root, ...proof], root)).toBe(false);
        expect(verifyInclusion(i, n, leaf, [...proof, proof[0] ?? leaf], root)).toBe(false);
        if (proof.length > 0) {
          expect(verifyInclusion(i, n, leaf, proof.slice(1), root)).toBe(false);
          expect(verifyInclusion(i, n, leaf, proof.slice(0, -1), root)).toBe(false);
          const short = proof.map((h, k) => (k === proof.length - 1 ? h.subarray(0, 31) : h));
          expect(verifyInclusion(i, n, leaf, short, root)).toBe(false);
          const long = proof.map((h, k) => (k === 0 ? Buffer.concat([h, Buffer.alloc(1)]) : h));
          expect(verifyInclusion(i, n, leaf, long, root)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('consistency proofs (property-based)', () => {
  it('verify for every 0 < m <= n of sampled sizes 1..300', () => {
    fc.assert(
      fc.property(size, seed, (n, s) => {
        const { leaves, roots } = treeOf(n, s);
        for (let m = 1; m <= n; m++) {
          if (!verifyConsistency(m, n, roots[m]!, roots[n]!, consistencyProof(m, leaves))) return false;
        }
        return true;
      }),
      { numRuns: 15 },
    );
  });

  it('fail when any bit of any proof hash or of either root is flipped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: MAX }), seed, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (n, s, m0, at0, bit) => {
        const { leaves, roots } = treeOf(n, s);
        const m = 1 + (m0 % (n - 1)); // 0 < m < n: a proof with hashes in it
        const proof = consistencyProof(m, leaves);
        expect(proof.length).toBeGreaterThan(0);
        expect(verifyConsistency(m, n, roots[m]!, roots[n]!, flipProofBit(proof, at0 % proof.length, bit))).toBe(false);
        expect(verifyConsistency(m, n, flipBit(roots[m]!, bit), roots[n]!, proof)).toBe(false);
        expect(verifyConsistency(m, n, roots[m]!, flipBit(roots[n]!, bit), proof)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('fail when every bit of every hash is flipped in turn (all m of a 13-leaf tree)', () => {
    const n = 13;
    const { leaves, roots } = treeOf(n, 2);
    for (let m = 1; m < n; m++) {
      const proof = consistencyProof(m, leaves);
      for (let bit = 0; bit < 256; bit++) {
        for (let at = 0; at < proof.length; at++) {
          expect(verifyConsistency(m, n, roots[m]!, roots[n]!, flipProofBit(proof, at, bit))).toBe(false);
        }
        expect(verifyConsistency(m, n, flipBit(roots[m]!, bit), roots[n]!, proof)).toBe(false);
        expect(verifyConsistency(m, n, roots[m]!, flipBit(roots[n]!, bit), proof)).toBe(false);
      }
    }
  });

  it('fail when either size is wrong, even against the roots of the claimed sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: MAX }), seed, fc.nat(), (n, s, m0) => {
        const { leaves, roots } = treeOf(MAX, s);
        const m = 1 + (m0 % (n - 1));
        const proof = consistencyProof(m, leaves.slice(0, n));
        for (let otherOld = 1; otherOld <= n; otherOld++) {
          if (otherOld === m) continue;
          if (verifyConsistency(otherOld, n, roots[otherOld]!, roots[n]!, proof)) return false;
          // Unlike a new size, a wrong old size fails even with the true old root.
          if (verifyConsistency(otherOld, n, roots[m]!, roots[n]!, proof)) return false;
        }
        for (let otherNew = m; otherNew <= MAX; otherNew++) {
          if (otherNew !== n && verifyConsistency(m, otherNew, roots[m]!, roots[otherNew]!, proof)) return false;
        }
        return verifyConsistency(m, n, roots[m]!, roots[n]!, proof);
      }),
      { numRuns: 20 },
    );
  });

  it('fail for every wrong old size of every tree up to 32 leaves, with the true roots', () => {
    const { leaves, roots } = treeOf(32, 3);
    for (let n = 2; n <= 32; n++) {
      for (let m = 1; m < n; m++) {
        const proof = consistencyProof(m, leaves.slice(0, n));
        for (let other = 1; other < n; other++) {
          if (other !== m) expect(verifyConsistency(other, n, roots[m]!, roots[n]!, proof), `PROOF(${m}, D[${n}]) as ${other}`).toBe(false);
        }
      }
    }
  });

  it('fail for a new tree twice or half as large even with the roots unchanged', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: MAX }), seed, fc.nat(), (n, s, m0) => {
        const { leaves, roots } = treeOf(n, s);
        const m = 1 + (m0 % (n - 1));
        const proof = consistencyProof(m, leaves);
        expect(verifyConsistency(m, 2 * n, roots[m]!, roots[n]!, proof)).toBe(false);
        if (m <= Math.floor(n / 2)) expect(verifyConsistency(m, Math.floor(n / 2), roots[m]!, roots[n]!, proof)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('fail when the proof is shortened, lengthened, empty or has a hash of the wrong length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: MAX }), seed, fc.nat(), (n, s, m0) => {
        const { leaves, roots } = treeOf(n, s);
        const m = 1 + (m0 % (n - 1));
        const proof = consistencyProof(m, leaves);
        const [a, b] = [roots[m]!, roots[n]!];
        expect(verifyConsistency(m, n, a, b, [])).toBe(false);
        expect(verifyConsistency(m, n, a, b, proof.slice(1))).toBe(false);
        expect(verifyConsistency(m, n, a, b, proof.slice(0, -1))).toBe(false);
        expect(verifyConsistency(m, n, a, b, [...proof, a])).toBe(false);
        expect(verifyConsistency(m, n, a, b, [...proof, b])).toBe(false);
        expect(verifyConsistency(m, n, a, b, [a, ...proof])).toBe(false);
        expect(verifyConsistency(m, n, a, b, [proof[0]!, ...proof])).toBe(false);
        expect(
          verifyConsistency(
            m,
            n,
            a,
            b,
            proof.map((h, k) => (k === 0 ? h.subarray(1) : h)),
          ),
        ).toBe(false);
        // A rollback: the new tree presented as the old one.
        expect(verifyConsistency(m, n, b, a, proof)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
