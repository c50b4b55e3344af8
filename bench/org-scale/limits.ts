import { MAX_HOURS_PER_COMMIT, MAX_RECORDS_PER_COMMIT } from '../../lib/aws/chain-store';
import { maxFileEvents, type FileCostFit } from './file-cost-fit';
import type { OrgScaleRun } from './summary';

/** Service limits the organization's load runs towards (us-east-1 where they differ by region). */
export const QUOTAS = {
  /** DynamoDB: write units per second one partition (so one item) takes. */
  partitionWcuPerS: 1000,
  transactionItems: 100,
  itemBytes: 400 * 1024,
  /** S3: PUT/COPY/POST/DELETE per second per key prefix. */
  s3PutsPerPrefixPerS: 3500,
  /** Firehose Direct PUT per stream: 5 MiB/s in us-east-1, us-west-2 and eu-west-1 (1 MiB/s elsewhere). */
  firehoseBytesPerS: 5 * 2 ** 20,
  /** EventBridge PutEvents in us-east-1, which cross-account delivery to the audit bus counts against. */
  eventBridgeEventsPerS: 10_000,
} as const;

export interface Limit {
  name: string;
  /** What the peak asks, and what the limit allows, in `unit`. */
  demand: number;
  capacity: number;
  unit: string;
  /** Load over the simulated peak at which the limit is reached (Infinity: load does not move it). */
  factor: number;
  note: string;
}

const limit = (name: string, demand: number, capacity: number, unit: string, note: string, loadBound = true): Limit => ({
  name,
  demand,
  capacity,
  unit,
  factor: loadBound && demand > 0 ? capacity / demand : Infinity,
  note,
});

/**
 * Every limit the simulated peak approaches, with the load factor at which it
 * is reached (linear in load unless the note says otherwise), first one first.
 */
export function breakingPoints(run: OrgScaleRun, fileFit: FileCostFit = run.trailFileCpu.fit): { limits: Limit[]; first: Limit } {
  const timeoutMs = run.settings.timeoutS * 1000;
  const fileMax = maxFileEvents(fileFit, timeoutMs);
  const hotFile = run.paper.hotFileEvents;
  const limits: Limit[] = [
    {
      ...limit("ingest timeout: CPU of the hot account's trail file", hotFile, fileMax, 'events per file', ''),
      // The file grows with load, its CPU with the fitted a·n + b·n².
      note: `one file is reconciled in one invocation of at most ${run.settings.timeoutS} s; CPU per file fitted as ${fileFit.a.toExponential(2)}·n + ${fileFit.b.toExponential(2)}·n² ms`,
    },
    limit(
      'ingest maxConcurrency',
      run.lambda.concurrencyNeeded,
      run.settings.maxConcurrency,
      'concurrent invocations',
      'invocations/s x mean duration; beyond it the queue grows (alarm at 15 min of age)',
    ),
    limit(
      'DynamoDB partition writes, hottest partition (sustained)',
      run.dynamodb.hottestPartition.meanWruPerS,
      QUOTAS.partitionWcuPerS,
      'WRU/s',
      `${run.dynamodb.hottestPartition.key}: the batch log of the hot account's chain (32 B of leaf hash per record); its busiest second took ${Math.round(run.dynamodb.hottestPartition.peakWruPerS)} WRU, a burst while one file's chunks commit back to back`,
    ),
    limit(
      'DynamoDB partition writes, hottest head item',
      run.shards.hottest.commitsPerS * run.dynamodb.headItemWru,
      QUOTAS.partitionWcuPerS,
      'WRU/s',
      `${run.dynamodb.hottestHead.key}: ${run.dynamodb.headItemWru} WRU per compare-and-swap (${run.dynamodb.maxHeadItemBytes} B item), busiest second ${run.dynamodb.hottestHead.peakWruPerS} WRU`,
    ),
    limit(
      'S3 PUTs per prefix',
      run.s3.hottestArchivePrefix.peakPutsPerS,
      QUOTAS.s3PutsPerPrefixPerS,
      'PUT/s (busiest second)',
      `${run.s3.hottestArchivePrefix.key}: one prefix per shard and day`,
    ),
    limit(
      'Firehose Direct PUT throughput',
      run.firehose.bytesPerS,
      QUOTAS.firehoseBytesPerS,
      'bytes/s',
      "the audit account's one stream per region; 1 MiB/s outside us-east-1, us-west-2 and eu-west-1 (a factor 5 lower), soft limit",
    ),
    limit(
      'EventBridge PutEvents (cross-account delivery)',
      run.events.livePerS,
      QUOTAS.eventBridgeEventsPerS,
      'events/s',
      'soft limit, us-east-1; lower in other regions',
    ),
    limit(
      'records per commit',
      run.dynamodb.maxRecordsPerCommit,
      MAX_RECORDS_PER_COMMIT,
      'records',
      'not load-bound: commitDrafts chunks at 2,000 events, so more load means more commits',
      false,
    ),
    limit(
      'items per TransactWriteItems',
      run.dynamodb.maxItemsPerTransaction,
      QUOTAS.transactionItems,
      'items',
      `not load-bound: at most ${MAX_HOURS_PER_COMMIT} id-set hours + head, batch log, outbox, registry`,
      false,
    ),
  ];
  limits.sort((a, b) => a.factor - b.factor);
  return { limits, first: limits[0] };
}
