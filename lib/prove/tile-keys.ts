/**
 * Tiles: stored roots of complete, aligned Merkle subtrees of a shard's tree,
 * kept every TILE_HEIGHT levels (256 leaves, 65,536 leaves, 2^24, ...). A
 * perfect subtree of 256 leaves or more is then one stored root or the fold of
 * at most 128 stored roots of the tile level below it, so a proof reads
 * O(log n) hashes instead of O(n) leaves.
 *
 *   tile#<shard> / <level>#<index>  hash = MTH(D[index * 2^level, (index + 1) * 2^level))
 *   tile#<shard> / progress         l08, l16, ... = tiles stored at each level (always a prefix)
 *
 * Levels are two digits and indices sixteen, so sort keys order by level and
 * then index, and a Query on one level's range never meets the progress item.
 */
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;
/** Every level a tile can be stored at; a level is only used once 256 tiles of the level below exist. */
export const TILE_LEVELS: readonly number[] = [8, 16, 24, 32, 40, 48];
export const TILE_PROGRESS_SK = 'progress';

const pad2 = (n: number) => String(n).padStart(2, '0');

export const tilePk = (shard: string): string => `tile#${shard}`;
export const tileSk = (level: number, index: number): string => `${pad2(level)}#${String(index).padStart(16, '0')}`;
/** The progress item's attribute holding how many tiles of `level` are stored. */
export const progressAttribute = (level: number): string => `l${pad2(level)}`;
