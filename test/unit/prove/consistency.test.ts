import { describe, expect, it } from 'vitest';
import { makeCheckpoint, trustedKeyFromPem, type ShardState, type SignedCheckpoint } from '../../../lib/core/checkpoint';
import { consistencyProof, rootOfRange } from '../../../lib/core/merkle';
import { checkConsistency } from '../../../lib/core/merkle/consistency';
import {
  CONSISTENCY_FORMAT,
  ConsistencyFileError,
  parseConsistencyFile,
  serializeConsistencyFile,
  type ConsistencyProofFile,
} from '../../../lib/verify/consistency-file';
import { archiveTreeSource, buildConsistencyProofs, proveShardConsistency } from '../../../lib/verify/consistency-source';
import { verifyConsistencyFile } from '../../../lib/verify/consistency-verify';
import { ProveError } from '../../../lib/verify/prove-error';
import { tileTreeSource, withFallback } from '../../../lib/prove/tile-tree-source';
import { readLeaves } from '../../../lib/prove/batch-log';
import { MemoryIndexTable } from '../../../lib/prove/memory-index-table';
import { signCheckpoint } from '../../../lib/seal/seal';
import { buildShardTiles } from '../../../lib/seal/tiles';
import { topLevel } from '../../../lib/core/tiles';
import { MemoryArchive, coverageDrafts, memoryTileBucket, randomLeaves, seedBatchLog } from './memory-archive';

const hex = (hs: readonly Uint8Array[]) => hs.map((h) => Buffer.from(h).toString('hex'));

function stateAt(leaves: readonly Buffer[], shard: string, size: number): ShardState {
  return { shard, size, root: rootOfRange(leaves, 0, size).toString('hex'), head: size > 0 ? leaves[size - 1]!.toString('hex') : '0'.repeat(64) };
}

/** A bucket as S3Source shows it: a missing key throws NoSuchKey. */
function bucketSource(bucket: ReturnType<typeof memoryTileBucket>) {
  return {
    get: async (key: string) => {
      const body = await bucket.store.get(key);
      if (!body) throw Object.assign(new Error(`NoSuchKey: ${key}`), { name: 'NoSuchKey' });
      return body;
    },
  };
}

describe('consistency proofs from the C2SP tiles in the bucket', () => {
  const N = 70_000;
  const leaves = randomLeaves(N);
  const table = new MemoryIndexTable();
  seedBatchLog(table, 'api', leaves, (s) => 1 + (s % 61));
  const bucket = memoryTileBucket();
  const meter = bucket.meter;
  // The newer size of each pair was a checkpoint's: the seal tiled through each of them in turn.
  const sealedSizes = [7, 256, 1001, 5000, 40_000, 67_890, 69_999, 70_000];
  const tiled = (async () => {
    let previousSize = 0;
    for (const size of sealedSizes) {
      await buildShardTiles(bucket.store, (shard, from, to) => readLeaves(table, shard, from, to), { shard: 'api', previousSize, size });
      previousSize = size;
    }
  })();
  const tiles = tileTreeSource(bucketSource(bucket));

  it('equals the proof computed from every leaf, in a few reads', async () => {
    await tiled;
    const pairs: [number, number][] = [
      [1, N],
      [255, 256],
      [256, 70_000],
      [1000, 1001],
      [65_536, 69_999],
      [12_345, 67_890],
      [3, 7],
      [40_000, 40_000],
      [69_998, 70_000],
    ];
    for (const [m, n] of pairs) {
      const before = meter.summary();
      const proof = await proveShardConsistency(tiles, stateAt(leaves, 'api', m), stateAt(leaves, 'api', n));
      const reads = meter.since(before);
      expect(hex(proof), `${m} -> ${n}`).toEqual(hex(consistencyProof(m, leaves.slice(0, n))));
      expect(checkConsistency(m, n, rootOfRange(leaves, 0, m), rootOfRange(leaves, 0, n), proof)).toEqual({ ok: true });
      // Tile GETs only, at most two per level of the newer tree.
      expect(Object.keys(reads.byOperation).filter((op) => op !== 'S3.GetObject')).toEqual([]);
      expect(reads.reads, `${m} -> ${n}`).toBeLessThanOrEqual(2 * (topLevel(n) + 1));
    }
  });

  it('tells a damaged index (it does not match the newer root) from checkpoints that disagree', async () => {
    await tiled;
    const forgedNew = { ...stateAt(leaves, 'api', 5000), root: 'ab'.repeat(32) };
    const err = await proveShardConsistency(tiles, stateAt(leaves, 'api', 1000), forgedNew).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProveError);
    expect((err as ProveError).code).toBe('INDEX_MISMATCH');
    // An old root of another history: the index matches the newer checkpoint, so the proof comes back and fails.
    const forgedOld = { ...stateAt(leaves, 'api', 1000), root: 'cd'.repeat(32) };
    const proof = await proveShardConsistency(tiles, forgedOld, stateAt(leaves, 'api', 5000));
    expect(checkConsistency(1000, 5000, Buffer.from(forgedOld.root, 'hex'), rootOfRange(leaves, 0, 5000), proof)).toMatchObject({
      ok: false,
      reason: 'OLD_ROOT',
    });
  });
});

