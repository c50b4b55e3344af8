import { describe, expect, it } from 'vitest';
import { consistencyProof, rootOf, rootOfRange } from '../../../lib/core/merkle';
import { checkConsistency } from '../../../lib/core/merkle/consistency';
import { TILE_WIDTH, decodeTile, parseTilePath, tileKey, tilesAdded, tilesOfTree } from '../../../lib/core/tiles';
import { parseAddCheckpoint } from '../../../lib/core/witness/add-checkpoint';
import { readLeaves } from '../../../lib/prove/batch-log';
import { MemoryIndexTable } from '../../../lib/prove/memory-index-table';
import { RequestMeter } from '../../../lib/prove/request-meter';
import { tileAndSubmit } from '../../../lib/seal/tile-step';
import { buildShardTiles, type LeafReader } from '../../../lib/seal/tiles';
import { submissionKey, witnessSubmission } from '../../../lib/seal/witness-submissions';
import { memoryTileBucket, randomLeaves, seedBatchLog } from '../prove/memory-archive';

function setup(n: number) {
  const leaves = randomLeaves(n);
  const meter = new RequestMeter();
  const table = new MemoryIndexTable(meter);
  seedBatchLog(table, 'api', leaves, () => 10);
  const read: LeafReader = (shard, from, to) => readLeaves(table, shard, from, to, { consistent: true });
  return { leaves, meter, read, bucket: memoryTileBucket() };
}

const keysOf = (objects: Map<string, Buffer>) => [...objects.keys()].filter((k) => k.startsWith('tiles/api/')).sort();

describe('the seal tile step', () => {
  it('writes the C2SP tiles of each new size, each hash the root of its subtree, reading only the new leaves', async () => {
    const { leaves, meter, read, bucket } = setup(70_000);
    let previousSize = 0;
    for (const size of [1, 300, 300 + 20, 66_000, 70_000]) {
      const before = new Set(bucket.objects.keys());
      const itemsBefore = meter.summary();
      const r = await buildShardTiles(bucket.store, read, { shard: 'api', previousSize, size });
      const added = [...bucket.objects.keys()].filter((k) => !before.has(k)).sort();
      expect(added).toEqual(
        tilesAdded(previousSize, size)
          .map((t) => tileKey('api', t))
          .sort(),
      );
      expect(r).toMatchObject({ from: previousSize, size, written: added.length });
      // The batch log items of the new leaves (10 each), plus per round of 65,536 leaves the few its query reaches back for.
      expect(meter.since(itemsBefore).items).toBeLessThanOrEqual(Math.ceil((size - previousSize) / 10) + 11 * Math.ceil((size - previousSize) / 65_536));
      previousSize = size;
    }
    // Every tile of the last size is there, and each hash is MTH of its 256^level leaves.
    for (const t of tilesOfTree(70_000)) {
      const hashes = decodeTile(bucket.objects.get(tileKey('api', t))!, t);
      const span = TILE_WIDTH ** t.level;
      const i = hashes.length - 1;
      const first = (t.index * TILE_WIDTH + i) * span;
      expect(hashes[i]!.equals(rootOfRange(leaves, first, first + span))).toBe(true);
    }
    for (const k of keysOf(bucket.objects)) expect(() => parseTilePath(k.slice('tiles/api/'.length))).not.toThrow();
  });

  it("starts again from leaf 0 when the previous size's partial tiles are missing (its tile step failed)", async () => {
    const { read, bucket } = setup(3000);
    await buildShardTiles(bucket.store, read, { shard: 'api', previousSize: 0, size: 1000 });
    bucket.objects.delete(tileKey('api', { level: 0, index: 3, width: 232 }));
    const r = await buildShardTiles(bucket.store, read, { shard: 'api', previousSize: 1000, size: 3000 });
    expect(r.from).toBe(0);
    expect(keysOf(bucket.objects)).toEqual(
      [...new Set([...tilesOfTree(1000), ...tilesOfTree(3000)].map((t) => tileKey('api', t)))]
        .filter((k) => k !== tileKey('api', { level: 0, index: 3, width: 232 }))
        .sort(),
    );
  });

  it('racing or repeated runs write the same bytes (write-once accepts them)', async () => {
    const { read, bucket } = setup(5000);
    await Promise.all([1, 2].map(() => buildShardTiles(bucket.store, read, { shard: 'api', previousSize: 0, size: 5000 })));
    await buildShardTiles(bucket.store, read, { shard: 'api', previousSize: 0, size: 5000 });
    expect(keysOf(bucket.objects)).toEqual(
      tilesOfTree(5000)
        .map((t) => tileKey('api', t))
        .sort(),
    );
  });

  it('writes no partial tile for a size whose leaves it could not read', async () => {
    const { bucket } = setup(10);
    const table = new MemoryIndexTable();
    seedBatchLog(table, 'api', randomLeaves(600), () => 10, 0);
    const gap: LeafReader = async (shard, from, to) => {
      if (to > 512) throw Object.assign(new Error('gap'), { code: 'BATCH_LOG_GAP' });
      return readLeaves(table, shard, from, to);
    };
    await expect(buildShardTiles(bucket.store, gap, { shard: 'api', previousSize: 0, size: 600 }, { leavesPerRound: 512 })).rejects.toMatchObject({
      code: 'BATCH_LOG_GAP',
    });
    expect(keysOf(bucket.objects)).toEqual([tileKey('api', { level: 0, index: 0, width: 256 }), tileKey('api', { level: 0, index: 1, width: 256 })]);
  });
});

describe('witness submissions', () => {
  it('are tlog-witness add-checkpoint bodies beside the note, with the consistency proof from the tiles', async () => {
    const { leaves, read, bucket } = setup(9000);
    const note = (size: number) =>
      Buffer.from(`example.com/log/api\n${size}\n${rootOf(leaves.slice(0, size)).toString('base64')}\n\n— example.com/log/api AAAAAA==\n`);
    const key = (size: number) => `checkpoints/shards/api/${String(size).padStart(16, '0')}-0123456789abcdef.note`;
    const first = await tileAndSubmit(bucket.store, read, [{ shard: 'api', size: 1234, previousSize: 0, key: key(1234), note: note(1234) }]);
    expect(first.submissions).toEqual(['checkpoints/shards/api/0000000000001234-0123456789abcdef.add-checkpoint']);
    expect(bucket.objects.get(first.submissions[0]!)!.toString()).toBe(`old 0\n\n${note(1234).toString()}`);

    const second = await tileAndSubmit(bucket.store, read, [{ shard: 'api', size: 9000, previousSize: 1234, key: key(9000), note: note(9000) }]);
    const req = parseAddCheckpoint(bucket.objects.get(second.submissions[0]!)!);
    if (typeof req === 'string') throw new Error(req);
    expect(req.oldSize).toBe(1234);
    expect(req.note).toEqual(note(9000));
    expect(req.proof).toEqual(consistencyProof(1234, leaves.slice(0, 9000)));
    expect(checkConsistency(1234, 9000, rootOf(leaves.slice(0, 1234)), rootOf(leaves.slice(0, 9000)), req.proof).ok).toBe(true);
  });

  it('format exactly as C2SP tlog-witness shows', () => {
    const h = Buffer.alloc(32, 1);
    expect(witnessSubmission(5, [h, h], Buffer.from('note\n')).toString()).toBe(`old 5\n${h.toString('base64')}\n${h.toString('base64')}\n\nnote\n`);
    expect(submissionKey('checkpoints/shards/a/0000000000000005-00000000000000aa.note')).toBe(
      'checkpoints/shards/a/0000000000000005-00000000000000aa.add-checkpoint',
    );
  });
});
