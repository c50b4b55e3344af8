import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { mergeResults } from '../../bench/report/merge';
import { eventsPer, firehoseBilledBytes, median, regroupTrailFiles, windows } from '../../bench/cost/workload';
import { parseTrailKey } from '../../lib/contract/key-layout';
import { demoTrailLogs } from '../../lib/demo/demo-events';
import { scaleLogFiles, scaleTemplates } from '../../lib/demo/scale-events';

describe('the cost run workload', () => {
  it('bills a Firehose record in 5 KB increments', () => {
    expect(firehoseBilledBytes(1)).toBe(5120);
    expect(firehoseBilledBytes(3 * 1024)).toBe(5120);
    expect(firehoseBilledBytes(5120)).toBe(5120);
    expect(firehoseBilledBytes(12 * 1024)).toBe(15 * 1024);
  });

  it('maps 100 events/s onto a 30 s Firehose window and a five-minute log file', () => {
    expect(eventsPer(30, 100)).toBe(3000);
    expect(eventsPer(300, 100)).toBe(30_000);
  });

  it('regroups generated log files into larger ones with valid CloudTrail keys, every record once, in order', () => {
    const gen = [...scaleLogFiles(scaleTemplates(demoTrailLogs()), 2500)];
    const files = [...regroupTrailFiles(gen, 2000)];
    expect(files.map((f) => f.records.length)).toEqual([2000, 500]);
    expect(files.flatMap((f) => f.records.map((r) => r.eventID))).toEqual(gen.flatMap((f) => f.records.map((r) => r.eventID)));
    for (const f of files) {
      expect(parseTrailKey(f.key)?.kind).toBe('log');
      expect((JSON.parse(gunzipSync(f.body).toString('utf8')) as { Records: unknown[] }).Records).toHaveLength(f.records.length);
    }
    expect(new Set(files.map((f) => f.key)).size).toBe(files.length);
  });

  it('splits into windows and takes medians', () => {
    expect([...windows([1, 2, 3, 4, 5], 2)]).toEqual([[1, 2], [3, 4], [5]]);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBe(0);
  });
});

describe('mergeResults', () => {
  it("replaces only the sections that ran and records which, keeping the committed run's mode", () => {
    const previous = { run: { mode: 'full', date: 'then' }, verify_records_per_s: 1, usd_per_million_events: 7, cost: { old: true }, prices_checked: 'a' };
    const fresh = {
      run: { mode: 'full', date: 'now' },
      verify_records_per_s: null,
      usd_per_million_events: 0.4,
      usd_per_million_events_full_capture: 0.1,
      cost: { new: true },
      prices_checked: 'b',
    };
    const out = mergeResults(previous, fresh, ['cost']);
    expect(out.verify_records_per_s).toBe(1);
    expect(out.usd_per_million_events).toBe(0.4);
    expect(out.usd_per_million_events_full_capture).toBe(0.1);
    expect(out.cost).toEqual({ new: true });
    expect(out.run.mode).toBe('full');
    expect(out.run.date).toBe('then');
    expect(out.run.merged).toEqual([{ sections: ['cost'], mode: 'full', date: 'now' }]);
    expect(mergeResults(out, fresh, ['cost']).run.merged).toHaveLength(1);
    // A section that has not produced its figures yet keeps the committed ones.
    expect(mergeResults(previous, { ...fresh, usd_per_million_events: null, cost: null }, ['cost']).usd_per_million_events).toBe(7);
  });
});
