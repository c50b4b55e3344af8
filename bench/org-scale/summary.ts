import { fitFileCost, type FileCostFit } from './file-cost-fit';
import { transactWru } from './sim-stores';
import { paperRates, type OrgLoad, type PaperRates } from './load-model';
import type { Meter } from './meter';
import type { SimChainStore } from './sim-stores';
import type { SimEventSource } from './event-source';

export interface ShardFigures {
  shard: string;
  commitsPerS: number;
  casAttemptsPerS: number;
  casConflictsPerS: number;
  recordsPerS: number;
  recordsPerCommit: number;
  /** The busiest second's compare-and-swap attempts on this head. */
  peakCasPerS: number;
}

/** What one simulated run measured, per second of simulated time (the measured window, warm-up excluded). */
export interface OrgScaleRun {
  load: OrgLoad;
  factor: number;
  paper: PaperRates;
  seconds: number;
  warmupS: number;
  settings: { batchSize: number; batchingWindowMs: number; maxConcurrency: number; memoryMb: number; timeoutS: number };
  wallS: number;
  processCpuS: number;
  events: { trailPerS: number; livePerS: number; committedRecordsPerS: number; duplicatesPerS: number; quarantined: number; trailDeferred: number };
  lambda: {
    invocations: number;
    invocationsPerS: number;
    meanDurationMs: number;
    p95DurationMs: number;
    maxDurationMs: number;
    /** Handler CPU (measured) per event the function took in, live or from a trail file. */
    cpuMsPerEvent: number;
    /** Invocations/s x mean duration (Little's law), and what the simulation saw. */
    concurrencyNeeded: number;
    maxConcurrent: number;
    failedMessages: number;
    maxQueueAgeS: number;
    backlogAtEnd: number;
  };
  shards: { count: number; hottest: ShardFigures; median: ShardFigures; coverage: ShardFigures | null };
  dynamodb: {
    transactionsPerS: number;
    wruPerS: number;
    rruPerS: number;
    hottestPartition: { key: string; peakWruPerS: number; meanWruPerS: number };
    hottestHead: { key: string; peakWruPerS: number };
    maxHeadItemBytes: number;
    headItemWru: number;
    maxItemsPerTransaction: number;
    maxRecordsPerCommit: number;
  };
  s3: {
    archivePutsPerS: number;
    hottestArchivePrefix: { key: string; peakPutsPerS: number };
    stagedObjectsPerS: number;
    recordsPerStagedObject: number;
    trailFilesPerS: number;
    eventsPerTrailFile: number;
    /** CloudTrail's own bytes per event: JSON, and gzipped as the trail stores it (level 1 here). */
    trailRawBytesPerEvent: number;
    trailGzBytesPerEvent: number;
    getsPerS: number;
    archiveBytesPerS: number;
  };
  firehose: { recordsPerS: number; bytesPerS: number; billedBytesPerS: number };
  /** Handler CPU per trail file: the largest file seen, and cpu = a·n + b·n² fitted over all. */
  trailFileCpu: { files: number; largestEvents: number; largestCpuMs: number; fit: FileCostFit };
}

