import { fmt, table, usd } from '../report/table';
import type { FileCostFit } from './file-cost-fit';
import type { OrgCost } from './org-cost';
import type { Limit } from './limits';
import type { OrgScaleRun } from './summary';

export interface OrgScaleSection {
  sim: OrgScaleRun;
  /** CPU of reconcileLogFile by file size, measured apart from the simulation. */
  fileCost: { points: { events: number; cpuMs: number }[]; fit: FileCostFit };
  cost: OrgCost;
  limits: { limits: Limit[]; first: Limit };
}

/** The figures on paper (load model) next to the simulation's. */
export function paperVsSim(s: OrgScaleRun): string[][] {
  const p = s.paper;
  return [
    ['events/s at the peak (all accounts)', fmt(p.peakEventsPerS, 0), `${fmt(s.events.committedRecordsPerS, 0)} records committed/s`],
    ['live-lane events/s (writes, forwarded)', fmt(p.liveEventsPerS, 1), fmt(s.events.livePerS, 1)],
    [
      'staged objects/s (events each)',
      `${fmt(p.stagedObjectsPerS, 3)} (${fmt(p.eventsPerStagedObject, 0)})`,
      `${fmt(s.s3.stagedObjectsPerS, 3)} (${fmt(s.s3.recordsPerStagedObject, 0)})`,
    ],
    [
      'trail files/s (events in a hot / other file)',
      `${fmt(p.trailFilesPerS, 3)} (${fmt(p.hotFileEvents, 0)} / ${fmt(p.otherFileEvents, 0)})`,
      `${fmt(s.s3.trailFilesPerS, 3)} (largest ${fmt(s.trailFileCpu.largestEvents)})`,
    ],
    [
      'ingest invocations/s; mean duration',
      '-',
      `${fmt(s.lambda.invocationsPerS, 3)}; ${fmt(s.lambda.meanDurationMs / 1000, 2)} s (p95 ${fmt(s.lambda.p95DurationMs / 1000, 2)} s)`,
    ],
    [
      'ingest concurrency needed (of maxConcurrency)',
      '-',
      `${fmt(s.lambda.concurrencyNeeded, 2)} of ${s.settings.maxConcurrency} (max seen ${s.lambda.maxConcurrent})`,
    ],
    ['handler CPU per event', '-', `${fmt(s.lambda.cpuMsPerEvent, 3)} ms`],
    ['hot file: events, CPU', fmt(p.hotFileEvents, 0), `${fmt(s.trailFileCpu.largestEvents)} events, ${fmt(s.trailFileCpu.largestCpuMs / 1000, 1)} s`],
    [
      'hot chain: commits/s, CAS conflicts/s',
      '-',
      `${fmt(s.shards.hottest.commitsPerS, 2)}, ${fmt(s.shards.hottest.casConflictsPerS, 2)} (${fmt(s.shards.hottest.recordsPerCommit, 0)} records per commit)`,
    ],
    ['median chain: commits/s, records/s', '-', `${fmt(s.shards.median.commitsPerS, 2)}, ${fmt(s.shards.median.recordsPerS, 1)}`],
    ['DynamoDB transactions/s, WRU/s', '-', `${fmt(s.dynamodb.transactionsPerS, 1)}, ${fmt(s.dynamodb.wruPerS, 0)}`],
    [
      'hottest partition WRU/s (mean / busiest second)',
      '-',
      `${fmt(s.dynamodb.hottestPartition.meanWruPerS, 0)} / ${fmt(s.dynamodb.hottestPartition.peakWruPerS, 0)} (${s.dynamodb.hottestPartition.key})`,
    ],
    ['archive PUTs/s (hottest prefix, busiest second)', '-', `${fmt(s.s3.archivePutsPerS, 2)} (${fmt(s.s3.hottestArchivePrefix.peakPutsPerS, 0)})`],
    ['Firehose bytes/s', fmt(p.liveBytesPerS, 0), fmt(s.firehose.bytesPerS, 0)],
  ];
}

export function printOrgScale(r: OrgScaleSection): void {
  const s = r.sim;
  console.log(
    `\norganization at scale: ${s.load.accounts} accounts, ${fmt(s.load.eventsPerMonth)} events a month, peak ${s.load.peakFactor}x average x ${s.factor}, ` +
      `hot account ${Math.round(s.load.hotShare * 100)}% (simulated ${s.seconds} s after ${s.warmupS} s of warm-up; ${fmt(s.wallS, 1)} s wall)\n`,
  );
  console.log(table(['figure', 'on paper', 'simulated'], paperVsSim(s)));
  console.log(`\ntrail file CPU (reconcileLogFile alone): ${r.fileCost.points.map((x) => `${fmt(x.events)} events ${fmt(x.cpuMs, 0)} ms`).join(', ')}`);
  console.log(`\nwhat breaks first, as load grows over this peak: ${r.limits.first.name} at ${fmt(r.limits.first.factor, 1)}x\n`);
  console.log(
    table(
      ['limit', 'at the peak', 'limit', 'unit', 'breaks at'],
      r.limits.limits.map((l) => [l.name, fmt(l.demand, 2), fmt(l.capacity), l.unit, Number.isFinite(l.factor) ? `${fmt(l.factor, 1)}x` : 'not load-bound']),
    ),
  );
  console.log(
    `\ncost per month: ${usd(r.cost.usd_per_month, 2)} (${usd(r.cost.usd_per_million_events)} per million events); CloudTrail Lake ${usd(r.cost.cloudtrail_lake.usd_per_month, 0)}\n`,
  );
  console.log(
    table(
      ['service', 'item', 'quantity', 'unit', 'US$', 'basis'],
      r.cost.lines.map((l) => [l.service, l.item, fmt(l.quantity, l.quantity < 100 ? 1 : 0), l.unit, usd(l.usd, 2), l.basis]),
    ),
  );
}
