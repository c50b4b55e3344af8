import { TILE_LEVELS } from '../../../lib/prove/tile-keys';

/**
 * Reads a path takes once tiles cover the tree: the tile progress, at most two
 * range queries per tile level in use (tiles in the leaf's block of the level
 * above, and in the last partial one at the right edge), and at most two
 * batch-log queries (the leaf's 256-block and the tree's last partial block).
 */
export function pathReadBound(size: number): number {
  const levels = TILE_LEVELS.filter((l) => 2 ** l <= size).length;
  return 1 + 2 * levels + 2;
}

/**
 * What an online proof adds to the path, given the record's hour: the latest
 * checkpoint, the legacy index entry (archives before the id sets), one id-set
 * query per shard, the batch log item of the commit, the batch object.
 */
export const locateReadBound = (shards: number): number => 4 + shards;
