import { describe, expect, it } from 'vitest';
import { DynamoSuppressionStore } from '../../lib/aws/suppression-store';
import type { SuppressionState } from '../../lib/core/detect/suppression';
import { useMoto } from '../support/moto';
import { createTestArchive } from '../support/archive-env';

describe('DynamoSuppressionStore on moto', () => {
  const moto = useMoto();

  it('writes and reads back states past the per-request limits (25 writes, 100 reads), and leaves unknown fingerprints out', async () => {
    const a = await createTestArchive(moto.target);
    const store = new DynamoSuppressionStore(a.ddb, a.table);
    const states = new Map<string, SuppressionState>(
      Array.from({ length: 130 }, (_, i) => [`fp-${i}`, { lastSentAt: `2026-11-27T03:${String(i % 60).padStart(2, '0')}:00.000Z`, suppressed: i }]),
    );
    await store.putMany(states);
    const read = await store.getMany([...states.keys(), 'fp-never-seen', 'fp-0']);
    expect(read).toEqual(states);
    expect(await store.getMany([])).toEqual(new Map());
  });

  it('keeps the severity sent in the window and when the same call last failed', async () => {
    const a = await createTestArchive(moto.target);
    const store = new DynamoSuppressionStore(a.ddb, a.table);
    const full: SuppressionState = { lastSentAt: '2026-11-27T03:00:00.000Z', suppressed: 2, severity: 'high', failedAt: '2026-11-27T03:00:15.000Z' };
    await store.putMany(
      new Map([
        ['fp-full', full],
        ['fp-old', { lastSentAt: '2026-11-27T03:00:00.000Z', suppressed: 0 }],
      ]),
    );
    const read = await store.getMany(['fp-full', 'fp-old']);
    expect(read.get('fp-full')).toEqual(full);
    expect(read.get('fp-old')).toEqual({ lastSentAt: '2026-11-27T03:00:00.000Z', suppressed: 0 });
  });
});
