import { nodeHash, rootOfRange } from '../merkle';
import { MerkleError } from '../merkle/errors';
import { isPowerOfTwo, splitPoint } from '../merkle/ranges';
import { tileOfEntry } from './layout';
import { TILE_HEIGHT, TILE_WIDTH, type TileCoord } from './path';

/** The hashes of a tile of the tree being read (as many as its coordinate's width). */
export type TileLookup = (coord: TileCoord) => readonly Uint8Array[];

function log2(width: number): number {
  let h = 0;
  while (2 ** h < width) h++;
  return h;
}

/** Where the root of the perfect subtree D[start : start + 2^height] is stored: which tile, and which of its hashes to fold. */
function perfectNode(start: number, height: number, size: number): { coord: TileCoord; from: number; count: number } {
  const level = Math.floor(height / TILE_HEIGHT);
  const first = start / 2 ** (TILE_HEIGHT * level);
  const coord = tileOfEntry(level, first, size);
  return { coord, from: first - coord.index * TILE_WIDTH, count: 2 ** (height - TILE_HEIGHT * level) };
}

/** Visits the perfect subtrees RFC 6962 splits D[start:end] into, combining their results as MTH combines roots. */
function fold<T>(start: number, end: number, perfect: (start: number, height: number) => T, combine: (left: T, right: T) => T): T {
  const width = end - start;
  if (isPowerOfTwo(width) && start % width === 0) return perfect(start, log2(width));
  const k = splitPoint(width);
  return combine(fold(start, start + k, perfect, combine), fold(start + k, end, perfect, combine));
}

function checkRange(start: number, end: number, size: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start >= end || end > size) {
    throw new MerkleError('INDEX_OUT_OF_RANGE', `range [${start}, ${end}) is outside a tree of size ${size}`);
  }
}

/** The tiles of a tree of `size` leaves that MTH(D[start:end]) needs (at most two per level for a proof's range). */
export function tilesForRange(start: number, end: number, size: number): TileCoord[] {
  checkRange(start, end, size);
  const seen = new Map<string, TileCoord>();
  fold(
    start,
    end,
    (s, h) => {
      const { coord } = perfectNode(s, h, size);
      seen.set(`${coord.level}/${coord.index}`, coord);
    },
    () => undefined,
  );
  return [...seen.values()];
}

/** MTH(D[start:end]) of a tree of `size` leaves from its tiles: each perfect piece is one stored hash or the fold of at most 128. */
export function rangeRootFromTiles(start: number, end: number, size: number, lookup: TileLookup): Buffer {
  checkRange(start, end, size);
  return fold(
    start,
    end,
    (s, h) => {
      const { coord, from, count } = perfectNode(s, h, size);
      return rootOfRange(lookup(coord), from, from + count);
    },
    nodeHash,
  );
}
