import { assertTreeSize } from '../merkle/ranges';
import { TILE_HEIGHT, TILE_WIDTH, type TileCoord } from './path';

/** Hashes stored at `level` for a tree of `size` leaves: the complete 256^level-leaf subtrees, floor(size / 256^level). */
export function hashesAtLevel(size: number, level: number): number {
  return Math.floor(size / 2 ** (TILE_HEIGHT * level));
}

/** The highest level holding a hash for a tree of `size` (-1 for the empty tree). */
export function topLevel(size: number): number {
  let level = -1;
  while (hashesAtLevel(size, level + 1) > 0) level++;
  return level;
}

/** The tile holding hash `entry` of `level` as a tree of `size` leaves has it: full, or the partial right edge. */
export function tileOfEntry(level: number, entry: number, size: number): TileCoord {
  const index = Math.floor(entry / TILE_WIDTH);
  return { level, index, width: Math.min(TILE_WIDTH, hashesAtLevel(size, level) - index * TILE_WIDTH) };
}

/** The partial tile of `level` for a tree of `size`, or null when the level ends on a tile boundary (C2SP serves no empty tile). */
export function partialTile(size: number, level: number): TileCoord | null {
  const count = hashesAtLevel(size, level);
  const width = count % TILE_WIDTH;
  return width === 0 ? null : { level, index: Math.floor(count / TILE_WIDTH), width };
}

/** Every tile a tree of `size` leaves is made of, level by level (C2SP: size 70,000 is 273 + 1 + 1 + 1 + 1 tiles). */
export function tilesOfTree(size: number): TileCoord[] {
  assertTreeSize(size, 'size');
  const out: TileCoord[] = [];
  for (let level = 0; level <= topLevel(size); level++) {
    const full = Math.floor(hashesAtLevel(size, level) / TILE_WIDTH);
    for (let index = 0; index < full; index++) out.push({ level, index, width: TILE_WIDTH });
    const partial = partialTile(size, level);
    if (partial) out.push(partial);
  }
  return out;
}

/**
 * The tiles a tree that grows from `oldSize` to `newSize` leaves adds, when
 * the tiles of `oldSize` are stored: the tiles that became full, and the
 * partial tiles of `newSize` at the levels whose count changed (the others
 * were written for `oldSize` under the same path).
 */
export function tilesAdded(oldSize: number, newSize: number): TileCoord[] {
  assertTreeSize(oldSize, 'oldSize');
  assertTreeSize(newSize, 'newSize');
  const out: TileCoord[] = [];
  for (let level = 0; level <= topLevel(newSize); level++) {
    const before = hashesAtLevel(oldSize, level);
    const after = hashesAtLevel(newSize, level);
    if (after <= before) continue;
    for (let index = Math.floor(before / TILE_WIDTH); index < Math.floor(after / TILE_WIDTH); index++) out.push({ level, index, width: TILE_WIDTH });
    const partial = partialTile(newSize, level);
    if (partial) out.push(partial);
  }
  return out;
}
