import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Frontier, MerkleError, frontierRanges, rootOf, rootOfRange } from '../../../lib/core/merkle';
import { hex, makeLeaves } from './helpers';

function frontierOf(leaves: readonly Buffer[]): Frontier {
  const f = Frontier.empty();
  for (const l of leaves) f.append(l);
  return f;
}

function expectFrontierError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MerkleError);
    expect((e as MerkleError).code).toBe('INVALID_FRONTIER');
    return;
  }
  expect.fail('expected an INVALID_FRONTIER error');
}

describe('Frontier', () => {
  it('has the same root as rootOf after every append, and after a JSON round trip, for sizes 0..300', () => {
    const leaves = makeLeaves(300, 3);
    const f = Frontier.empty();
    for (let n = 0; n <= leaves.length; n++) {
      const expected = hex(rootOf(leaves.slice(0, n)));
      expect(f.size).toBe(n);
      expect(hex(f.root()), `size ${n}`).toBe(expected);
      const stored = JSON.parse(JSON.stringify(f.toJSON()));
      expect(hex(Frontier.fromJSON(stored).root()), `size ${n} after JSON`).toBe(expected);
      if (n < leaves.length) f.append(leaves[n]!);
    }
  });

  it('keeps exactly the roots of the perfect subtrees, left to right, one per set bit of the size', () => {
    const leaves = makeLeaves(300, 4);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), (n) => {
        const f = frontierOf(leaves.slice(0, n));
        const ranges = frontierRanges(n);
        expect(ranges.length).toBe(n.toString(2).replace(/0/g, '').length);
        expect(f.toJSON().hashes).toEqual(ranges.map((r) => hex(rootOfRange(leaves, r.start, r.end))));
        expect(f.subtreeRoots().map(hex)).toEqual(f.toJSON().hashes);
      }),
    );
  });

  it('continues identically after being stored and loaded at any point (what the ingest does between batches)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 200 }), fc.nat(), (before, after, seed) => {
        const leaves = makeLeaves(before + after, seed);
        const first = frontierOf(leaves.slice(0, before));
        const resumed = Frontier.fromJSON(JSON.parse(JSON.stringify(first.toJSON())));
        for (const l of leaves.slice(before)) resumed.append(l);
        expect(resumed.size).toBe(before + after);
        expect(hex(resumed.root())).toBe(hex(rootOf(leaves)));
        expect(resumed.toJSON()).toEqual(frontierOf(leaves).toJSON());
      }),
      { numRuns: 100 },
    );
  });

  it('clones independently of the original', () => {
    const leaves = makeLeaves(12, 5);
    const f = frontierOf(leaves.slice(0, 7));
    const c = f.clone();
    c.append(leaves[7]!);
    expect(f.size).toBe(7);
    expect(hex(f.root())).toBe(hex(rootOf(leaves.slice(0, 7))));
    expect(hex(c.root())).toBe(hex(rootOf(leaves.slice(0, 8))));
    f.append(leaves[7]!);
    f.append(leaves[8]!);
    expect(c.size).toBe(8);
    expect(hex(c.root())).toBe(hex(rootOf(leaves.slice(0, 8))));
  });

  it('is not affected when the caller later changes the leaf bytes or the returned root', () => {
    const leaves = makeLeaves(3, 6);
    const f = Frontier.empty();
    const mine = Buffer.from(leaves[0]!);
    f.append(mine);
    mine.fill(0);
    f.root().fill(0);
    expect(hex(f.root())).toBe(hex(leaves[0]!));
    f.append(leaves[1]!);
    f.append(leaves[2]!);
    expect(hex(f.root())).toBe(hex(rootOf(leaves)));
  });

  it('writes lower-case hex and the empty frontier as size 0 with no hashes', () => {
    expect(Frontier.empty().toJSON()).toEqual({ size: 0, hashes: [] });
    const json = frontierOf(makeLeaves(5, 8)).toJSON();
    expect(json.size).toBe(5);
    expect(json.hashes).toHaveLength(2);
    for (const h of json.hashes) expect(h).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects a stored frontier that cannot describe a tree', () => {
    const good = frontierOf(makeLeaves(6, 9)).toJSON(); // size 6 = 0b110: two hashes
    const [a, b] = good.hashes as [string, string];
    expectFrontierError(() => Frontier.fromJSON({ size: 6, hashes: [a] }));
    expectFrontierError(() => Frontier.fromJSON({ size: 6, hashes: [a, b, a] }));
    expectFrontierError(() => Frontier.fromJSON({ size: 7, hashes: [a, b] }));
    expectFrontierError(() => Frontier.fromJSON({ size: 0, hashes: [a] }));
    expectFrontierError(() => Frontier.fromJSON({ size: -2, hashes: [a] }));
    expectFrontierError(() => Frontier.fromJSON({ size: 6.5, hashes: [a, b] }));
    expectFrontierError(() => Frontier.fromJSON({ size: 2 ** 53, hashes: [a] }));
    expectFrontierError(() => Frontier.fromJSON({ size: 6, hashes: [a, b.toUpperCase()] }));
    expectFrontierError(() => Frontier.fromJSON({ size: 6, hashes: [a, b.slice(2)] }));
    expectFrontierError(() => Frontier.fromJSON({ size: 6, hashes: [a, `${b.slice(0, 62)}zz`] }));
    expectFrontierError(() => Frontier.fromJSON({ size: '6', hashes: [a, b] } as never));
    expectFrontierError(() => Frontier.fromJSON({ size: 6, hashes: `${a}${b}` } as never));
    expectFrontierError(() => Frontier.fromJSON({ size: 6, hashes: [a, 7] } as never));
    expectFrontierError(() => Frontier.fromJSON(null as never));
    expectFrontierError(() => Frontier.fromSubtreeRoots(6, [Buffer.alloc(32), Buffer.alloc(31)]));
    expect(hex(Frontier.fromJSON({ size: 6, hashes: [a, b] }).root())).toBe(hex(frontierOf(makeLeaves(6, 9)).root()));
  });

  it('rejects appending something that is not a 32-byte hash', () => {
    const f = Frontier.empty();
    for (const bad of [Buffer.alloc(31), Buffer.alloc(33), new Uint8Array(0)]) {
      expect(() => f.append(bad)).toThrow(expect.objectContaining({ code: 'INVALID_HASH' }));
    }
    expect(f.size).toBe(0);
  });
});
