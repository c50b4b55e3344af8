import { describe, expect, it } from 'vitest';
import { batchKey, checkpointKey } from '../../../lib/core/layout';
import { checkpointKeyDay, coveringCheckpointKeys, periodBatchKeys } from '../../../lib/evidence/select-keys';
import type { ArchiveSource } from '../../../lib/core/archive-source';

/** An archive of keys only, listed in key order as S3 lists them. */
function keysOnly(keys: readonly string[]): ArchiveSource {
  const sorted = [...keys].sort();
  return {
    async *list(prefix: string) {
      for (const key of sorted) if (key.startsWith(prefix)) yield { key };
    },
    get: async () => Buffer.alloc(0),
    describe: () => 'keys',
  };
}

const cp = (size: number, time: string) => checkpointKey(size, time, 'ab'.repeat(16));
const batch = (date: string, first: number) => batchKey({ shard: 'api', date, firstSeq: first, lastSeq: first + 1, batchId: '0123456789abcdef' });

describe('the keys an evidence bundle takes', () => {
  const checkpoints = [
    cp(2, '2026-03-30T23:50:00.000Z'),
    cp(4, '2026-03-31T12:00:00.000Z'),
    cp(6, '2026-04-01T00:10:00.000Z'),
    cp(8, '2026-04-02T09:00:00.000Z'),
  ];

  it('reads the day of a checkpoint key', () => {
    expect(checkpointKeyDay(checkpoints[1])).toBe('2026-03-31');
    expect(checkpointKeyDay('checkpoints/not-a-note.note')).toBeNull();
  });

  it('takes checkpoints from the first on or after the period start to the newest, and the one before as the anchor', async () => {
    expect(await coveringCheckpointKeys(keysOnly(checkpoints), { from: '2026-04-01', to: '2026-04-01' })).toEqual(checkpoints.slice(1));
  });

  it('takes every checkpoint when the first is in the period, and only the newest when all are before it', async () => {
    expect(await coveringCheckpointKeys(keysOnly(checkpoints), { from: '2026-03-01', to: '2026-03-31' })).toEqual(checkpoints);
    expect(await coveringCheckpointKeys(keysOnly(checkpoints), { from: '2026-05-01', to: '2026-05-02' })).toEqual(checkpoints.slice(3));
    expect(await coveringCheckpointKeys(keysOnly([]), { from: '2026-05-01', to: '2026-05-02' })).toEqual([]);
  });

  it('takes the batch objects committed on the period days, and no foreign key', async () => {
    const batches = [batch('2026-03-31', 0), batch('2026-04-01', 2), batch('2026-04-02', 4), batch('2026-04-03', 6)];
    const source = keysOnly([...batches, 'records/shard=api/dt=2026-04-01/stray.txt', ...checkpoints]);
    expect(await periodBatchKeys(source, { from: '2026-04-01', to: '2026-04-02' })).toEqual(batches.slice(1, 3));
  });
});
