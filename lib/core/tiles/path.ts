import { TileError } from './errors';

/**
 * C2SP tlog-tiles paths: `tile/<L>/<N>[.p/<W>]`. A tile holds up to 256
 * consecutive hashes of one level: at level 0 leaf hashes, at level L the
 * roots of 256^L-leaf subtrees. `width` is 256 for a full tile, 1..255 for
 * the partial tile at the right edge of a tree.
 */
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;
/** C2SP allows levels 0..63. */
export const MAX_TILE_LEVEL = 63;

export interface TileCoord {
  level: number;
  index: number;
  /** Hashes in the tile: TILE_WIDTH when full. */
  width: number;
}

export function assertTileCoord(t: TileCoord): void {
  const ok =
    Number.isSafeInteger(t.level) &&
    t.level >= 0 &&
    t.level <= MAX_TILE_LEVEL &&
    Number.isSafeInteger(t.index) &&
    t.index >= 0 &&
    Number.isSafeInteger(t.width) &&
    t.width >= 1 &&
    t.width <= TILE_WIDTH;
  if (!ok) throw new TileError('TILE_COORDINATE', `no tile at level ${t.level}, index ${t.index}, width ${t.width}`);
}

/** The index as zero-padded 3-digit path elements, all but the last prefixed with `x` (1234067 -> x001/x234/067). */
export function encodeTileIndex(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new TileError('TILE_COORDINATE', `tile index must be a non-negative safe integer, got ${index}`);
  const groups: string[] = [];
  let n = index;
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

export function tilePath(t: TileCoord): string {
  assertTileCoord(t);
  const base = `tile/${t.level}/${encodeTileIndex(t.index)}`;
  return t.width === TILE_WIDTH ? base : `${base}.p/${t.width}`;
}

const PATH = /^tile\/(0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*)([0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/** The coordinate a path names, or a TileError; only the canonical spelling is accepted. */
export function parseTilePath(path: string): TileCoord {
  const m = PATH.exec(path);
  if (!m) throw new TileError('TILE_PATH', `not a tile path: ${JSON.stringify(path)}`);
  const groups = [
    ...m[2]!
      .split('/')
      .filter((g) => g !== '')
      .map((g) => g.slice(1)),
    m[3]!,
  ];
  const index = groups.reduce((n, g) => n * 1000 + Number(g), 0);
  const coord = { level: Number(m[1]), index, width: m[4] === undefined ? TILE_WIDTH : Number(m[4]) };
  if (coord.level > MAX_TILE_LEVEL || coord.width < 1 || coord.width > TILE_WIDTH) throw new TileError('TILE_PATH', `tile path out of range: ${path}`);
  // Leading zero groups (x000/...) or `.p/256` would name the same tile twice.
  if (tilePath(coord) !== path) throw new TileError('TILE_PATH', `not the canonical tile path: ${JSON.stringify(path)}`);
  return coord;
}

/** Where immutrail keeps the shards' tiles in the archive bucket. */
export const TILES_PREFIX = 'tiles/';

/** One shard's tiles: a C2SP prefix per shard (each shard is its own log). */
export function shardTilesPrefix(shard: string): string {
  return `${TILES_PREFIX}${shard}/`;
}

export function tileKey(shard: string, t: TileCoord): string {
  return `${shardTilesPrefix(shard)}${tilePath(t)}`;
}
