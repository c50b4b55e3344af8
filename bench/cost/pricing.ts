import { GSI_PREFIX } from './dynamo-units';
import type { E2eResult, PhaseCounts } from './e2e';
import { cpuSlowdown, gbSeconds, latencyMs, modelDuration, ONE_VCPU_MB, type InvocationProfile, type LatencyTable } from './lambda-duration';
import defaultLatencies from './latency.json';
import { median } from './workload';

export interface Price {
  usd: number;
  what: string;
  source: string;
  source_date: string | null;
}
export interface PriceTable {
  region: string;
  checked: string;
  prices: Record<string, Price>;
}

export interface CostLine {
  service: string;
  item: string;
  /** Billed units per million events. */
  quantity: number;
  unit: string;
  usd: number;
  /** measured: counted on the wire; modeled: what AWS does (and bills) that the emulator does in-process. */
  basis: 'measured' | 'modeled';
}

/** The ingest function's memory (INGEST_MEMORY_MB in lib/construct/audit-trail.ts: one full vCPU). A unit test checks the two agree. */
export const INGEST_MEMORY_MB = 1769;
/** The ingest event source's batching window in seconds (INGEST_BATCHING_WINDOW in lib/construct/audit-trail.ts). */
export const INGEST_BATCHING_WINDOW_S = 10;
/** The seal schedule (SEAL_INTERVAL in lib/construct/audit-trail.ts): every 5 minutes. */
export const SEALS_PER_MONTH = (30 * 24 * 60) / 5;
/** Staged objects expire after this many days (STAGING_EXPIRATION in lib/construct/audit-trail.ts). */
export const STAGING_DAYS = 14;
/** Lambda's own START, END and REPORT lines per invocation, bytes (text log format). */
export const LAMBDA_PLATFORM_LOG_BYTES = 350;
const GIB = 1024 ** 3;
const SQS_CHUNK = 64 * 1024;

/**
 * The parts of the live lane's alert latency (EventBridge delivery to SNS
 * publish) that the run cannot measure: configured windows, and delivery
 * delays taken from documentation or assumed. Each event is taken to wait the
 * whole of each window (the worst case at low volume, when neither buffer fills).
 */
export const LIVE_LANE_LATENCY_PARTS = [
  { part: 'EventBridge rule -> Firehose delivery', s: 1, basis: 'assumed: no figure found for EventBridge target delivery; a second taken' },
  {
    part: 'Firehose buffering window',
    s: 30,
    basis: 'configured: the delivery stream buffers 30 s or 5 MiB, whichever comes first (lib/construct/live-stream.ts)',
  },
  {
    part: 'S3 "Object Created" -> EventBridge -> SQS',
    s: 5,
    basis:
      'assumed from the S3 user guide: "Typically, event notifications are delivered in seconds but can sometimes take a minute or longer" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/NotificationHowTo.html); 5 s taken',
  },
  {
    part: 'event source batching window',
    s: INGEST_BATCHING_WINDOW_S,
    basis: 'configured: INGEST_BATCHING_WINDOW (lib/construct/audit-trail.ts); at one object per 30 s the batch never fills, so the window runs out',
  },
] as const;

const isS3PutClass = (op: string) => /^(Put|Copy|Post|List|Create|Upload|Complete)/.test(op);

