import { describe, expect, it } from 'vitest';
import { noteHash, trustedKeyFromPem } from '../../lib/core/checkpoint';
import { shardCheckpointKey } from '../../lib/core/layout';
import { LocalSigner } from '../../lib/core/local-signer';
import { rootOf } from '../../lib/core/merkle';
import { createHash } from 'node:crypto';
import { signShardNote } from '../../lib/seal/shard-notes';
import { checkShardNotes, readShardNotes, type ShardRecordsView } from '../../lib/verify/shard-checkpoints';

const ORIGIN = 'immutrail.test/123456789012/Trail';
const signer = new LocalSigner(ORIGIN);
const keys = [trustedKeyFromPem(ORIGIN, signer.publicKeyPem())];
const leaves = Array.from({ length: 6 }, (_, i) => createHash('sha256').update(`ec2/${i}`).digest());
const rootAt = (n: number) => rootOf(leaves.slice(0, n)).toString('hex');
const state = (size: number, root = rootAt(size)) => ({ shard: 'ec2', size, root, head: '00'.repeat(32) });
const view = (committed: ShardRecordsView['committed'] = []): ShardRecordsView => ({
  lengths: new Map([['ec2', 6]]),
  roots: new Map([['ec2', new Map([2, 4, 6].map((n) => [n, rootAt(n)]))]]),
  committed,
});

async function noteFor(size: number, root?: string) {
  return signShardNote(signer, ORIGIN, state(size, root));
}

describe('shard checkpoint verification', () => {
  it('accepts notes that match the records, and reports nothing', async () => {
    const files = [await noteFor(2), await noteFor(6)];
    const read = readShardNotes(files, keys, ORIGIN);
    expect(read.problems).toEqual([]);
    expect(read.valid.map((n) => n.size)).toEqual([2, 6]);
    expect(
      checkShardNotes(
        read.valid,
        view([
          { shard: 'ec2', size: 2 },
          { shard: 'ec2', size: 6 },
        ]),
      ),
    ).toEqual({ problems: [], notices: [] });
  });

  it('a note signed over another root: CHECKPOINT_MISMATCH', async () => {
    const forged = await noteFor(4, rootAt(3));
    const read = readShardNotes([forged], keys, ORIGIN);
    expect(read.problems).toEqual([]);
    expect(checkShardNotes(read.valid, view()).problems).toEqual([expect.objectContaining({ code: 'CHECKPOINT_MISMATCH', key: forged.key, shard: 'ec2' })]);
  });

  it('a tampered root: CHECKPOINT_SIGNATURE when re-keyed to its new hash, CHECKPOINT_MALFORMED when left under the old key', async () => {
    const good = await noteFor(4);
    const lines = good.note.toString('utf8').split('\n');
    lines[2] = Buffer.from(rootAt(3), 'hex').toString('base64');
    const tampered = Buffer.from(lines.join('\n'), 'utf8');
    const rekeyed = shardCheckpointKey('ec2', 4, noteHash(tampered));
    expect(readShardNotes([{ key: rekeyed, note: tampered }], keys, ORIGIN)).toEqual({
      valid: [],
      problems: [expect.objectContaining({ code: 'CHECKPOINT_SIGNATURE', key: rekeyed, shard: 'ec2' })],
    });
    expect(readShardNotes([{ key: good.key, note: tampered }], keys, ORIGIN).problems).toEqual([
      expect.objectContaining({ code: 'CHECKPOINT_MALFORMED', key: good.key }),
    ]);
  });

  it('a note whose signature fails under a correct key: CHECKPOINT_SIGNATURE', async () => {
    const other = new LocalSigner(ORIGIN);
    const forged = await signShardNote(other, ORIGIN, state(4));
    const read = readShardNotes([forged], keys, ORIGIN);
    expect(read.problems).toEqual([expect.objectContaining({ code: 'CHECKPOINT_SIGNATURE', key: forged.key, shard: 'ec2' })]);
  });

  it('a note larger than the shard: TRUNCATED', async () => {
    const big = await noteFor(6);
    const read = readShardNotes([big], keys, ORIGIN);
    const short = { ...view(), lengths: new Map([['ec2', 5]]) };
    expect(checkShardNotes(read.valid, short).problems).toEqual([expect.objectContaining({ code: 'TRUNCATED', shard: 'ec2', seq: 5 })]);
  });

  it('a note under another archive origin, or in another shard folder: CHECKPOINT_MALFORMED', async () => {
    const foreign = await signShardNote(new LocalSigner('evil.example/1/X'), 'evil.example/1/X', state(2));
    expect(readShardNotes([foreign], keys, ORIGIN).problems).toEqual([expect.objectContaining({ code: 'CHECKPOINT_MALFORMED' })]);
    const good = await noteFor(2);
    const moved = { key: good.key.replace('/ec2/', '/api/'), note: good.note };
    expect(readShardNotes([moved], keys, ORIGIN).problems).toEqual([expect.objectContaining({ code: 'CHECKPOINT_MALFORMED', shard: 'api' })]);
    expect(readShardNotes([{ key: 'checkpoints/shards/ec2/x.note', note: good.note }], keys, ORIGIN).problems[0].code).toBe('CHECKPOINT_MALFORMED');
  });

  it('sizes committed by archive-wide checkpoints without a shard note: a notice, only when some shard notes exist', async () => {
    const read = readShardNotes([await noteFor(6)], keys, ORIGIN);
    const r = checkShardNotes(
      read.valid,
      view([
        { shard: 'ec2', size: 2 },
        { shard: 'ec2', size: 6 },
        { shard: 'api', size: 1 },
      ]),
    );
    expect(r.problems).toEqual([]);
    expect(r.notices.map((n) => [n.code, n.shard])).toEqual([
      ['SHARD_NOTE_MISSING', 'ec2'],
      ['SHARD_NOTE_MISSING', 'api'],
    ]);
    expect(checkShardNotes([], view([{ shard: 'ec2', size: 2 }]))).toEqual({ problems: [], notices: [] });
  });
});
