import { describe, expect, it } from 'vitest';
import { rootOf, verifyInclusion } from '../../../lib/core/merkle';
import { inclusionPathFromIndex } from '../../../lib/prove/indexed-subtree-source';
import { MemoryIndexTable } from '../../../lib/prove/memory-index-table';
import { RequestMeter } from '../../../lib/prove/request-meter';
import { TILE_PROGRESS_SK, tilePk } from '../../../lib/prove/tile-keys';
import { buildShardTiles } from '../../../lib/seal/tiles';
import { randomLeaves, seedBatchLog } from './memory-archive';
import { locateReadBound, pathReadBound } from './read-bounds';

describe('one record among a million', () => {
  it('is proven in at most 30 storage reads, and tiles every 8 levels keep the items read small', async () => {
    const n = 1_000_000;
    const leaves = randomLeaves(n);
    const meter = new RequestMeter();
    const table = new MemoryIndexTable(meter);
    // Batches of 10, as the ingest Lambda's SQS batches of 10 messages commit them.
    seedBatchLog(table, 'api', leaves, () => 10);
    const built = await buildShardTiles(table, 'api', n);
    expect(built.stored).toMatchObject({ 8: 3906, 16: 15, 24: 0 });
    const root = rootOf(leaves);

    const levels8Only = new Map([[8, 3906]]);
    for (const index of [0, 123_456, 500_000, 983_039, 983_040, 999_999]) {
      const before = meter.summary();
      const path = await inclusionPathFromIndex(table, 'api', index, n);
      const all = meter.since(before);
      expect(verifyInclusion(index, n, leaves[index], path, root)).toBe(true);
      expect(all.reads).toBeLessThanOrEqual(pathReadBound(n));
      expect(all.reads + locateReadBound(1)).toBeLessThanOrEqual(30);

      // The same proof as if only level-8 tiles existed: fewer range queries, but
      // it reads nearly every level-8 tile of the tree (O(n / 256) items).
      const mid = meter.summary();
      const path8 = await inclusionPathFromIndex(table, 'api', index, n, levels8Only);
      const only8 = meter.since(mid);
      expect(path8.map((h) => h.toString('hex'))).toEqual(path.map((h) => h.toString('hex')));
      expect(only8.items).toBeGreaterThan(3000);
      expect(all.items).toBeLessThan(only8.items / 5);
    }
    expect((await table.get(tilePk('api'), TILE_PROGRESS_SK))!.leaves).toBe(3906 * 256);
  }, 120_000);
});
