import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../../lib/core/map-limit';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapLimit', () => {
  it('returns results in the order of the items, whatever order the calls finish in', async () => {
    const out = await mapLimit([30, 5, 20, 1], 4, async (ms, i) => {
      await tick(ms);
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:30', '1:5', '2:20', '3:1']);
  });

  it('never has more than `limit` calls in flight, and uses all of them', async () => {
    let inFlight = 0;
    let most = 0;
    await mapLimit(
      Array.from({ length: 20 }, (_, i) => i),
      3,
      async (i) => {
        most = Math.max(most, ++inFlight);
        await tick(i % 3);
        inFlight--;
      },
    );
    expect(most).toBe(3);
  });

  it('calls fn once per item, and not at all for no items', async () => {
    const seen: number[] = [];
    await mapLimit([1, 2, 3, 4, 5], 2, async (n) => void seen.push(n));
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });

  it('rejects with the first error only once the calls in flight have settled', async () => {
    let settled = 0;
    const run = mapLimit([0, 1, 2], 3, async (n) => {
      await tick(n === 0 ? 0 : 20);
      settled++;
      if (n === 0) throw new Error('first');
      if (n === 1) throw new Error('second');
    });
    await expect(run).rejects.toThrow('first');
    expect(settled).toBe(3);
  });

  it('rejects with the first error and starts no further items', async () => {
    const started: number[] = [];
    const run = mapLimit([0, 1, 2, 3, 4, 5], 1, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('boom');
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([0, 1, 2]);
  });

  it('refuses a limit below 1 instead of hanging', async () => {
    await expect(mapLimit([1], 0, async (n) => n)).rejects.toThrow(RangeError);
  });
});
