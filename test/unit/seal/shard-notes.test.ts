import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ChainHead } from '../../../lib/core/chain';
import { trustedKeyFromPem, type SignedCheckpoint } from '../../../lib/core/checkpoint';
import { parseShardCheckpointKey } from '../../../lib/core/layout';
import { LocalSigner } from '../../../lib/core/local-signer';
import { Frontier } from '../../../lib/core/merkle';
import { parseShardCheckpoint, verifyShardCheckpoint } from '../../../lib/core/shard-checkpoint';
import { seal, shardState, type SealDeps } from '../../../lib/seal/seal';

const ORIGIN = 'immutrail.test/123456789012/Trail';

/** A shard of n records with made-up leaves: enough for the seal, which reads only heads. */
function head(shard: string, n: number): ChainHead {
  const f = Frontier.empty();
  let last = Buffer.alloc(32);
  for (let i = 0; i < n; i++) f.append((last = createHash('sha256').update(`${shard}/${i}`).digest()));
  return { shard, seq: n - 1, hash: last.toString('hex'), frontier: f.toJSON() };
}

/** In-memory stand-ins for the chain store and the checkpoint store, logging the order of writes. */
function fakes() {
  const sizes = new Map<string, number>();
  const writes: string[] = [];
  const shardNotes = new Map<string, Buffer>();
  let latest: Buffer | null = null;
  const signer = new LocalSigner(ORIGIN);
  const deps: SealDeps = {
    store: { shards: async () => [...sizes.keys()], head: async (s) => head(s, sizes.get(s)!) },
    checkpoints: {
      latest: async () => latest,
      publish: async (signed: SignedCheckpoint) => {
        writes.push('checkpoint');
        latest = signed.note;
        return `checkpoints/${signed.checkpoint.size}`;
      },
      putShardNote: async (key, note) => {
        writes.push(key);
        shardNotes.set(key, note);
      },
    },
    signer,
    origin: ORIGIN,
  };
  return { sizes, writes, shardNotes, deps, keys: [trustedKeyFromPem(ORIGIN, signer.publicKeyPem())] };
}

describe('seal writes shard checkpoints', () => {
  it('for new and grown shards only, before the archive-wide checkpoint, each matching its shard line', async () => {
    const f = fakes();
    f.sizes.set('api', 3).set('ec2', 1);
    const first = await seal(f.deps);
    expect(first.shardNotes.map((n) => [n.shard, n.size, n.previousSize])).toEqual([
      ['api', 3, 0],
      ['ec2', 1, 0],
    ]);
    expect(f.writes.at(-1)).toBe('checkpoint');
    expect(f.writes.slice(0, -1).sort()).toEqual(first.shardNotes.map((n) => n.key).sort());

    for (const n of first.shardNotes) {
      const signed = parseShardCheckpoint(n.note);
      verifyShardCheckpoint(signed, f.keys);
      const line = first.signed.checkpoint.shards.find((s) => s.shard === n.shard)!;
      expect(signed.checkpoint).toEqual({ origin: `${ORIGIN}/${n.shard}`, size: line.size, root: line.root });
      expect(parseShardCheckpointKey(n.key)).toMatchObject({ shard: n.shard, size: n.size });
      expect(f.shardNotes.get(n.key)).toEqual(n.note);
    }

    // Only api grows; ec2 is unchanged and a new shard appears.
    f.sizes.set('api', 5).set('s3', 2);
    f.writes.length = 0;
    const second = await seal(f.deps);
    expect(second.shardNotes.map((n) => [n.shard, n.size, n.previousSize])).toEqual([
      ['api', 5, 3],
      ['s3', 2, 0],
    ]);
    expect(f.writes.at(-1)).toBe('checkpoint');
    expect(parseShardCheckpoint(second.shardNotes[0].note).checkpoint.root).toBe(shardState(head('api', 5)).root);
  });

  it('writes none when nothing changed (the idle seal still signs an archive-wide checkpoint)', async () => {
    const f = fakes();
    f.sizes.set('api', 2);
    await seal(f.deps);
    f.writes.length = 0;
    const idle = await seal(f.deps);
    expect(idle.shardNotes).toEqual([]);
    expect(f.writes).toEqual(['checkpoint']);
  });

  it('does not publish the archive-wide checkpoint when a shard note cannot be stored', async () => {
    const f = fakes();
    f.sizes.set('api', 2);
    f.deps.checkpoints.putShardNote = async () => {
      throw new Error('S3 down');
    };
    await expect(seal(f.deps)).rejects.toThrow('S3 down');
    expect(f.writes).toEqual([]);
  });
});
