import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inclusionProof, inclusionRanges, inclusionProofFrom } from '../../../lib/core/merkle';
import { tileKey } from '../../../lib/core/tiles';
import { MemoryIndexTable } from '../../../lib/prove/memory-index-table';
import { readLeaves } from '../../../lib/prove/batch-log';
import { TileTree } from '../../../lib/prove/tile-tree';
import { buildShardTiles } from '../../../lib/seal/tiles';
import { memoryTileBucket, randomLeaves, seedBatchLog } from './memory-archive';
import { pathReadBound } from './read-bounds';

const hex = (hs: readonly Uint8Array[]) => hs.map((h) => Buffer.from(h).toString('hex'));

/** Tiles of one shard grown through `sizes`, one tile step per size, as successive seals write them. */
async function tiledThrough(leaves: readonly Buffer[], sizes: readonly number[]) {
  const table = new MemoryIndexTable();
  seedBatchLog(table, 's', leaves, (first) => 1 + (first % 37));
  const bucket = memoryTileBucket();
  let previousSize = 0;
  for (const size of sizes) {
    await buildShardTiles(bucket.store, (shard, from, to) => readLeaves(table, shard, from, to), { shard: 's', previousSize, size }, { leavesPerRound: 700 });
    previousSize = size;
  }
  return bucket;
}

async function pathFromTiles(bucket: ReturnType<typeof memoryTileBucket>, index: number, size: number): Promise<Buffer[]> {
  const tree = new TileTree(bucket.store, 's', size);
  await tree.prefetch(inclusionRanges(index, size));
  return inclusionProofFrom(index, size, tree.getSubtreeRoot);
}

describe('inclusion paths from C2SP tiles', () => {
  it('equal RFC 6962 PATH for every size and index, whatever sizes the seals tiled through', async () => {
    const leaves = randomLeaves(70_000);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 3 }), fc.nat(), async (raw, pick) => {
        const sizes = [...new Set(raw)].sort((a, b) => a - b);
        const bucket = await tiledThrough(leaves, sizes);
        // Any checkpoint size the seal tiled serves proofs, not only the last.
        for (const size of sizes) {
          const index = pick % size;
          const before = bucket.meter.summary();
          const path = await pathFromTiles(bucket, index, size);
          expect(hex(path)).toEqual(hex(inclusionProof(index, leaves.slice(0, size))));
          expect(bucket.meter.since(before).reads).toBeLessThanOrEqual(pathReadBound(size));
        }
      }),
      { numRuns: 5 },
    );
  });

  it('falls back to the full tile when a partial one is gone (C2SP lets a log delete it)', async () => {
    const leaves = randomLeaves(600);
    const bucket = await tiledThrough(leaves, [300, 600]);
    bucket.objects.delete(tileKey('s', { level: 0, index: 1, width: 44 }));
    expect(hex(await pathFromTiles(bucket, 299, 300))).toEqual(hex(inclusionProof(299, leaves.slice(0, 300))));
  });

  it('says which tile is missing', async () => {
    const leaves = randomLeaves(2000);
    const bucket = await tiledThrough(leaves, [2000]);
    bucket.objects.delete(tileKey('s', { level: 0, index: 2, width: 256 }));
    const err = await pathFromTiles(bucket, 600, 2000).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TILE_MISSING', message: expect.stringContaining('tiles/s/tile/0/002') });
  });
});
