import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { K } from '../../../lib/aws/table-keys';
import { inclusionProof, rootOf, rootOfRange, verifyInclusion } from '../../../lib/core/merkle';
import { ProveError } from '../../../lib/prove/errors';
import { inclusionPathFromIndex } from '../../../lib/prove/indexed-subtree-source';
import { MemoryIndexTable } from '../../../lib/prove/memory-index-table';
import { RequestMeter } from '../../../lib/prove/request-meter';
import { TILE_PROGRESS_SK, tilePk, tileSk } from '../../../lib/prove/tile-keys';
import { buildShardTiles } from '../../../lib/seal/tiles';
import { randomLeaves, seedBatchLog } from './memory-archive';
import { pathReadBound } from './read-bounds';

const hex = (hs: readonly Uint8Array[]) => hs.map((h) => Buffer.from(h).toString('hex'));

describe('tiles built from the batch log', () => {
  it('stores the root of every complete aligned 256-leaf block, and nothing past the size', async () => {
    const leaves = randomLeaves(1000);
    const table = new MemoryIndexTable();
    seedBatchLog(table, 'api', leaves, () => 30);
    const report = await buildShardTiles(table, 'api', 900);
    expect(report.written).toEqual({ 8: 3 });
    for (let b = 0; b < 3; b++) {
      const item = await table.get(tilePk('api'), tileSk(8, b));
      expect(Buffer.from(item!.hash as Uint8Array).equals(rootOfRange(leaves, b * 256, (b + 1) * 256))).toBe(true);
    }
    // Block 3 ends at 1024 > 900: not complete in the checkpoint's tree, so not stored.
    expect(await table.get(tilePk('api'), tileSk(8, 3))).toBeUndefined();
    expect(await table.get(tilePk('api'), TILE_PROGRESS_SK)).toMatchObject({ l08: 3, l16: 0, leaves: 768 });
  });

  it('reads only the batch log items it has not tiled yet on the next run', async () => {
    const leaves = randomLeaves(5000);
    const meter = new RequestMeter();
    const table = new MemoryIndexTable(meter);
    seedBatchLog(table, 'api', leaves, () => 10);
    await buildShardTiles(table, 'api', 2600);
    const before = meter.summary();
    const second = await buildShardTiles(table, 'api', 5000);
    const reads = meter.since(before);
    expect(second.written).toEqual({ 8: 19 - 10 });
    // Blocks 10-18 are leaves 2560-4863: 231 items of 10, plus the few the window reaches back for.
    expect(reads.items).toBeLessThanOrEqual(231 + 1 + 10);
    expect(reads.byOperation['DynamoDB.Query']).toBe(1);
  });

  it('is idempotent, and a run that is behind another never moves the progress back', async () => {
    const leaves = randomLeaves(3000);
    const table = new MemoryIndexTable();
    seedBatchLog(table, 'api', leaves, (s) => 1 + (s % 97));
    await buildShardTiles(table, 'api', 3000);
    const again = await buildShardTiles(table, 'api', 3000);
    expect(again.written).toEqual({});
    // An older checkpoint's run (a slow seal) has nothing to add and writes nothing.
    const stale = await buildShardTiles(table, 'api', 1000);
    expect(stale.written).toEqual({});
    expect((await table.get(tilePk('api'), TILE_PROGRESS_SK))!.l08).toBe(11);
    // A slow run for an older checkpoint read the progress at 5; meanwhile another run reached 11.
    table.seed({ pk: tilePk('api'), sk: TILE_PROGRESS_SK, l08: 5 });
    const lagging = buildShardTiles(table, 'api', 2000);
    table.seed({ pk: tilePk('api'), sk: TILE_PROGRESS_SK, l08: 11, l16: 0 });
    const outcome = await lagging;
    expect(outcome.written).toEqual({ 8: 2 });
    expect(outcome.advanced).toBe(false);
    expect((await table.get(tilePk('api'), TILE_PROGRESS_SK))!.l08).toBe(11);
  });

  it('builds level-16 tiles from 256 level-8 tiles, also from tiles of earlier runs', async () => {
    const n = 2 * 65536 + 700;
    const leaves = randomLeaves(n);
    const table = new MemoryIndexTable();
    seedBatchLog(table, 'api', leaves, () => 97);
    await buildShardTiles(table, 'api', 40_000);
    const second = await buildShardTiles(table, 'api', 70_000);
    expect(second.written).toEqual({ 8: 273 - 156, 16: 1 });
    const third = await buildShardTiles(table, 'api', n, { blocksPerRound: 100 });
    expect(third.written).toEqual({ 8: 514 - 273, 16: 1 });
    for (const b of [0, 1]) {
      const item = await table.get(tilePk('api'), tileSk(16, b));
      expect(Buffer.from(item!.hash as Uint8Array).equals(rootOfRange(leaves, b * 65536, (b + 1) * 65536))).toBe(true);
    }
  });

  it('refuses a batch log with a gap instead of tiling around it', async () => {
    const leaves = randomLeaves(600);
    const table = new MemoryIndexTable();
    seedBatchLog(table, 'api', leaves, () => 20);
    table.remove(K.batchPk('api'), K.batch('api', 300).sk);
    await expect(buildShardTiles(table, 'api', 600)).rejects.toMatchObject({ code: 'BATCH_LOG_GAP' });
    expect(await table.get(tilePk('api'), tileSk(8, 0))).toBeUndefined();
  });
});

