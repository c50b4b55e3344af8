import { describe, expect, it } from 'vitest';
import { inclusionProofFrom, inclusionRanges, rootOf, verifyInclusion } from '../../../lib/core/merkle';
import { readLeaves } from '../../../lib/prove/batch-log';
import { MemoryIndexTable } from '../../../lib/prove/memory-index-table';
import { TileTree } from '../../../lib/prove/tile-tree';
import { buildShardTiles } from '../../../lib/seal/tiles';
import { memoryTileBucket, randomLeaves, seedBatchLog } from './memory-archive';
import { locateReadBound, pathReadBound } from './read-bounds';

describe('one record among a million', () => {
  it('is proven in at most 30 storage reads, the path from tiles alone', async () => {
    const n = 1_000_000;
    const leaves = randomLeaves(n);
    const table = new MemoryIndexTable();
    // Batches of 10, as the ingest Lambda's SQS batches of 10 messages commit them.
    seedBatchLog(table, 'api', leaves, () => 10);
    const bucket = memoryTileBucket();
    const built = await buildShardTiles(bucket.store, (shard, from, to) => readLeaves(table, shard, from, to), { shard: 'api', previousSize: 0, size: n });
    // 3906 full level-0 tiles + a partial, 15 full level-1 tiles + a partial, a level-2 partial of width 15.
    expect(built.written).toBe(3906 + 1 + 15 + 1 + 1);
    const root = rootOf(leaves);

    for (const index of [0, 123_456, 500_000, 983_039, 983_040, 999_999]) {
      const before = bucket.meter.summary();
      const tree = new TileTree(bucket.store, 'api', n);
      await tree.prefetch(inclusionRanges(index, n));
      const path = await inclusionProofFrom(index, n, tree.getSubtreeRoot);
      const reads = bucket.meter.since(before);
      expect(verifyInclusion(index, n, leaves[index]!, path, root)).toBe(true);
      expect(Object.keys(reads.byOperation)).toEqual(['S3.GetObject']);
      expect(reads.reads).toBeLessThanOrEqual(pathReadBound(n));
      expect(reads.reads + locateReadBound(1)).toBeLessThanOrEqual(30);
    }
  }, 120_000);
});
