import { HASH_SIZE, rootOfRange } from '../merkle';
import { TileError } from './errors';
import { TILE_WIDTH, type TileCoord } from './path';

/** A tile's bytes: its hashes concatenated, 32 bytes each, nothing else. */
export function encodeTile(hashes: readonly Uint8Array[]): Buffer {
  if (hashes.length < 1 || hashes.length > TILE_WIDTH) throw new TileError('TILE_BODY', `a tile holds 1..${TILE_WIDTH} hashes, got ${hashes.length}`);
  for (const h of hashes) if (h.length !== HASH_SIZE) throw new TileError('TILE_BODY', `tile hashes are ${HASH_SIZE} bytes`);
  return Buffer.concat(hashes);
}

/** The hashes of a stored tile, checked against the width its path promises. A wider tile is cut to `width` (C2SP lets a reader use a full tile for a partial one). */
export function decodeTile(bytes: Uint8Array, coord: TileCoord): Buffer[] {
  if (bytes.length % HASH_SIZE !== 0 || bytes.length < coord.width * HASH_SIZE || bytes.length > TILE_WIDTH * HASH_SIZE) {
    throw new TileError('TILE_BODY', `tile ${coord.level}/${coord.index} has ${bytes.length} bytes, expected ${coord.width * HASH_SIZE}`);
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: coord.width }, (_, i) => buf.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
}

/** The hash a full tile contributes to the level above: the root of its 256 hashes. */
export function fullTileRoot(hashes: readonly Uint8Array[]): Buffer {
  if (hashes.length !== TILE_WIDTH)
    throw new TileError('TILE_BODY', `only a full tile (${TILE_WIDTH} hashes) has a hash at the level above, got ${hashes.length}`);
  return rootOfRange(hashes, 0, TILE_WIDTH);
}