describe('inclusion paths from tiles and the batch log', () => {
  it('equal RFC 6962 PATH for every size and index, whatever the tiles cover', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1400 }),
        fc.integer({ min: 1, max: 97 }),
        fc.double({ min: 0, max: 1.5, noNaN: true }),
        fc.integer({ min: 0, max: 1_000_000 }),
        async (size, batch, tiledFraction, pick) => {
          const leaves = randomLeaves(size + 50);
          const table = new MemoryIndexTable();
          seedBatchLog(table, 's', leaves, (s) => 1 + ((s * 7 + batch) % batch));
          // Tiles may lag behind the checkpoint, or run ahead of an older one.
          await buildShardTiles(table, 's', Math.min(leaves.length, Math.floor(size * tiledFraction)));
          const index = pick % size;
          const path = await inclusionPathFromIndex(table, 's', index, size);
          expect(hex(path)).toEqual(hex(inclusionProof(index, leaves.slice(0, size))));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reads a bounded number of times once tiles cover the tree', async () => {
    const size = 70_000;
    const leaves = randomLeaves(size);
    const meter = new RequestMeter();
    const table = new MemoryIndexTable(meter);
    seedBatchLog(table, 'api', leaves, (s) => 1 + (s % 30));
    await buildShardTiles(table, 'api', size);
    const root = rootOf(leaves);
    for (const index of [0, 1, 255, 256, 4097, 35_000, 65_535, 65_536, 69_887, 69_888, 69_999]) {
      const before = meter.summary();
      const path = await inclusionPathFromIndex(table, 'api', index, size);
      const reads = meter.since(before);
      expect(verifyInclusion(index, size, leaves[index], path, root)).toBe(true);
      expect(reads.reads).toBeLessThanOrEqual(pathReadBound(size));
      // Never more than two tile clusters per level and two leaf windows.
      expect(reads.items).toBeLessThanOrEqual(2 * 256 * 2 + 2 * (256 + 97));
    }
  });

  it('says which tile is missing when the progress counts one that is not stored', async () => {
    const leaves = randomLeaves(2000);
    const table = new MemoryIndexTable();
    seedBatchLog(table, 'api', leaves, () => 30);
    await buildShardTiles(table, 'api', 2000);
    table.remove(tilePk('api'), tileSk(8, 2));
    const err = await inclusionPathFromIndex(table, 'api', 1999, 2000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProveError);
    expect(err).toMatchObject({ code: 'TILE_MISSING' });
  });
});
