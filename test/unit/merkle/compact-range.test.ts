import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompactRange, MerkleError, frontierRanges, rangeLevels, rootOf, rootOfRange } from '../../../lib/core/merkle';
import { hex, makeLeaves } from './helpers';

/** The range over leaves [begin, end), appended leaf by leaf. */
function rangeOf(leaves: readonly Buffer[], begin: number, end: number): CompactRange {
  const r = new CompactRange(begin);
  for (let i = begin; i < end; i++) r.appendLeaf(leaves[i], 0);
  return r;
}

/** The range's hashes as hex, one per subtree. */
const hashesOf = (r: CompactRange): string[] => (r.bytes().toString('hex').match(/.{64}/g) ?? []) as string[];

function expectMerkleError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MerkleError);
    expect((e as MerkleError).code).toBe(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe('rangeLevels', () => {
  it('gives the frontier of a tree for ranges that begin at 0', () => {
    for (let n = 0; n <= 300; n++) {
      const widths = rangeLevels(0, n).map((l) => 2 ** l);
      expect(widths).toEqual(frontierRanges(n).map((r) => r.end - r.start));
    }
  });

  it('covers [begin, end) with aligned perfect subtrees, sizes rising then falling', () => {
    expect(rangeLevels(1, 3)).toEqual([0, 0]);
    expect(rangeLevels(3, 13)).toEqual([0, 2, 2, 0]);
    expect(rangeLevels(5, 5)).toEqual([]);
    for (let begin = 0; begin <= 70; begin++) {
      for (let end = begin; end <= 140; end++) {
        let at = begin;
        for (const level of rangeLevels(begin, end)) {
          expect(at % 2 ** level).toBe(0);
          at += 2 ** level;
        }
        expect(at).toBe(end);
      }
    }
  });

  it('works near 2^53 without 32-bit arithmetic', () => {
    const end = Number.MAX_SAFE_INTEGER;
    const levels = rangeLevels(end - 5, end);
    expect(levels.reduce((n, l) => n + 2 ** l, 0)).toBe(5);
    expect(rangeLevels(2 ** 40, 2 ** 40 + 2 ** 33)).toEqual([33]);
  });

  it('refuses an end before the begin, and sizes that are not safe integers', () => {
    expectMerkleError(() => rangeLevels(5, 4), 'INVALID_ARGUMENT');
    expectMerkleError(() => rangeLevels(-1, 4), 'INVALID_ARGUMENT');
    expectMerkleError(() => rangeLevels(0, 2 ** 53), 'INVALID_ARGUMENT');
  });
});

describe('CompactRange', () => {
  const leaves = makeLeaves(200, 11);

  it('holds, for every range within 0..72, the root of each subtree rangeLevels names', () => {
    for (let begin = 0; begin <= 72; begin++) {
      for (let end = begin; end <= 72; end++) {
        const r = rangeOf(leaves, begin, end);
        expect([r.begin, r.end]).toEqual([begin, end]);
        let at = begin;
        const expected = rangeLevels(begin, end).map((level) => {
          const h = hex(rootOfRange(leaves, at, at + 2 ** level));
          at += 2 ** level;
          return h;
        });
        expect(hashesOf(r), `[${begin}, ${end})`).toEqual(expected);
      }
    }
  });

  it('gives the tree root from 0 after every append, for sizes 0..200', () => {
    const r = new CompactRange();
    for (let n = 0; n <= leaves.length; n++) {
      expect(hex(r.root()), `size ${n}`).toBe(hex(rootOf(leaves.slice(0, n))));
      if (n < leaves.length) r.appendLeaf(leaves[n], 0);
    }
  });

  it('joins adjacent ranges cut anywhere into the tree root', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 8 }), (cuts) => {
        const points = [...new Set([0, ...cuts, 200])].sort((a, b) => a - b);
        const whole = new CompactRange();
        for (let i = 1; i < points.length; i++) {
          const part = rangeOf(leaves, points[i - 1], points[i]);
          whole.appendRange(part.end, part.bytes());
          expect(hex(whole.root())).toBe(hex(rootOf(leaves.slice(0, points[i]))));
        }
        expect(hashesOf(whole)).toEqual(hashesOf(rangeOf(leaves, 0, 200)));
      }),
    );
  });

  it('reads a leaf at an offset in a larger buffer, and starts again after reset', () => {
    const packed = Buffer.concat(leaves.slice(0, 9));
    const r = new CompactRange(3);
    r.appendLeaf(packed, 5 * 32);
    r.reset(0);
    for (let i = 0; i < 9; i++) r.appendLeaf(packed, 32 * i);
    expect(hex(r.root())).toBe(hex(rootOf(leaves.slice(0, 9))));
  });

  it('changes its root when any appended leaf has one bit flipped', () => {
    const base = hex(rangeOf(leaves, 0, 37).root());
    for (let i = 0; i < 37; i++) {
      const tampered = leaves.slice(0, 37).map((l) => Buffer.from(l));
      tampered[i][i % 32] ^= 1;
      expect(hex(rangeOf(tampered, 0, 37).root())).not.toBe(base);
    }
  });

  it('refuses a subtree that does not start on a multiple of its size, a wrong number of hashes, and a root of a range not from 0', () => {
    const r = new CompactRange(3);
    expectMerkleError(() => r.appendNode(1, leaves[0], 0), 'INVALID_ARGUMENT');
    expectMerkleError(() => r.appendRange(8, Buffer.alloc(32)), 'INVALID_ARGUMENT');
    expectMerkleError(() => r.root(), 'INVALID_ARGUMENT');
    expectMerkleError(() => new CompactRange(-1), 'INVALID_ARGUMENT');
  });
});