/** Lines for the requests counted in one phase, scaled by `scale`. */
function measuredLines(p: PhaseCounts, prices: Record<string, Price>, scale: number): CostLine[] {
  const lines: CostLine[] = [];
  const add = (service: string, item: string, quantity: number, unit: string, usdPerUnit: number) =>
    quantity > 0 && lines.push({ service, item, quantity: quantity * scale, unit, usd: quantity * scale * usdPerUnit, basis: 'measured' });
  const count = (service: string, test: (op: string) => boolean) =>
    p.requests.filter((r) => r.service === service && test(r.operation)).reduce((n, r) => n + r.requests, 0);
  add('S3', 'PUT/LIST requests (batch objects, checkpoints)', count('S3', isS3PutClass), 'requests', prices.s3_put_per_1000.usd / 1000);
  add(
    'S3',
    'GET/HEAD requests (staged objects, log files)',
    count('S3', (op) => !isS3PutClass(op) && !op.startsWith('Delete')),
    'requests',
    prices.s3_get_per_1000.usd / 1000,
  );
  const entries = Object.entries(p.dynamo);
  const tableWru = entries.filter(([k]) => !k.startsWith(GSI_PREFIX)).reduce((n, [, u]) => n + u.wru, 0);
  const rru = entries.reduce((n, [, u]) => n + u.rru, 0);
  add('DynamoDB', 'write request units, table', tableWru, 'WRU', prices.dynamodb_wru_per_million.usd / 1e6);
  for (const [k, u] of entries.filter(([k]) => k.startsWith(GSI_PREFIX))) {
    add('DynamoDB', `write request units, index ${k.slice(GSI_PREFIX.length)} (GSI)`, u.wru, 'WRU', prices.dynamodb_wru_per_million.usd / 1e6);
  }
  add('DynamoDB', 'read request units', rru, 'RRU', prices.dynamodb_rru_per_million.usd / 1e6);
  add(
    'SNS',
    'Publish',
    count('SNS', () => true),
    'requests',
    prices.sns_publish_per_million.usd / 1e6,
  );
  add(
    'SQS',
    'ReceiveMessage + DeleteMessageBatch (event source mapping)',
    count('SQS', () => true),
    'requests',
    prices.sqs_standard_per_million.usd / 1e6,
  );
  add(
    'KMS',
    'Sign, GetPublicKey',
    count('KMS', () => true),
    'requests',
    prices.kms_asymmetric_per_10000.usd / 10_000,
  );
  return lines;
}

/** The alert share of a phase's measured requests, in US$ (unscaled). */
function alertUsd(p: PhaseCounts, prices: Record<string, Price>): { sns: number; dynamodb: number } {
  const sns = (p.alerts.requests['SNS.Publish'] ?? 0) * (prices.sns_publish_per_million.usd / 1e6);
  const dynamodb = p.alerts.dynamo.wru * (prices.dynamodb_wru_per_million.usd / 1e6) + p.alerts.dynamo.rru * (prices.dynamodb_rru_per_million.usd / 1e6);
  return { sns, dynamodb };
}

/** The profiles with the first invocation's CPU replaced by the median of the others (it carried the cold start). */
export function warmProfiles(profiles: readonly InvocationProfile[]): { warm: InvocationProfile[]; coldStartExtraCpuMs: number } {
  if (profiles.length < 2) return { warm: [...profiles], coldStartExtraCpuMs: 0 };
  const rest = profiles
    .slice(1)
    .map((p) => p.cpuMs)
    .sort((a, b) => a - b);
  const median = rest[Math.floor(rest.length / 2)];
  const first = profiles[0];
  return { warm: [{ ...first, cpuMs: Math.min(first.cpuMs, median) }, ...profiles.slice(1)], coldStartExtraCpuMs: Math.max(0, first.cpuMs - median) };
}

