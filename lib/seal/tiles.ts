import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Checkpoint } from '../core/checkpoint';
import { rootOfRange } from '../core/merkle';
import { readLeaves } from '../prove/batch-log';
import { DynamoIndexTable } from '../prove/dynamo-index-table';
import type { IndexItem, IndexTable } from '../prove/index-table';
import { TILE_HEIGHT, TILE_LEVELS, TILE_PROGRESS_SK, TILE_WIDTH, progressAttribute, tilePk, tileSk } from '../prove/tile-keys';
import { readTiles } from '../prove/tile-reader';

export interface TileBuildOptions {
  /** Tile levels to keep, 8 first and each 8 above the previous (default: every 8 levels up to 48). */
  levels?: readonly number[];
  /** Level-8 tiles computed per round (bounds the leaves held in memory: 4,096 tiles = 1,048,576 leaves). */
  blocksPerRound?: number;
  clock?: () => Date;
}

export interface ShardTileReport {
  shard: string;
  /** The checkpoint's size for the shard. */
  size: number;
  /** Tiles written by this run, by level. */
  written: Record<number, number>;
  /** Tiles stored after this run, by level. */
  stored: Record<number, number>;
  /** False when another run had already gone further (this one stopped). */
  advanced: boolean;
}

function checkLevels(levels: readonly number[]): void {
  const ok = levels.length > 0 && levels.every((l, i) => l === TILE_HEIGHT * (i + 1));
  if (!ok) throw new Error(`tile levels must be ${TILE_HEIGHT}, ${2 * TILE_HEIGHT}, ... in order, got ${levels.join(', ')}`);
}

/**
 * Stores the tiles of one shard's tree up to `size` leaves: level-8 roots from
 * the batch log, then each higher level from 256 tiles of the level below.
 * Only blocks not yet tiled are read (the progress item says where the last
 * run stopped), tiles are written before the progress that counts them, and
 * tile items are deterministic, so a run that crashes or races another one
 * leaves nothing wrong: at worst the next run rewrites the same tiles.
 */
export async function buildShardTiles(table: IndexTable, shard: string, size: number, opts: TileBuildOptions = {}): Promise<ShardTileReport> {
  const levels = opts.levels ?? TILE_LEVELS;
  checkLevels(levels);
  const perRound = opts.blocksPerRound ?? 4096;
  const progress = await table.get(tilePk(shard), TILE_PROGRESS_SK, { consistent: true });
  const stored = new Map<number, number>(levels.map((l) => [l, typeof progress?.[progressAttribute(l)] === 'number' ? (progress[progressAttribute(l)] as number) : 0]));
  const written: Record<number, number> = {};
  // Tiles computed in this run, by level, so the next level up need not read them back.
  const fresh = new Map<number, Map<number, Buffer>>(levels.map((l) => [l, new Map()]));
  const report = (advanced: boolean): ShardTileReport => ({ shard, size, written, stored: Object.fromEntries(stored), advanced });

  for (;;) {
    const items: IndexItem[] = [];
    const add = (level: number, index: number, hash: Buffer) => {
      fresh.get(level)!.set(index, hash);
      items.push({ pk: tilePk(shard), sk: tileSk(level, index), level, index, hash });
      written[level] = (written[level] ?? 0) + 1;
    };

    const done8 = stored.get(TILE_HEIGHT)!;
    const upTo8 = Math.min(Math.floor(size / TILE_WIDTH), done8 + perRound);
    if (upTo8 > done8) {
      const leaves = await readLeaves(table, shard, done8 * TILE_WIDTH, upTo8 * TILE_WIDTH, { consistent: true });
      for (let b = done8; b < upTo8; b++) add(TILE_HEIGHT, b, rootOfRange(leaves, (b - done8) * TILE_WIDTH, (b - done8 + 1) * TILE_WIDTH));
      stored.set(TILE_HEIGHT, upTo8);
    }
    for (let i = 1; i < levels.length; i++) {
      const level = levels[i];
      const below = levels[i - 1];
      const done = stored.get(level)!;
      const upTo = Math.floor(stored.get(below)! / TILE_WIDTH);
      if (upTo <= done) continue;
      const children = fresh.get(below)!;
      const firstChild = done * TILE_WIDTH;
      const lastChild = upTo * TILE_WIDTH;
      // Children tiled by earlier runs are in the table (written before their progress).
      let readUpTo = firstChild;
      while (readUpTo < lastChild && !children.has(readUpTo)) readUpTo++;
      if (readUpTo > firstChild) for (const [k, h] of await readTiles(table, shard, below, firstChild, readUpTo, { consistent: true })) children.set(k, h);
      for (let t = done; t < upTo; t++) {
        const hashes = Array.from({ length: TILE_WIDTH }, (_, j) => children.get(t * TILE_WIDTH + j)!);
        add(level, t, rootOfRange(hashes, 0, TILE_WIDTH));
      }
      for (const k of [...children.keys()]) if (k < lastChild) children.delete(k);
      stored.set(level, upTo);
    }
    if (items.length === 0) return report(true);

    await table.putAll(items);
    const progressItem: IndexItem = {
      pk: tilePk(shard),
      sk: TILE_PROGRESS_SK,
      ...Object.fromEntries(levels.map((l) => [progressAttribute(l), stored.get(l)!])),
      leaves: stored.get(TILE_HEIGHT)! * TILE_WIDTH,
      time: (opts.clock ?? (() => new Date()))().toISOString(),
    };
    if (!(await table.putUnlessBehind(progressItem, levels.map(progressAttribute)))) return report(false);
  }
}

/** Tiles for every shard a checkpoint names, up to its size. Call after the checkpoint is published. */
export async function buildTiles(table: IndexTable, checkpoint: Pick<Checkpoint, 'shards'>, opts: TileBuildOptions = {}): Promise<ShardTileReport[]> {
  return Promise.all(checkpoint.shards.map((s) => buildShardTiles(table, s.shard, s.size, opts)));
}

/**
 * For the seal handler, right after publishing a checkpoint. Tiles only make
 * proofs short: if this fails, proofs stay correct (they read more of the
 * batch log) and the next seal catches up.
 */
export async function buildTilesInTable(ddb: DynamoDBClient, tableName: string, checkpoint: Pick<Checkpoint, 'shards'>, opts: TileBuildOptions = {}): Promise<ShardTileReport[]> {
  return buildTiles(new DynamoIndexTable(ddb, tableName), checkpoint, opts);
}
