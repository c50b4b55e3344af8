import { describe, expect, it } from 'vitest';
import { useMoto } from '../support/moto';
import { formatTable, runFaultSuite } from './suite';

/**
 * The fault-injection suite of issue 19 at CI size (`npm run faults` runs it at
 * 2,000 events; docs/RELIABILITY.md). Four ingest invocations race on the same
 * shards through both lanes, with duplicates, shuffling, 500s, throttling,
 * timeouts, lost responses, unprocessed batch items, kills between the put and
 * the commit and lost deletes, while two seal loops run; then one DLQ redrive
 * and the audit.
 */
describe('fault injection at CI size (300 events, 5% faults, seed 1919)', () => {
  const moto = useMoto();

  it('archives every event exactly once, forks nothing, and every verifier accepts the archive', async () => {
    const r = await runFaultSuite({ target: moto.target, seed: 1919, events: 300, rate: 0.05 });
    const table = formatTable(r);
    expect(r.faults.total, table).toBeGreaterThan(0);
    expect(r.faults.kill + r.faults['lost-response'], table).toBeGreaterThan(0);
    expect(r.duplicatesDelivered.total, table).toBeGreaterThan(0);
    expect(r.audit.lost, table).toEqual([]);
    expect(r.audit.duplicated, table).toEqual([]);
    expect(r.audit.unexpected, table).toEqual([]);
    expect(r.audit.forks, table).toEqual([]);
    expect(r.audit.committedEvents, table).toBe(300);
    expect(r.dlq.leftAfterRedrive, table).toBe(0);
    expect(r.verify.online.problems, table).toEqual([]);
    expect(r.verify.offline.problems, table).toEqual([]);
    expect(r.verify.python.valid, table).toBe(true);
    expect(r.failures, table).toEqual([]);
    expect(r.ok).toBe(true);
  }, 120_000);

  it('is not a suite that cannot fail: with the exactly-once check sabotaged, it reports duplicates', async () => {
    const r = await runFaultSuite({ target: moto.target, seed: 7, events: 120, rate: 0.02, python: false, sabotage: 'no-dedup' });
    expect(r.audit.duplicated.length).toBeGreaterThan(0);
    expect(r.ok).toBe(false);
    expect(r.failures.join('\n')).toMatch(/archived more than once/);
  }, 120_000);
});
