import { LAMBDA_PLATFORM_LOG_BYTES, type PriceTable } from '../cost/pricing';
import { SECONDS_PER_MONTH } from './load-model';
import type { OrgScaleRun } from './summary';

export interface OrgCostLine {
  service: string;
  item: string;
  quantity: number;
  unit: string;
  usd: number;
  /** The price's key in bench/prices.json. */
  price: string;
  basis: 'simulated' | 'modelled';
}

const GB = 2 ** 30;

/**
 * The organization's bill for a month of `load.eventsPerMonth` events, all
 * archived (full capture): what the commit path does per archived record is
 * taken from the simulation (DynamoDB units, archive PUTs, Lambda time), what
 * follows a schedule from the load model (one trail file per account and region
 * every 5 minutes, one staged object per Firehose window).
 */
export function orgCost(run: OrgScaleRun, prices: PriceTable) {
  const p = (k: string): number => {
    const price = prices.prices[k];
    if (!price) throw new Error(`bench/prices.json has no price "${k}"`);
    return price.usd;
  };
  const { load } = run;
  const events = load.eventsPerMonth;
  const perRecord = (perS: number) => (run.events.committedRecordsPerS > 0 ? perS / run.events.committedRecordsPerS : 0);
  const forwarded = events * load.writeShare;
  const averageLiveBytesPerS = (forwarded / SECONDS_PER_MONTH) * load.envelopeBytes;
  const stagedObjects = SECONDS_PER_MONTH / Math.min(load.firehoseWindowS, load.firehoseBufferBytes / averageLiveBytesPerS);
  const trailFiles = (load.accounts * load.regionsPerAccount * SECONDS_PER_MONTH) / load.trailFileIntervalS;
  const notices = stagedObjects + trailFiles;
  // A batch holds what arrives within the batching window, at most batchSize notices.
  const perInvocation = Math.max(1, Math.min(run.settings.batchSize, (notices / SECONDS_PER_MONTH) * (run.settings.batchingWindowMs / 1000)));
  const invocations = notices / perInvocation;
  const gbSeconds = perRecord(run.lambda.invocationsPerS * (run.lambda.meanDurationMs / 1000)) * events * (run.settings.memoryMb / 1024);
  const billedBytesPerForwarded = run.firehose.recordsPerS > 0 ? run.firehose.billedBytesPerS / run.firehose.recordsPerS : 0;
  const billedGb = (billedBytesPerForwarded * forwarded) / GB;
  const archiveGb = (perRecord(run.s3.archiveBytesPerS) * events) / GB;
  const line = (service: string, item: string, quantity: number, unit: string, price: string, per: number, basis: OrgCostLine['basis']): OrgCostLine => ({
    service,
    item,
    quantity,
    unit,
    usd: (quantity / per) * p(price),
    price,
    basis,
  });
  const lines: OrgCostLine[] = [
    line(
      'EventBridge',
      "member accounts' live-lane events delivered to the audit account's bus (writes and state changes)",
      forwarded,
      'events',
      'eventbridge_cross_account_per_million',
      1e6,
      'modelled',
    ),
    line(
      'Firehose',
      'Direct PUT ingestion of the forwarded events (each record billed as a multiple of 5 KB)',
      billedGb,
      'GB',
      'firehose_direct_put_gb',
      1,
      'simulated',
    ),
    line('S3', 'PUT of staged objects (one per Firehose window or 5 MiB)', stagedObjects, 'requests', 's3_put_per_1000', 1000, 'modelled'),
    line(
      'EventBridge',
      'S3 "Object Created" events: staged objects and trail files',
      notices,
      'events',
      'eventbridge_opt_in_data_events_per_million',
      1e6,
      'modelled',
    ),
    line(
      'SQS',
      'SendMessage (notices) + ReceiveMessage and DeleteMessageBatch per invocation',
      notices + 2 * invocations,
      'requests',
      'sqs_standard_per_million',
      1e6,
      'modelled',
    ),
    line('S3', 'GET of staged objects and trail files', notices, 'requests', 's3_get_per_1000', 1000, 'modelled'),
    line('S3', 'PUT of archive batch objects', perRecord(run.s3.archivePutsPerS) * events, 'requests', 's3_put_per_1000', 1000, 'simulated'),
    line(
      'DynamoDB',
      'write request units (head CAS, batch log, id sets, shard registry; transactional)',
      perRecord(run.dynamodb.wruPerS) * events,
      'WRU',
      'dynamodb_wru_per_million',
      1e6,
      'simulated',
    ),
    line(
      'DynamoDB',
      'read request units (heads, id-set queries)',
      perRecord(run.dynamodb.rruPerS) * events,
      'RRU',
      'dynamodb_rru_per_million',
      1e6,
      'simulated',
    ),
    line('Lambda', 'ingest invocations', invocations, 'requests', 'lambda_requests_per_million', 1e6, 'modelled'),
    line(
      'Lambda',
      `ingest duration at ${run.settings.memoryMb} MB (measured CPU + modelled round trips; no detectors)`,
      gbSeconds,
      'GB-s',
      'lambda_arm_gb_s',
      1,
      'simulated',
    ),
    line(
      'CloudWatch Logs',
      `ingest platform log lines (${LAMBDA_PLATFORM_LOG_BYTES} B per invocation)`,
      (invocations * LAMBDA_PLATFORM_LOG_BYTES) / GB,
      'GB',
      'cloudwatch_logs_ingest_gb',
      1,
      'modelled',
    ),
  ];
  const monthly = lines.reduce((s, l) => s + l.usd, 0);
  const storageGbMonth = archiveGb * p('s3_storage_gb_month');
  const trailStorage = ((run.s3.trailGzBytesPerEvent * events) / GB) * p('s3_storage_gb_month');
  const lakeGb = (run.s3.trailRawBytesPerEvent * events) / GB;
  return {
    events_per_month: events,
    lines,
    usd_per_month: monthly,
    usd_per_million_events: monthly / (events / 1e6),
    forwarded_events_per_month: forwarded,
    archive_gb_per_month: archiveGb,
    /** Each month's archive, per month it is kept (Object Lock retention). */
    archive_storage_usd_per_month_kept: storageGbMonth,
    org_trail: {
      note: 'The first copy of management events is free; an organization without a trail pays only for its files in the log-archive bucket.',
      usd_events: 0,
      gz_gb_per_month: (run.s3.trailGzBytesPerEvent * events) / GB,
      storage_usd_per_month_kept: trailStorage,
    },
    cloudtrail_lake: { gb_per_month: lakeGb, usd_per_month: lakeGb * p('cloudtrail_lake_ingest_gb') },
  };
}

export type OrgCost = ReturnType<typeof orgCost>;
