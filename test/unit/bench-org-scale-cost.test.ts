import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PriceTable } from '../../bench/cost/pricing';
import { breakingPoints } from '../../bench/org-scale/limits';
import { ORG_LOAD, paperRates } from '../../bench/org-scale/load-model';
import { orgCost } from '../../bench/org-scale/org-cost';
import type { OrgScaleRun } from '../../bench/org-scale/summary';

const prices = JSON.parse(readFileSync(join(__dirname, '..', '..', 'bench', 'prices.json'), 'utf8')) as PriceTable;

const shard = (s: string, commitsPerS: number, recordsPerS: number) => ({
  shard: s,
  commitsPerS,
  casAttemptsPerS: commitsPerS,
  casConflictsPerS: 0,
  recordsPerS,
  recordsPerCommit: recordsPerS / commitsPerS,
  peakCasPerS: 2,
});

/** A run with round numbers: 1,000 records committed a second, so per-record figures are per-second ones / 1,000. */
function run(): OrgScaleRun {
  return {
    load: ORG_LOAD,
    factor: 1,
    paper: paperRates(ORG_LOAD),
    seconds: 300,
    warmupS: 450,
    settings: { batchSize: 10, batchingWindowMs: 10_000, maxConcurrency: 2, memoryMb: 1769, timeoutS: 300 },
    wallS: 1,
    processCpuS: 1,
    events: { trailPerS: 1000, livePerS: 150, committedRecordsPerS: 1000, duplicatesPerS: 150, quarantined: 0, trailDeferred: 0 },
    lambda: {
      invocations: 30,
      invocationsPerS: 0.1,
      meanDurationMs: 4000,
      p95DurationMs: 5000,
      maxDurationMs: 6000,
      cpuMsPerEvent: 0.3,
      concurrencyNeeded: 0.4,
      maxConcurrent: 2,
      failedMessages: 0,
      maxQueueAgeS: 10,
      backlogAtEnd: 0,
    },
    shards: { count: 101, hottest: shard('org-100000000000', 0.5, 200), median: shard('org-100000000050', 0.05, 8), coverage: shard('api', 0.6, 0.6) },
    dynamodb: {
      transactionsPerS: 6,
      wruPerS: 100,
      rruPerS: 10,
      hottestPartition: { key: 'batch#org-100000000000', peakWruPerS: 600, meanWruPerS: 20 },
      hottestHead: { key: 'head#org-100000000000', peakWruPerS: 8 },
      maxHeadItemBytes: 900,
      headItemWru: 2,
      maxItemsPerTransaction: 5,
      maxRecordsPerCommit: 2000,
    },
    s3: {
      archivePutsPerS: 6,
      hottestArchivePrefix: { key: 'records/shard=org-100000000000/dt=2026-12-01/', peakPutsPerS: 5 },
      stagedObjectsPerS: 0.05,
      recordsPerStagedObject: 3400,
      trailFilesPerS: 0.667,
      eventsPerTrailFile: 1700,
      trailRawBytesPerEvent: 1400,
      trailGzBytesPerEvent: 100,
      getsPerS: 0.7,
      archiveBytesPerS: 2_500_000,
    },
    firehose: { recordsPerS: 150, bytesPerS: 150 * 1536, billedBytesPerS: 150 * 5120 },
    trailFileCpu: { files: 100, largestEvents: 1400, largestCpuMs: 300, fit: { a: 0.05, b: 0 } },
  };
}

describe('org-scale cost per month', () => {
  it('prices the forwarded writes at the cross-account rate and scales the commit path per archived record', () => {
    const c = orgCost(run(), prices);
    const line = (k: string, item: RegExp) => c.lines.find((l) => l.price === k && item.test(l.item))!;
    expect(prices.prices.eventbridge_cross_account_per_million.usd).toBe(1);
    expect(line('eventbridge_cross_account_per_million', /member/).quantity).toBe(150e6);
    expect(line('eventbridge_cross_account_per_million', /member/).usd).toBeCloseTo(150, 9);
    // 100 WRU/s over 1,000 records/s: 0.1 WRU per record, for 1e9 records.
    expect(line('dynamodb_wru_per_million', /write/).quantity).toBeCloseTo(1e8, 0);
    expect(line('s3_put_per_1000', /archive/).quantity).toBeCloseTo(6e6, 0);
    // 5 KB billed per forwarded event.
    expect(line('firehose_direct_put_gb', /Direct PUT/).quantity).toBeCloseTo((150e6 * 5120) / 2 ** 30, 6);
    // 0.1 invocations/s x 4 s x 1.769 GB, per 1,000 records.
    expect(line('lambda_arm_gb_s', /duration/).quantity).toBeCloseTo((0.4 / 1000) * 1e9 * (1769 / 1024), 3);
    expect(c.usd_per_month).toBeCloseTo(
      c.lines.reduce((s, l) => s + l.usd, 0),
      9,
    );
    expect(c.usd_per_million_events).toBeCloseTo(c.usd_per_month / 1000, 9);
    expect(c.org_trail.usd_events).toBe(0);
    expect(c.cloudtrail_lake.usd_per_month).toBeCloseTo(((1400 * 1e9) / 2 ** 30) * prices.prices.cloudtrail_lake_ingest_gb.usd, 6);
  });
});

describe('org-scale breaking points', () => {
  it('orders limits by the load factor that reaches them and names the first', () => {
    const { limits, first } = breakingPoints(run());
    const factors = limits.map((l) => l.factor);
    expect([...factors].sort((a, b) => a - b)).toEqual(factors);
    expect(first).toBe(limits[0]);
    // Concurrency: 0.4 of 2 -> 5x; a linear file cost of 0.05 ms/event: 6,000,000 events within 300 s.
    expect(limits.find((l) => l.name === 'ingest maxConcurrency')!.factor).toBeCloseTo(5, 9);
    expect(first.name).toBe('ingest maxConcurrency');
    expect(limits.find((l) => l.name.startsWith('records per commit'))!.factor).toBe(Infinity);
  });
});
