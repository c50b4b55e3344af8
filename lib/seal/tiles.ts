import { TileBuilder, decodeTile, encodeTile, hashesAtLevel, partialTile, tileKey, topLevel, type BuiltTile } from '../core/tiles';

/** Where tiles live: write-once objects in the archive bucket (LockedObjects), or a map in tests. */
export interface TileStore {
  get(key: string): Promise<Buffer | null>;
  put(key: string, body: Buffer): Promise<void>;
}

/** Leaf hashes [from, to) of a shard: the record hashes, from the batch log. */
export type LeafReader = (shard: string, from: number, to: number) => Promise<Buffer[]>;

/** A shard that grew between two checkpoints. */
export interface ShardGrowth {
  shard: string;
  previousSize: number;
  size: number;
}

export interface TileBuildOptions {
  /** Leaves read and tiled per round: bounds memory (32 bytes each) whatever the backlog. */
  leavesPerRound?: number;
  /** Tile puts in flight. */
  concurrency?: number;
}

export interface ShardTileReport {
  shard: string;
  /** The size tiling started from: the previous checkpoint's, or 0 when its tiles were missing. */
  from: number;
  size: number;
  /** Tile objects written (full and partial). */
  written: number;
  /** Object reads: the partial tiles resumed from. */
  tileReads: number;
}

/**
 * The builder at `size` from that size's partial tiles (one read per level).
 * Null when one is missing: the tile step for that size never finished.
 */
async function resume(store: TileStore, shard: string, size: number): Promise<{ builder: TileBuilder | null; reads: number }> {
  const coords = Array.from({ length: topLevel(size) + 1 }, (_, level) => partialTile(size, level));
  const bodies = await Promise.all(coords.map((c) => (c ? store.get(tileKey(shard, c)) : Promise.resolve(Buffer.alloc(0)))));
  const reads = coords.filter(Boolean).length;
  if (bodies.some((b) => b === null)) return { builder: null, reads };
  const pending = coords.map((c, i) => (c ? decodeTile(bodies[i]!, c) : []));
  return { builder: TileBuilder.resume(size, pending), reads };
}

async function writeTiles(store: TileStore, shard: string, tiles: readonly BuiltTile[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tiles.length) {
      const t = tiles[next++]!;
      await store.put(tileKey(shard, t.coord), encodeTile(t.hashes));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tiles.length) }, worker));
}

/**
 * Writes the C2SP tiles of one shard's tree from `previousSize` to `size`
 * leaves: every tile that became full, then the partial tiles of `size`.
 * Partial tiles go last, so finding them for a size means every tile of that
 * size is stored; when the previous size's are missing (its tile step
 * failed), tiling starts again from leaf 0. Tiles are deterministic and
 * write-once: a rerun or a racing seal writes the same bytes, which count as
 * written.
 */
export async function buildShardTiles(store: TileStore, leaves: LeafReader, growth: ShardGrowth, opts: TileBuildOptions = {}): Promise<ShardTileReport> {
  const { shard, size } = growth;
  const perRound = opts.leavesPerRound ?? 65_536;
  const concurrency = opts.concurrency ?? 16;
  const resumed = growth.previousSize > 0 ? await resume(store, shard, growth.previousSize) : { builder: null, reads: 0 };
  const builder = resumed.builder ?? TileBuilder.empty();
  const report: ShardTileReport = { shard, from: builder.size, size, written: 0, tileReads: resumed.reads };
  if (size <= builder.size) return report;
  while (builder.size < size) {
    const batch = await leaves(shard, builder.size, Math.min(size, builder.size + perRound));
    const full = batch.flatMap((leaf) => builder.append(leaf));
    await writeTiles(store, shard, full, concurrency);
    report.written += full.length;
  }
  // A level whose count did not change keeps the partial tile written for the size tiling started from.
  const partials = builder.partials().filter((t) => hashesAtLevel(report.from, t.coord.level) !== hashesAtLevel(size, t.coord.level));
  await writeTiles(store, shard, partials, concurrency);
  report.written += partials.length;
  return report;
}

/** Tiles for every shard that grew, in parallel (shards are independent trees). */
export function buildTiles(store: TileStore, leaves: LeafReader, grown: readonly ShardGrowth[], opts: TileBuildOptions = {}): Promise<ShardTileReport[]> {
  return Promise.all(grown.filter((g) => g.size > g.previousSize).map((g) => buildShardTiles(store, leaves, g, opts)));
}
