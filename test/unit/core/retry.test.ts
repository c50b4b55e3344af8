import { describe, expect, it } from 'vitest';
import { backoffMs, retry } from '../../../lib/core/retry';

class Busy extends Error {}

/** A call that fails with the given errors in turn, then returns 'ok'. */
function failing(errors: Error[]): { fn: (attempt: number) => Promise<string>; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    fn: async (attempt) => {
      calls.push(attempt);
      const err = errors.shift();
      if (err) throw err;
      return 'ok';
    },
  };
}

describe('retry', () => {
  it('tries again on a retryable error, with waits that double, and returns the first success', async () => {
    const waits: number[] = [];
    const call = failing([new Busy(), new Busy(), new Busy()]);
    const out = await retry(call.fn, {
      attempts: 5,
      baseMs: 10,
      retryable: (e) => e instanceof Busy,
      sleep: async (ms) => void waits.push(ms),
      random: () => 0.5,
    });
    expect(out).toBe('ok');
    expect(call.calls).toEqual([1, 2, 3, 4]);
    expect(waits).toEqual([10, 20, 40]);
  });

  it('throws the last error after `attempts` calls, without a wait after it', async () => {
    const waits: number[] = [];
    const last = new Busy('third');
    const call = failing([new Busy(), new Busy(), last, new Busy()]);
    await expect(retry(call.fn, { attempts: 3, baseMs: 1, retryable: () => true, sleep: async (ms) => void waits.push(ms) })).rejects.toBe(last);
    expect(call.calls).toEqual([1, 2, 3]);
    expect(waits).toHaveLength(2);
  });

  it('throws an error the predicate refuses at once', async () => {
    const bug = new TypeError('a bug, not a throttle');
    const call = failing([new Busy(), bug]);
    await expect(retry(call.fn, { attempts: 10, baseMs: 0, retryable: (e) => e instanceof Busy, sleep: async () => {} })).rejects.toBe(bug);
    expect(call.calls).toEqual([1, 2]);
  });

  it('waits for real when no sleep is given', async () => {
    const started = Date.now();
    await retry(failing([new Busy()]).fn, { attempts: 2, baseMs: 20, retryable: () => true, random: () => 0.5 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });
});

describe('backoffMs', () => {
  it('jitters each wait within ±50% of base × 2^(attempt-1)', () => {
    expect(backoffMs(1, { baseMs: 20 }, () => 0)).toBe(10);
    expect(backoffMs(1, { baseMs: 20 }, () => 0.999)).toBeCloseTo(29.98);
    expect(backoffMs(4, { baseMs: 20 }, () => 0.5)).toBe(160);
  });

  it('stops doubling after maxDoublings', () => {
    expect(backoffMs(6, { baseMs: 20, maxDoublings: 5 }, () => 0.5)).toBe(640);
    expect(backoffMs(30, { baseMs: 20, maxDoublings: 5 }, () => 0.5)).toBe(640);
  });
});
