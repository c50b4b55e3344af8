import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inclusionProof, leafHash, rootOfRange, consistencyProof } from '../../../lib/core/merkle';
import { inclusionRanges, consistencyRanges } from '../../../lib/core/merkle/ranges';
import {
  TILE_WIDTH,
  TileBuilder,
  decodeTile,
  encodeTile,
  encodeTileIndex,
  parseTilePath,
  rangeRootFromTiles,
  tileKey,
  tilePath,
  tilesAdded,
  tilesForRange,
  tilesOfTree,
  type BuiltTile,
  type TileCoord,
} from '../../../lib/core/tiles';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
const name = (t: TileCoord) => tilePath(t);

/** All tiles of a tree grown to each size in turn, as the seal writes them. */
function grow(all: readonly Buffer[], sizes: readonly number[]): Map<string, Buffer[]> {
  const store = new Map<string, Buffer[]>();
  const keep = (t: BuiltTile) => store.set(name(t.coord), t.hashes);
  let b = TileBuilder.empty();
  for (const size of sizes) {
    // Resume from what is stored, as a fresh seal would.
    const pending = b.partials().reduce<Buffer[][]>((acc, t) => ((acc[t.coord.level] = store.get(name(t.coord))!), acc), []);
    b = TileBuilder.resume(
      b.size,
      Array.from({ length: pending.length }, (_, i) => pending[i] ?? []),
    );
    for (let i = b.size; i < size; i++) b.append(all[i]!).forEach(keep);
    b.partials().forEach(keep);
  }
  return store;
}

describe('C2SP tile paths', () => {
  it('encodes the spec examples', () => {
    expect(encodeTileIndex(1234067)).toBe('x001/x234/067');
    expect(encodeTileIndex(0)).toBe('000');
    expect(encodeTileIndex(999)).toBe('999');
    expect(encodeTileIndex(1000)).toBe('x001/000');
    expect(tilePath({ level: 0, index: 1234067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 1, index: 1234067, width: 8 })).toBe('tile/1/x001/x234/067.p/8');
    expect(tileKey('api', { level: 2, index: 5, width: 1 })).toBe('tiles/api/tile/2/005.p/1');
  });

  it('parses exactly what it writes and nothing else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 256 }), (level, index, width) => {
        const t = { level, index, width };
        expect(parseTilePath(tilePath(t))).toEqual(t);
      }),
    );
    for (const bad of [
      'tile/0/1',
      'tile/00/000',
      'tile/64/000',
      'tile/0/x000/001',
      'tile/0/001.p/0',
      'tile/0/001.p/256',
      'tile/0/001.p/08',
      'tile/0/001/',
      'tile/entries/000',
    ]) {
      expect(() => parseTilePath(bad), bad).toThrow(expect.objectContaining({ code: 'TILE_PATH' }));
    }
  });
});

describe('tile layout', () => {
  it('matches the spec: size 70,000 and size 256', () => {
    const t = tilesOfTree(70_000);
    expect(t.filter((x) => x.level === 0 && x.width === TILE_WIDTH)).toHaveLength(273);
    expect(t.filter((x) => x.width < TILE_WIDTH).map((x) => [x.level, x.width])).toEqual([
      [0, 112],
      [1, 17],
      [2, 1],
    ]);
    expect(t.filter((x) => x.level === 1 && x.width === TILE_WIDTH)).toHaveLength(1);
    expect(tilesOfTree(256).map(name)).toEqual(['tile/0/000', 'tile/1/000.p/1']);
    expect(tilesOfTree(0)).toEqual([]);
  });

  it('adds only new full tiles and the changed partial tiles', () => {
    expect(tilesAdded(0, 70_000).map(name).sort()).toEqual(tilesOfTree(70_000).map(name).sort());
    expect(tilesAdded(300, 300)).toEqual([]);
    expect(tilesAdded(300, 310).map(name)).toEqual(['tile/0/001.p/54']);
    expect(tilesAdded(500, 520).map(name)).toEqual(['tile/0/001', 'tile/0/002.p/8', 'tile/1/000.p/2']);
  });
});

describe('tile contents', () => {
  it('round-trip and reject wrong lengths', () => {
    const hs = leaves(3);
    const body = encodeTile(hs);
    expect(body.length).toBe(96);
    expect(decodeTile(body, { level: 0, index: 0, width: 3 })).toEqual(hs);
    // A wider tile serves a narrower one (C2SP: full tile as fallback for a partial).
    expect(decodeTile(body, { level: 0, index: 0, width: 2 })).toEqual(hs.slice(0, 2));
    expect(() => decodeTile(body.subarray(0, 95), { level: 0, index: 0, width: 3 })).toThrow(expect.objectContaining({ code: 'TILE_BODY' }));
    expect(() => decodeTile(body, { level: 0, index: 0, width: 4 })).toThrow(expect.objectContaining({ code: 'TILE_BODY' }));
  });

  it('hold MTH of 256^level leaves per hash, whatever sizes the tree was grown through', () => {
    const all = leaves(70_500);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 70_500 }), { minLength: 1, maxLength: 4 }), (raw) => {
        const sizes = [...raw].sort((a, b) => a - b);
        const store = grow(all, sizes);
        const size = sizes[sizes.length - 1]!;
        for (const t of tilesOfTree(size)) {
          const hs = store.get(name(t));
          expect(hs, name(t)).toBeDefined();
          const span = 256 ** t.level;
          // Spot-check the first, last and one middle hash of each tile.
          for (const i of new Set([0, t.width - 1, t.width >> 1])) {
            const first = (t.index * TILE_WIDTH + i) * span;
            expect(hs![i]!.equals(rootOfRange(all, first, first + span)), `${name(t)}[${i}]`).toBe(true);
          }
        }
      }),
      { numRuns: 6 },
    );
  });
});

describe('proofs from tiles', () => {
  const all = leaves(70_100);
  it('give every subtree root of inclusion and consistency proofs, for random sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70_100 }), fc.nat(), fc.nat(), (size, a, b) => {
        const sized = grow(all, [size]);
        const get = (c: TileCoord) => sized.get(tilePath(c))!;
        const index = a % size;
        const path = inclusionRanges(index, size).map((r) => rangeRootFromTiles(r.start, r.end, size, get));
        expect(path).toEqual(inclusionProof(index, all.slice(0, size)));
        const old = 1 + (b % size);
        const proof = consistencyRanges(old, size).map((r) => rangeRootFromTiles(r.start, r.end, size, get));
        expect(proof).toEqual(consistencyProof(old, all.slice(0, size)));
        for (const r of inclusionRanges(index, size)) expect(tilesForRange(r.start, r.end, size).length).toBeLessThanOrEqual(4);
      }),
      { numRuns: 10 },
    );
  });
});