export function priceRun(r: E2eResult, table: PriceTable, latencies: LatencyTable = defaultLatencies as LatencyTable) {
  const prices = table.prices;
  const events = Math.max(1, r.capturedEvents);
  const scale = 1e6 / events;
  const lines: CostLine[] = [];
  const modeled = (service: string, item: string, quantity: number, unit: string, usdPerUnit: number, basis: CostLine['basis'] = 'modeled') =>
    lines.push({ service, item, quantity: quantity * scale, unit, usd: quantity * scale * usdPerUnit, basis });
  const gbS = prices.lambda_arm_gb_s.usd;
  const transportOp = (service: string, name: string) => r.phases.transport.requests.find((x) => x.service === service && x.operation === name)?.requests ?? 0;

  // The live lane's transport: EventBridge (free for AWS management events) -> Firehose -> staged objects.
  modeled(
    'EventBridge',
    'CloudTrail API call events matched by the capture rules (AWS management events, same account)',
    r.lanes.live.records,
    'events',
    prices.eventbridge_aws_service_events.usd,
  );
  modeled(
    'Firehose',
    `Direct PUT ingestion (${r.lanes.live.records} records of ${Math.round(r.lanes.live.bytes / Math.max(1, r.lanes.live.records))} B on average, each billed as a multiple of 5 KB)`,
    r.lanes.live.billedBytes / GIB,
    'GB',
    prices.firehose_direct_put_gb.usd,
  );
  // Firehose's PUTs of staged objects are billed to the staging bucket's account; counted as the emulation made them.
  modeled('S3', 'PUT of staged objects (Firehose, one per buffering window)', r.lanes.live.objects, 'requests', prices.s3_put_per_1000.usd / 1000, 'measured');
  // An organization's member accounts pay for each event their member stack forwards to the audit account's bus.
  if (r.lanes.forwarded > 0) {
    modeled(
      'EventBridge',
      "member accounts' events forwarded to the audit account's bus (cross-account delivery)",
      r.lanes.forwarded,
      'events',
      prices.eventbridge_cross_account_per_million.usd / 1e6,
    );
  }
  // Both lanes: S3 announces each object (staged object or log file) on EventBridge; the objects rule sends it to the queue.
  // A trail bucket of another account notifies the queue straight (directNotices): no EventBridge event for those.
  const notices = r.lanes.notices;
  modeled(
    'EventBridge',
    'S3 "Object Created" events (opt-in data events), staged objects and log files',
    notices - r.lanes.directNotices,
    'events',
    prices.eventbridge_opt_in_data_events_per_million.usd / 1e6,
  );
  const chunks = Math.max(1, Math.ceil(r.lanes.noticeBytes / Math.max(1, notices) / SQS_CHUNK));
  modeled('SQS', 'SendMessage by the objects rule target (one per object notice)', notices * chunks, 'requests', prices.sqs_standard_per_million.usd / 1e6);
  for (const l of measuredLines(r.phases.ingest, prices, scale)) lines.push(l);
  modeled('Lambda', 'ingest invocations', r.invocations, 'requests', prices.lambda_requests_per_million.usd / 1e6);

  // Duration: the model (lambda-duration.ts) is the headline; the wall time on moto an upper bound; CPU alone a lower one.
  // The first invocation also loads the SDK and the Sigma rules: a cold start, which a warm container
  // pays once. Its CPU counts as a warm invocation's here and the extra is reported apart (cold_start_cpu_ms).
  const { warm: profiles, coldStartExtraCpuMs } = warmProfiles(r.invocationProfiles);
  const model = modelDuration(profiles, INGEST_MEMORY_MB, latencies, 'sequential');
  const slowdown = cpuSlowdown(INGEST_MEMORY_MB);
  modeled(
    'Lambda',
    `ingest duration at ${INGEST_MEMORY_MB} MB (model: CPU x ${slowdown.toFixed(2)} + request latencies)`,
    gbSeconds(model.billedMs, INGEST_MEMORY_MB),
    'GB-s',
    gbS,
  );
  const logBytes = r.logBytes + LAMBDA_PLATFORM_LOG_BYTES * r.invocations;
  modeled(
    'CloudWatch Logs',
    'ingest function logs and EMF metrics (the handler stdout measured + 350 B of platform lines per invocation)',
    logBytes / GIB,
    'GB',
    prices.cloudwatch_logs_ingest_gb.usd,
  );
  const motoWallMs = r.handlerMs.reduce((s, ms) => s + Math.ceil(ms), 0);
  const cpuOnlyMs = profiles.reduce((s, p) => s + Math.ceil(p.cpuMs * slowdown), 0);

  const usdPerMillion = lines.reduce((s, l) => s + l.usd, 0);
  const byService: Record<string, number> = {};
  for (const l of lines) byService[l.service] = (byService[l.service] ?? 0) + l.usd;

  // The seal runs on a schedule, whatever the volume: a monthly cost, not a per-event one.
  const sealPerRun = measuredLines(r.phases.seal, prices, 1).reduce((s, l) => s + l.usd, 0);
  const fixedMonthly = [
    { item: `seal every 5 minutes (${SEALS_PER_MONTH} runs; requests measured per run)`, usd: sealPerRun * SEALS_PER_MONTH },
    { item: 'KMS keys: checkpoint signing key and data key', usd: 2 * prices.kms_key_month.usd },
  ];

  // Alert handling, from the requests counted as such (alert-attribution.ts).
  const ingest = r.phases.ingest;
  const alert = alertUsd(ingest, prices);
  const alertLambda = gbSeconds(model.alertIoMs, INGEST_MEMORY_MB) * gbS;
  const alertHandling = { sns: alert.sns * scale, dynamodb: alert.dynamodb * scale, lambda_duration: alertLambda * scale };
  const alertTotal = alertHandling.sns + alertHandling.dynamodb + alertHandling.lambda_duration;

  const op = (service: string, name: string) => ingest.requests.find((x) => x.service === service && x.operation === name)?.requests ?? 0;
  const requestsPer1000: Record<string, number> = {};
  for (const [phase, p] of Object.entries(r.phases)) {
    for (const c of p.requests) requestsPer1000[`${c.service}.${c.operation}${phase === 'ingest' ? '' : ` (${phase})`}`] = (c.requests * 1000) / events;
  }
  requestsPer1000['SQS.SendMessage (objects rule target, modeled)'] = (notices * 1000) / events;
  requestsPer1000['Lambda.Invoke (modeled)'] = (r.invocations * 1000) / events;
  requestsPer1000['Firehose records (modeled)'] = (r.lanes.live.records * 1000) / events;
  const dynamoPer1000: Record<string, { wru: number; rru: number }> = {};
  for (const [k, u] of Object.entries(ingest.dynamo)) dynamoPer1000[k] = { wru: (u.wru * 1000) / events, rru: (u.rru * 1000) / events };

  // Live-lane alert latency: the windows and delivery delays above plus the modeled duration of a warm live invocation.
  const liveBilled = profiles.filter((p) => p.lane === 'live').map((p) => modelDuration([p], INGEST_MEMORY_MB, latencies, 'sequential').billedMs);
  const liveProcessingS = median(liveBilled) / 1000;
  const liveLatencyS = LIVE_LANE_LATENCY_PARTS.reduce((s, p) => s + p.s, 0) + liveProcessingS;

  const estimated = Object.entries(ingest.estimates);
  const usedLatencies = new Set(r.invocationProfiles.flatMap((p) => Object.keys(p.requests)));
  const avgEventBytes = r.lanes.live.bytes / Math.max(1, r.lanes.live.records);
  const gbPerMillion = (avgEventBytes * 1e6) / GIB;
  const perInvocation = (ms: number) => ms / Math.max(1, r.invocations);
  const archiveGbPerMillion = (ingest.s3PutBytes * scale) / GIB;
  return {
    workload: r.workload,
    captured_events: r.capturedEvents,
    usd_per_million_events: usdPerMillion,
    usd_per_million_events_without_alerts: usdPerMillion - alertTotal,
    usd_per_million_events_for_alert_handling: alertTotal,
    alert_handling_usd_per_million_events: alertHandling,
    alert_records_per_1000_events: ((r.recordKinds.alert ?? 0) * 1000) / events,
    alerts_per_1000_events: (r.alerts * 1000) / events,
    /** Organization run: member events forwarded to the audit account (billed cross-account) and left to the trail lane. */
    member_events: { forwarded: r.lanes.forwarded, not_forwarded: r.lanes.notForwarded },
    records_per_object: r.archive.records / Math.max(1, r.archive.objects),
    events_per_object: r.capturedEvents / Math.max(1, r.archive.objects),
    live_lane_latency_s: liveLatencyS,
    live_lane_latency: {
      parts: [
        ...LIVE_LANE_LATENCY_PARTS,
        {
          part: 'ingest invocation incl. SNS publish (modeled duration of a warm live invocation, median)',
          s: liveProcessingS,
          basis: 'measured CPU and counted requests, duration model',
        },
      ],
      live_invocations: liveBilled.length,
    },
    lambda_duration_model_usd: gbSeconds(model.billedMs, INGEST_MEMORY_MB) * gbS * scale,
    lambda_duration_moto_wall_usd: gbSeconds(motoWallMs, INGEST_MEMORY_MB) * gbS * scale,
    lambda_duration_cpu_only_usd: gbSeconds(cpuOnlyMs, INGEST_MEMORY_MB) * gbS * scale,
    duration_model: {
      model: model.model,
      formula: `per invocation: ceil(CPU ms x max(1, ${ONE_VCPU_MB}/${INGEST_MEMORY_MB}) + sum of request latencies), every request of the invocation counted one after the other`,
      memory_mb: INGEST_MEMORY_MB,
      cpu_slowdown: slowdown,
      cpu_ms_per_invocation: perInvocation(model.cpuMs),
      cold_start_cpu_ms: coldStartExtraCpuMs,
      io_ms_per_invocation: perInvocation(model.ioMs),
      billed_ms_per_invocation: perInvocation(model.billedMs),
      moto_wall_ms_per_invocation: perInvocation(motoWallMs),
      latencies_ms: Object.fromEntries([...usedLatencies].sort().map((k) => [k, latencyMs(latencies, k)])),
      latencies_checked: latencies.checked,
    },
    handler_ms_per_invocation: r.handlerMs.reduce((a, b) => a + b, 0) / Math.max(1, r.invocations),
    handler_cpu_ms_per_invocation: r.handlerCpuMs / Math.max(1, r.invocations),
    by_service: byService,
    lines,
    dynamodb_units_per_1000_events: dynamoPer1000,
    fixed_monthly: fixedMonthly,
    archive_gb_per_million_events: archiveGbPerMillion,
    s3_storage_usd_per_million_events_month: archiveGbPerMillion * prices.s3_storage_gb_month.usd,
    staging_storage_usd_per_million_events: ((r.lanes.live.stagedBytes * scale) / GIB) * prices.s3_storage_gb_month.usd * (STAGING_DAYS / 30),
    requests_per_1000_events: requestsPer1000,
    events_per_invocation: events / Math.max(1, r.invocations),
    events_per_batch_object: events / Math.max(1, op('S3', 'PutObject')),
    cloudtrail_lake_gb_per_million_events: gbPerMillion,
    cloudtrail_lake_usd_per_million_events: gbPerMillion * prices.cloudtrail_lake_ingest_gb.usd,
    not_counted: [
      `CloudTrail's own PUTs of its log files into the trail bucket (${transportOp('S3', 'PutObject') - r.lanes.live.objects} in this run): the trail's cost, paid with or without immutrail.`,
      `Staging storage: staged objects expire after ${STAGING_DAYS} days (staging_storage_usd_per_million_events); archive storage is a monthly cost per million events kept (s3_storage_usd_per_million_events_month).`,
      "Lambda's SQS pollers long-poll the queue while it is empty: a fixed monthly cost of the event source, not per event, not modeled.",
    ],
    assumptions: [
      `Per million events means per million events archived (event and quarantine records: ${r.capturedEvents} in this run), not per million generated.`,
      `Lambda duration is modeled, not measured: ${ONE_VCPU_MB} MB is one vCPU (Lambda developer guide, "Configure Lambda function memory"), so CPU time is scaled by ${slowdown.toFixed(3)} at ${INGEST_MEMORY_MB} MB; one core of the bench machine (x86-64) is taken as one Lambda vCPU (arm64, Graviton), with no factor measured between them.`,
      'Request latencies come from bench/cost/latency.json; each entry says whether it is documented or assumed. Every request of an invocation is counted one after the other.',
      'lambda_duration_moto_wall_usd (handler wall time on moto_server, which serves one request at a time) is an upper bound; lambda_duration_cpu_only_usd (scaled CPU time, no waiting) a lower bound.',
      'Firehose: every record the capture rules matched is billed at its JSON size rounded up to 5 KB (the EventBridge event as delivered; no record aggregation is possible from an EventBridge target).',
      'CloudWatch Logs: bytes are what the handler printed in this process (powertools JSON log lines and EMF metrics) plus 350 B of Lambda platform lines per invocation: an estimate of what Lambda would ship.',
      'DynamoDB writes are billed by the larger of the item before and after; the stored item is the last write of the same key seen in the run (the run starts on an empty table).',
      `Index writes: an item entering, leaving or changing in a global secondary index costs write units of its index entry (1 KB units), per the DynamoDB developer guide. ${estimated.length === 0 ? 'No DynamoDB charge of this run was an estimate.' : `Estimated charges (stored item not seen, or update expression approximated): ${estimated.map(([k, n]) => `${k} x${n}`).join(', ')}.`}`,
      'Alert handling counts SNS publishes, the DynamoDB units of items that exist only for alerts (supp#, outbox#, id#alert: keys, items carrying the outbox attribute, the outbox index), and the modeled Lambda wait on requests made only for alerts. The alert records themselves (bytes in the batch object, CPU of detection) are left with the events.',
    ],
  };
}