const quantile = (xs: readonly number[], q: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

function shardFigures(meter: Meter, seconds: number): ShardFigures[] {
  const by = (series: string) => new Map(meter.series(series).map((x) => [x.key, x]));
  const commits = by('commit');
  const cas = by('cas');
  const conflicts = by('conflict');
  const records = by('records');
  return [...cas.keys()].map((shard) => {
    const c = commits.get(shard)?.sum ?? 0;
    const r = records.get(shard)?.sum ?? 0;
    return {
      shard,
      commitsPerS: c / seconds,
      casAttemptsPerS: (cas.get(shard)?.sum ?? 0) / seconds,
      casConflictsPerS: (conflicts.get(shard)?.sum ?? 0) / seconds,
      recordsPerS: r / seconds,
      recordsPerCommit: c > 0 ? r / c : 0,
      peakCasPerS: cas.get(shard)?.peakPerS ?? 0,
    };
  });
}

export function summarize(x: {
  load: OrgLoad;
  factor: number;
  seconds: number;
  warmupS: number;
  settings: OrgScaleRun['settings'];
  meter: Meter;
  store: SimChainStore;
  source: SimEventSource;
  backlog: { messages: number; oldestAgeMs: number };
  wallS: number;
  processCpuS: number;
  fileCpu: readonly { events: number; cpuMs: number }[];
}): OrgScaleRun {
  const { meter, seconds: W } = x;
  const per = (name: string) => meter.total(name) / W;
  const shards = shardFigures(meter, W).sort((a, b) => b.recordsPerS - a.recordsPerS);
  const coverageShard = shards.find((s) => !s.shard.startsWith('org-')) ?? null;
  const members = shards.filter((s) => s.shard.startsWith('org-'));
  const wru = meter.series('wru');
  const heads = wru.filter((w) => w.key.startsWith('head#'));
  const puts = meter.series('put');
  const d = x.source.durationsMs;
  const meanMs = d.length > 0 ? d.reduce((a, b) => a + b, 0) / d.length : 0;
  const eventsIn = meter.total('events.live') + meter.total('trail.events');
  const headBytes = x.store.shape.maxHeadItemBytes;
  return {
    load: x.load,
    factor: x.factor,
    paper: paperRates(x.load, x.factor),
    seconds: W,
    warmupS: x.warmupS,
    settings: x.settings,
    wallS: x.wallS,
    processCpuS: x.processCpuS,
    events: {
      trailPerS: per('trail.events'),
      livePerS: per('events.live'),
      committedRecordsPerS: per('committedRecords'),
      duplicatesPerS: per('events.duplicates'),
      quarantined: meter.total('events.quarantined'),
      trailDeferred: meter.total('trail.deferred'),
    },
    lambda: {
      invocations: x.source.stats.invocations,
      invocationsPerS: x.source.stats.invocations / W,
      meanDurationMs: meanMs,
      p95DurationMs: quantile(d, 0.95),
      maxDurationMs: quantile(d, 1),
      cpuMsPerEvent: eventsIn > 0 ? x.source.cpuMs() / eventsIn : 0,
      concurrencyNeeded: (x.source.stats.invocations / W) * (meanMs / 1000),
      maxConcurrent: x.source.stats.maxConcurrent,
      failedMessages: x.source.stats.failedMessages,
      maxQueueAgeS: Math.max(x.source.stats.maxQueueAgeMs, x.backlog.oldestAgeMs) / 1000,
      backlogAtEnd: x.backlog.messages,
    },
    shards: { count: shards.length, hottest: members[0] ?? shards[0], median: members[Math.floor(members.length / 2)] ?? shards[0], coverage: coverageShard },
    dynamodb: {
      transactionsPerS: per('ddb.TransactWriteItems'),
      wruPerS: per('ddb.wru'),
      rruPerS: per('ddb.rru'),
      hottestPartition: { key: wru[0]?.key ?? '', peakWruPerS: wru[0]?.peakPerS ?? 0, meanWruPerS: (wru[0]?.sum ?? 0) / W },
      hottestHead: { key: heads[0]?.key ?? '', peakWruPerS: heads[0]?.peakPerS ?? 0 },
      maxHeadItemBytes: headBytes,
      headItemWru: transactWru(headBytes),
      maxItemsPerTransaction: x.store.shape.maxItemsPerTransaction,
      maxRecordsPerCommit: x.store.shape.maxRecordsPerCommit,
    },
    s3: {
      archivePutsPerS: per('s3.PutObject'),
      hottestArchivePrefix: { key: puts[0]?.key ?? '', peakPutsPerS: puts[0]?.peakPerS ?? 0 },
      stagedObjectsPerS: per('firehose.objects'),
      recordsPerStagedObject: meter.total('firehose.objects') > 0 ? meter.total('firehose.objectRecords') / meter.total('firehose.objects') : 0,
      trailFilesPerS: per('trail.files'),
      eventsPerTrailFile: meter.total('trail.files') > 0 ? meter.total('trail.events') / meter.total('trail.files') : 0,
      trailRawBytesPerEvent: meter.total('trail.events') > 0 ? meter.total('trail.rawBytes') / meter.total('trail.events') : 0,
      trailGzBytesPerEvent: meter.total('trail.events') > 0 ? meter.total('trail.gzBytes') / meter.total('trail.events') : 0,
      getsPerS: per('s3.GetObject'),
      archiveBytesPerS: per('s3.archiveBytes'),
    },
    trailFileCpu: trailFileCpu(x.fileCpu),
    firehose: { recordsPerS: per('firehose.records'), bytesPerS: per('firehose.bytes'), billedBytesPerS: per('firehose.billedBytes') },
  };
}

function trailFileCpu(files: readonly { events: number; cpuMs: number }[]): OrgScaleRun['trailFileCpu'] {
  const largest = files.reduce((m, f) => (f.events > m.events ? f : m), { events: 0, cpuMs: 0 });
  return { files: files.length, largestEvents: largest.events, largestCpuMs: largest.cpuMs, fit: fitFileCost(files) };
}
