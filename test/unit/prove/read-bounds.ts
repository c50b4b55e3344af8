import { topLevel } from '../../../lib/core/tiles';

/**
 * Reads a path takes from C2SP tiles: at most two tiles per tile level of the
 * tree (the one around the leaf, and the partial one at the right edge).
 */
export function pathReadBound(size: number): number {
  return 2 * (topLevel(size) + 1);
}

/**
 * What an online proof adds to the path, given the record's hour: the latest
 * checkpoint, the legacy index entry (archives before the id sets), one id-set
 * query per shard, the batch log item of the commit, the batch object.
 */
export const locateReadBound = (shards: number): number => 4 + shards;
