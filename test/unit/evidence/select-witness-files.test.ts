import { describe, expect, it } from 'vitest';
import type { ArchiveSource } from '../../../lib/core/archive-source';
import { makeCheckpoint, type ShardState } from '../../../lib/core/checkpoint';
import { checkpointKey } from '../../../lib/core/layout';
import { LocalSigner } from '../../../lib/core/local-signer';
import { witnessFileKeys } from '../../../lib/evidence/select-witness-files';
import { signCheckpoint } from '../../../lib/seal/seal';

/** An archive in memory, listed in key order as S3 lists it. */
function inMemory(objects: ReadonlyMap<string, Buffer>): ArchiveSource {
  const sorted = [...objects.keys()].sort();
  return {
    async *list(prefix: string) {
      for (const key of sorted) if (key.startsWith(prefix)) yield { key };
    },
    get: async (key) => objects.get(key)!,
    describe: () => 'memory',
  };
}

const state = (shard: string, size: number): ShardState => ({ shard, size, root: 'aa'.repeat(32), head: 'bb'.repeat(32) });
const note = (shard: string, size: number, hash: string) => `checkpoints/shards/${shard}/${String(size).padStart(16, '0')}-${hash.repeat(8)}.note`;

describe('the shard checkpoints, witness requests and cosignatures an evidence bundle takes', () => {
  it("takes the shard notes the covering checkpoints commit to, with their requests and every witness's cosigned copies, and nothing else", async () => {
    const signer = new LocalSigner('example.com/log');
    const cp = await signCheckpoint(signer, makeCheckpoint('example.com/log', [state('api', 5), state('ec2', 2)], null, new Date('2026-04-01T00:00:00Z')));
    const covering = checkpointKey(7, cp.checkpoint.time, 'ab'.repeat(16));
    const inPeriod = [note('api', 5, 'a1'), note('ec2', 2, 'e2')];
    // api's size 3 belongs to an older checkpoint, not in the bundle; so do its request and cosignature.
    const older = note('api', 3, 'a0');
    const request = (n: string) => n.replace(/\.note$/, '.add-checkpoint');
    const cosigned = (witness: string, n: string) => `cosignatures/${witness}/${n.slice('checkpoints/shards/'.length)}`;
    const objects = new Map<string, Buffer>([
      [covering, cp.note],
      ...[...inPeriod, older].map((k): [string, Buffer] => [k, Buffer.from('n')]),
      [request(inPeriod[0]!), Buffer.from('r')],
      [request(older), Buffer.from('r')],
      [cosigned('witness.example/w1', inPeriod[0]!), Buffer.from('c')],
      [cosigned('w2', inPeriod[1]!), Buffer.from('c')],
      [cosigned('w2', older), Buffer.from('c')],
      ['cosignatures/README', Buffer.from('x')],
    ]);
    const keys = await witnessFileKeys(inMemory(objects), [covering]);
    expect(keys.notes).toEqual(inPeriod);
    expect(keys.requests).toEqual([request(inPeriod[0]!)]);
    expect(keys.cosigned).toEqual([cosigned('w2', inPeriod[1]!), cosigned('witness.example/w1', inPeriod[0]!)].sort());
  });

  it('a checkpoint that does not parse commits to nothing: its shard notes are left out, not a crash', async () => {
    const bad = checkpointKey(7, '2026-04-01T00:00:00.000Z', 'ab'.repeat(16));
    const objects = new Map([
      [bad, Buffer.from('not a note')],
      [note('api', 5, 'a1'), Buffer.from('n')],
    ]);
    expect(await witnessFileKeys(inMemory(objects), [bad])).toEqual({ notes: [], requests: [], cosigned: [] });
  });
});
