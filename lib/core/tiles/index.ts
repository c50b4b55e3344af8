/**
 * The Merkle tree of a shard as C2SP tlog-tiles: layout, paths and contents,
 * with no storage attached (the seal writes tiles, provers read them).
 */
export { TileError } from './errors';
export {
  MAX_TILE_LEVEL,
  TILE_HEIGHT,
  TILE_WIDTH,
  type TileCoord,
  encodeTileIndex,
  parseTilePath,
  shardTilesPrefix,
  TILES_PREFIX,
  tileKey,
  tilePath,
} from './path';
export { hashesAtLevel, partialTile, tileOfEntry, tilesAdded, tilesOfTree, topLevel } from './layout';
export { decodeTile, encodeTile, fullTileRoot } from './contents';
export { type BuiltTile, TileBuilder } from './builder';
export { type TileLookup, rangeRootFromTiles, tilesForRange } from './tree-from-tiles';
