import { consistencyProofFrom, consistencyRanges, type SubtreeRange } from '../core/merkle';
import { TILE_WIDTH, decodeTile, rangeRootFromTiles, tileKey, tilesForRange, type TileCoord } from '../core/tiles';
import { isMissingObject } from '../core/missing-object';
import { ProveError } from '../verify/prove-error';

/** Reads stored objects by key; null when there is none. */
export interface TileReader {
  get(key: string): Promise<Buffer | null>;
}

/** A reader over an archive source (S3 bucket or local copy), whose get throws on a missing key. */
export function tileReaderOf(source: { get(key: string): Promise<Buffer> }): TileReader {
  return {
    get: (key) =>
      source.get(key).catch((err: unknown) => {
        if (isMissingObject(err)) return null;
        throw err;
      }),
  };
}

const coordName = (c: TileCoord) => `${c.level}/${c.index}`;

/**
 * One shard's tree of `size` leaves, read from its C2SP tiles and nothing
 * else: each subtree root a proof needs is one stored hash or the fold of at
 * most 128, and a proof's ranges need at most two tiles per level.
 */
export class TileTree {
  private readonly tiles = new Map<string, Promise<Buffer[]>>();

  constructor(
    private readonly reader: TileReader,
    private readonly shard: string,
    readonly size: number,
  ) {}

  /** Reads every tile the ranges need, in parallel. */
  async prefetch(ranges: readonly SubtreeRange[]): Promise<void> {
    const coords = new Map<string, TileCoord>();
    for (const r of ranges) for (const c of tilesForRange(r.start, r.end, this.size)) coords.set(coordName(c), c);
    await Promise.all([...coords.values()].map((c) => this.tile(c)));
  }

  readonly getSubtreeRoot = async (start: number, end: number): Promise<Buffer> => {
    const coords = tilesForRange(start, end, this.size);
    const read = new Map<string, Buffer[]>();
    await Promise.all(coords.map(async (c) => read.set(coordName(c), await this.tile(c))));
    return rangeRootFromTiles(start, end, this.size, (c) => read.get(coordName(c))!);
  };

  /** The partial tile of this size, or (C2SP's fallback) the full tile that replaced it. */
  private tile(c: TileCoord): Promise<Buffer[]> {
    let p = this.tiles.get(coordName(c));
    if (!p) {
      p = this.fetch(c);
      this.tiles.set(coordName(c), p);
    }
    return p;
  }

  private async fetch(c: TileCoord): Promise<Buffer[]> {
    let body = await this.reader.get(tileKey(this.shard, c));
    if (!body && c.width < TILE_WIDTH) body = await this.reader.get(tileKey(this.shard, { ...c, width: TILE_WIDTH }));
    if (!body)
      throw new ProveError(
        'TILE_MISSING',
        `shard ${this.shard}: tile ${tileKey(this.shard, c)} is not stored (the seal writes it with the checkpoint of size ${this.size})`,
      );
    try {
      return decodeTile(body, c);
    } catch (err) {
      throw new ProveError('TILE_DAMAGED', `shard ${this.shard}: tile ${tileKey(this.shard, c)} is damaged: ${(err as Error).message}`);
    }
  }
}

/** PROOF(old, D[size]) of a shard from its tiles of `size` (the empty proof from 0, as tlog-witness asks). */
export async function proofFromTiles(reader: TileReader, shard: string, oldSize: number, size: number): Promise<Buffer[]> {
  if (oldSize === 0 || oldSize >= size) return [];
  const tree = new TileTree(reader, shard, size);
  await tree.prefetch(consistencyRanges(oldSize, size));
  return consistencyProofFrom(oldSize, size, tree.getSubtreeRoot);
}
