import { HASH_SIZE } from '../core/merkle';
import { ProveError } from './errors';
import type { IndexTable } from './index-table';
import { TILE_LEVELS, TILE_PROGRESS_SK, progressAttribute, tilePk, tileSk } from './tile-keys';

/** Tiles usable for a tree of a given size: level -> how many (a prefix from index 0). */
export type TileCoverage = ReadonlyMap<number, number>;

/** What the builder has stored, from the progress item (one read), capped at what a tree of `size` leaves contains. */
export async function readTileCoverage(table: IndexTable, shard: string, size: number): Promise<Map<number, number>> {
  const progress = await table.get(tilePk(shard), TILE_PROGRESS_SK);
  const coverage = new Map<number, number>();
  for (const level of TILE_LEVELS) {
    const stored = progress?.[progressAttribute(level)];
    const count = typeof stored === 'number' && Number.isSafeInteger(stored) && stored > 0 ? stored : 0;
    const inTree = Math.floor(size / 2 ** level);
    if (Math.min(count, inTree) > 0) coverage.set(level, Math.min(count, inTree));
  }
  return coverage;
}

/** Tiles [from, to) of one level, in one range query. Every one must be stored. */
export async function readTiles(
  table: IndexTable,
  shard: string,
  level: number,
  from: number,
  to: number,
  opts: { consistent?: boolean } = {},
): Promise<Map<number, Buffer>> {
  const tiles = new Map<number, Buffer>();
  if (to <= from) return tiles;
  const items = await table.query({ pk: tilePk(shard), from: tileSk(level, from), to: tileSk(level, to - 1), consistent: opts.consistent });
  for (const item of items) {
    const hash = item.hash;
    if (item.level !== level || typeof item.index !== 'number' || !(hash instanceof Uint8Array) || hash.length !== HASH_SIZE || item.sk !== tileSk(level, item.index)) {
      throw new ProveError('TILE_MISSING', `tile item ${item.pk} / ${item.sk} is malformed`);
    }
    tiles.set(item.index, Buffer.from(hash));
  }
  for (let i = from; i < to; i++) {
    if (!tiles.has(i)) throw new ProveError('TILE_MISSING', `shard ${shard}: tile ${tileSk(level, i)} is not stored although the tile progress counts it`);
  }
  return tiles;
}