describe('consistency proof files from an archive', () => {
  const archive = new MemoryArchive('immutrail.test/consistency');
  const keys = [trustedKeyFromPem('immutrail.test/consistency', archive.signer.publicKeyPem())];
  let cp1: SignedCheckpoint;
  let cp2: SignedCheckpoint;
  const ready = (async () => {
    archive.commit('api', coverageDrafts('a1', 5));
    archive.commit('ec2', coverageDrafts('e1', 2));
    cp1 = await archive.seal();
    archive.commit('api', coverageDrafts('a2', 9));
    archive.commit('iam', coverageDrafts('i2', 3));
    cp2 = await archive.seal();
  })();

  const fileOf = async (old: SignedCheckpoint, now: SignedCheckpoint): Promise<ConsistencyProofFile> => {
    const built = await buildConsistencyProofs(old, now, archiveTreeSource(archive.source()));
    expect(built.unproven.size).toBe(0);
    return { format: CONSISTENCY_FORMAT, old: old.note.toString('utf8'), new: now.note.toString('utf8'), shards: built.shards };
  };

  it('proves every shared shard, notes new shards, and survives serialization byte for byte', async () => {
    await ready;
    const file = await fileOf(cp1, cp2);
    expect(file.shards.map((s) => [s.shard, s.oldSize, s.newSize])).toEqual([
      ['api', 6, 15],
      ['ec2', 3, 3],
    ]);
    const text = serializeConsistencyFile(file);
    expect(serializeConsistencyFile(parseConsistencyFile(text))).toBe(text);
    const r = verifyConsistencyFile(parseConsistencyFile(text), keys);
    expect(r.ok).toBe(true);
    expect(r.added).toEqual(['iam']);
    expect(r.shards.map((s) => s.ok)).toEqual([true, true]);
  });

  it('gives the same proofs from the tiles alone, and falls back to the objects for a shard without tiles', async () => {
    await ready;
    const fromObjects = await buildConsistencyProofs(cp1, cp2, archiveTreeSource(archive.source()));
    expect(await buildConsistencyProofs(cp1, cp2, tileTreeSource(archive.source()))).toEqual(fromObjects);

    // Sealed before tiles existed (or with a tile step that failed): no tile to read.
    const bare = new MemoryArchive('immutrail.test/bare');
    bare.commit('api', coverageDrafts('b1', 300));
    const s1 = await bare.seal({ tile: false });
    bare.commit('api', coverageDrafts('b2', 40));
    const s2 = await bare.seal({ tile: false });
    const none = await buildConsistencyProofs(s1, s2, tileTreeSource(bare.source()));
    expect(none.unproven.get('api')).toMatch(/tiles\/api\/tile\/.* is not stored/);
    const rebuilt = await buildConsistencyProofs(s1, s2, archiveTreeSource(bare.source()));
    expect(await buildConsistencyProofs(s1, s2, withFallback(tileTreeSource(bare.source()), archiveTreeSource(bare.source())))).toEqual(rebuilt);
    expect(rebuilt.shards[0]!.proof.length).toBeGreaterThan(0);
  });

  it('fails with the reason: swapped order, flipped hash, wrong size, missing proof, vanished shard, bad key', async () => {
    await ready;
    const file = await fileOf(cp1, cp2);
    const reasons = (f: ConsistencyProofFile, k = keys) =>
      verifyConsistencyFile(f, k)
        .shards.filter((s) => !s.ok)
        .map((s) => `${s.shard}:${s.reason}`);

    // Swapped: api shrinks, iam vanishes (ec2 did not change, so its empty proof still holds).
    expect(reasons({ ...file, old: file.new, new: file.old })).toEqual(['api:SHRUNK', 'iam:VANISHED']);
    const flipped = file.shards.map((s) =>
      s.shard === 'api' ? { ...s, proof: [s.proof[0]!.replace(/^./, (c) => (c === '0' ? '1' : '0')), ...s.proof.slice(1)] } : s,
    );
    expect(reasons({ ...file, shards: flipped })[0]).toMatch(/^api:(OLD_ROOT|NEW_ROOT)$/);
    expect(reasons({ ...file, shards: file.shards.map((s) => ({ ...s, newSize: s.newSize + 1 })) })).toEqual(['api:SIZE_MISMATCH', 'ec2:SIZE_MISMATCH']);
    expect(reasons({ ...file, shards: file.shards.filter((s) => s.shard !== 'ec2') })).toEqual(['ec2:NO_PROOF']);

    // A newer checkpoint, signed with the key, that drops shard ec2: it vanished.
    const dropped = await signCheckpoint(
      archive.signer,
      makeCheckpoint(
        cp2.checkpoint.origin,
        cp2.checkpoint.shards.filter((s) => s.shard !== 'ec2'),
        null,
        new Date(cp2.checkpoint.time),
      ),
    );
    const vanished = verifyConsistencyFile({ ...file, new: dropped.note.toString('utf8'), shards: file.shards.filter((s) => s.shard !== 'ec2') }, keys);
    expect(vanished.ok).toBe(false);
    expect(vanished.vanished).toEqual(['ec2']);

    const other = new MemoryArchive('immutrail.test/consistency');
    const wrongKey = verifyConsistencyFile(file, [trustedKeyFromPem('immutrail.test/consistency', other.signer.publicKeyPem())]);
    expect([wrongKey.ok, wrongKey.old.ok, wrongKey.new.ok]).toEqual([false, false, false]);
    expect(wrongKey.old.message).toMatch(/signature does not verify/);
  });

  it('a forked history, signed with the key, is not consistent with the archive (OLD_ROOT)', async () => {
    await ready;
    // An old checkpoint of another history of the same size: what a split view shows one auditor.
    const forkedShards = cp1.checkpoint.shards.map((s) => (s.shard === 'api' ? { ...s, root: 'ee'.repeat(32) } : s));
    const forked = await signCheckpoint(archive.signer, makeCheckpoint(cp1.checkpoint.origin, forkedShards, null, new Date(cp1.checkpoint.time)));
    const r = verifyConsistencyFile(await fileOf(forked, cp2), keys);
    expect(r.ok).toBe(false);
    expect(r.shards.find((s) => s.shard === 'api')).toMatchObject({ ok: false, reason: 'OLD_ROOT' });
    expect(r.shards.find((s) => s.shard === 'ec2')).toMatchObject({ ok: true });
  });

  it('an archive missing the records cannot give a proof, and says so', async () => {
    await ready;
    const source = archive.source();
    const partial = {
      ...source,
      async *list(prefix: string) {
        for await (const o of source.list(prefix)) if (!o.key.includes('shard=api/') || !o.key.includes('/0000000000000000-')) yield o;
      },
    };
    const built = await buildConsistencyProofs(cp1, cp2, archiveTreeSource(partial));
    expect([...built.unproven.keys()]).toEqual(['api']);
    expect(built.unproven.get('api')).toMatch(/holds 15 records/);
    const file = { format: CONSISTENCY_FORMAT, old: cp1.note.toString('utf8'), new: cp2.note.toString('utf8'), shards: built.shards } as const;
    expect(verifyConsistencyFile(file, keys, built.unproven).shards.find((s) => s.shard === 'api')).toMatchObject({ reason: 'NO_PROOF' });
  });

  it('rejects files that are not consistency proofs with a code', () => {
    const code = (text: string) => {
      try {
        parseConsistencyFile(text);
        return 'parsed';
      } catch (e) {
        return (e as ConsistencyFileError).code;
      }
    };
    expect(code('{')).toBe('NOT_JSON');
    expect(code('{"format":"immutrail.inclusion-proof/v1"}')).toBe('NOT_A_PROOF');
    expect(code('{"format":"immutrail.consistency-proof/v2"}')).toBe('UNSUPPORTED_FORMAT');
    expect(code('{"format":"immutrail.consistency-proof/v1","old":"x","new":"y","shards":[],"extra":1}')).toBe('MALFORMED');
    expect(code('{"format":"immutrail.consistency-proof/v1","old":"x","new":"y","shards":[{"shard":"api","oldSize":1,"newSize":2,"proof":["AB"]}]}')).toBe(
      'MALFORMED',
    );
    expect(code('{"format":"immutrail.consistency-proof/v1","old":"x","new":"y","shards":[]}')).toBe('parsed');
  });
});
