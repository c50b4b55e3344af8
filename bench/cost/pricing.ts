import { GSI_PREFIX } from './dynamo-units';
import type { E2eResult, PhaseCounts } from './e2e';
import { cpuSlowdown, gbSeconds, latencyMs, modelDuration, ONE_VCPU_MB, type InvocationProfile, type LatencyTable } from './lambda-duration';
import defaultLatencies from './latency.json';

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

/** The ingest function's memory (lib/construct/audit-trail.ts, fnProps('ingest', ..., 1024)). */
export const INGEST_MEMORY_MB = 1024;
/** The seal schedule (SEAL_INTERVAL in lib/construct/audit-trail.ts): every 5 minutes. */
export const SEALS_PER_MONTH = (30 * 24 * 60) / 5;
/** Lambda's own START, END and REPORT lines per invocation, bytes (text log format). */
export const LAMBDA_PLATFORM_LOG_BYTES = 350;
const GIB = 1024 ** 3;
const SQS_CHUNK = 64 * 1024;

const isS3PutClass = (op: string) => /^(Put|Copy|Post|List|Create|Upload|Complete)/.test(op);

/** Lines for the requests counted in one phase, scaled by `scale`. */
function measuredLines(p: PhaseCounts, prices: Record<string, Price>, scale: number): CostLine[] {
  const lines: CostLine[] = [];
  const add = (service: string, item: string, quantity: number, unit: string, usdPerUnit: number) =>
    quantity > 0 && lines.push({ service, item, quantity: quantity * scale, unit, usd: quantity * scale * usdPerUnit, basis: 'measured' });
  const count = (service: string, test: (op: string) => boolean) =>
    p.requests.filter((r) => r.service === service && test(r.operation)).reduce((n, r) => n + r.requests, 0);
  add('S3', 'PUT/LIST requests', count('S3', isS3PutClass), 'requests', prices.s3_put_per_1000.usd / 1000);
  add('S3', 'GET/HEAD requests', count('S3', (op) => !isS3PutClass(op) && !op.startsWith('Delete')), 'requests', prices.s3_get_per_1000.usd / 1000);
  const entries = Object.entries(p.dynamo);
  const tableWru = entries.filter(([k]) => !k.startsWith(GSI_PREFIX)).reduce((n, [, u]) => n + u.wru, 0);
  const rru = entries.reduce((n, [, u]) => n + u.rru, 0);
  add('DynamoDB', 'write request units, table', tableWru, 'WRU', prices.dynamodb_wru_per_million.usd / 1e6);
  for (const [k, u] of entries.filter(([k]) => k.startsWith(GSI_PREFIX))) {
    add('DynamoDB', `write request units, index ${k.slice(GSI_PREFIX.length)} (GSI)`, u.wru, 'WRU', prices.dynamodb_wru_per_million.usd / 1e6);
  }
  add('DynamoDB', 'read request units', rru, 'RRU', prices.dynamodb_rru_per_million.usd / 1e6);
  add('SNS', 'Publish', count('SNS', () => true), 'requests', prices.sns_publish_per_million.usd / 1e6);
  add('SQS', 'ReceiveMessage + DeleteMessageBatch (event source mapping)', count('SQS', () => true), 'requests', prices.sqs_fifo_per_million.usd / 1e6);
  add('KMS', 'Sign, GetPublicKey', count('KMS', () => true), 'requests', prices.kms_asymmetric_per_10000.usd / 10_000);
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
  const rest = profiles.slice(1).map((p) => p.cpuMs).sort((a, b) => a - b);
  const median = rest[Math.floor(rest.length / 2)];
  const first = profiles[0];
  return { warm: [{ ...first, cpuMs: Math.min(first.cpuMs, median) }, ...profiles.slice(1)], coldStartExtraCpuMs: Math.max(0, first.cpuMs - median) };
}

export function priceRun(r: E2eResult, table: PriceTable, latencies: LatencyTable = defaultLatencies as LatencyTable) {
  const prices = table.prices;
  const scale = 1e6 / r.events;
  const lines: CostLine[] = [...measuredLines(r.phases.ingest, prices, scale)];
  const modeled = (service: string, item: string, quantity: number, unit: string, usdPerUnit: number) =>
    lines.push({ service, item, quantity: quantity * scale, unit, usd: quantity * scale * usdPerUnit, basis: 'modeled' });
  const gbS = prices.lambda_arm_gb_s.usd;
  modeled('SQS', 'SendMessage by the EventBridge rule target', r.eventsDrained * Math.ceil(r.avgMessageBytes / SQS_CHUNK), 'requests', prices.sqs_fifo_per_million.usd / 1e6);
  modeled('EventBridge', 'AWS service events on the default bus', r.eventsDrained, 'events', prices.eventbridge_aws_service_events.usd);
  modeled('Lambda', 'ingest invocations', r.invocations, 'requests', prices.lambda_requests_per_million.usd / 1e6);

  // Duration: the model (lambda-duration.ts) is the headline; the wall time on moto an upper bound; CPU alone a lower one.
  // The first invocation also loads the SDK and the Sigma rules: a cold start, which a warm
  // container pays once, not once per ten events. Its CPU counts as a warm invocation's here and
  // the extra is reported apart (cold_start_cpu_ms).
  const { warm: profiles, coldStartExtraCpuMs } = warmProfiles(r.invocationProfiles);
  const model = modelDuration(profiles, INGEST_MEMORY_MB, latencies, 'sequential');
  const parallel = modelDuration(profiles, INGEST_MEMORY_MB, latencies, 'parallel-shards');
  const slowdown = cpuSlowdown(INGEST_MEMORY_MB);
  modeled('Lambda', `ingest duration at ${INGEST_MEMORY_MB} MB (model: CPU x ${slowdown.toFixed(2)} + request latencies)`, gbSeconds(model.billedMs, INGEST_MEMORY_MB), 'GB-s', gbS);
  const logBytes = r.logBytes + LAMBDA_PLATFORM_LOG_BYTES * r.invocations;
  modeled('CloudWatch Logs', 'ingest function logs and EMF metrics', logBytes / GIB, 'GB', prices.cloudwatch_logs_ingest_gb.usd);
  const motoWallMs = r.handlerMs.reduce((s, ms) => s + Math.ceil(ms), 0);
  const cpuOnlyMs = profiles.reduce((s, p) => s + Math.ceil(p.cpuMs * slowdown), 0);

  const usdPerMillion = lines.reduce((s, l) => s + l.usd, 0);
  const byService: Record<string, number> = {};
  for (const l of lines) byService[l.service] = (byService[l.service] ?? 0) + l.usd;

  // The seal runs on a schedule, whatever the volume: a monthly cost, not a per-event one. (It also
  // extends the proof tiles, whose writes do grow with events: one 8 KB item per 256 records, small.)
  const sealPerRun = measuredLines(r.phases.seal, prices, 1).reduce((s, l) => s + l.usd, 0);
  const fixedMonthly = [
    { item: `seal every 5 minutes (${SEALS_PER_MONTH} runs; requests measured per run)`, usd: sealPerRun * SEALS_PER_MONTH },
    { item: 'KMS keys: checkpoint signing key and data key', usd: 2 * prices.kms_key_month.usd },
  ];

  // Alert handling, from the requests counted as such (alert-attribution.ts): SNS publishes, the DynamoDB
  // units of alert items (suppression windows, outbox items and their index entries, alert records' id
  // claims), and the modeled Lambda time spent waiting on requests that were alert handling as a whole.
  const ingest = r.phases.ingest;
  const alert = alertUsd(ingest, prices);
  const alertLambda = gbSeconds(model.alertIoMs, INGEST_MEMORY_MB) * gbS;
  const alertHandling = { sns: alert.sns * scale, dynamodb: alert.dynamodb * scale, lambda_duration: alertLambda * scale };
  const alertTotal = alertHandling.sns + alertHandling.dynamodb + alertHandling.lambda_duration;

  const op = (service: string, name: string) => ingest.requests.find((x) => x.service === service && x.operation === name)?.requests ?? 0;
  const requestsPer1000: Record<string, number> = {};
  for (const [phase, p] of Object.entries(r.phases)) {
    for (const c of p.requests) requestsPer1000[`${c.service}.${c.operation}${phase === 'ingest' ? '' : ` (${phase})`}`] = (c.requests * 1000) / r.events;
  }
  requestsPer1000['SQS.SendMessage (EventBridge target, modeled)'] = (r.eventsDrained * 1000) / r.events;
  requestsPer1000['Lambda.Invoke (modeled)'] = (r.invocations * 1000) / r.events;
  const dynamoPer1000: Record<string, { wru: number; rru: number }> = {};
  for (const [k, u] of Object.entries(ingest.dynamo)) dynamoPer1000[k] = { wru: (u.wru * 1000) / r.events, rru: (u.rru * 1000) / r.events };

  const estimated = Object.entries(ingest.estimates);
  const usedLatencies = new Set(r.invocationProfiles.flatMap((p) => Object.keys(p.requests)));
  const gbPerMillion = (r.avgMessageBytes * 1e6) / GIB;
  const perInvocation = (ms: number) => ms / Math.max(1, r.invocations);
  return {
    usd_per_million_events: usdPerMillion,
    usd_per_million_events_without_alerts: usdPerMillion - alertTotal,
    usd_per_million_events_for_alert_handling: alertTotal,
    alert_handling_usd_per_million_events: alertHandling,
    lambda_duration_model_usd: gbSeconds(model.billedMs, INGEST_MEMORY_MB) * gbS * scale,
    lambda_duration_model_parallel_shards_usd: gbSeconds(parallel.billedMs, INGEST_MEMORY_MB) * gbS * scale,
    lambda_duration_moto_wall_usd: gbSeconds(motoWallMs, INGEST_MEMORY_MB) * gbS * scale,
    lambda_duration_cpu_only_usd: gbSeconds(cpuOnlyMs, INGEST_MEMORY_MB) * gbS * scale,
    duration_model: {
      model: model.model,
      formula: `per invocation: ceil(CPU ms x ${ONE_VCPU_MB}/${INGEST_MEMORY_MB} + sum of request latencies), every request of the invocation counted one after the other (shards run concurrently in fact: an upper bound of the model)`,
      memory_mb: INGEST_MEMORY_MB,
      cpu_slowdown: slowdown,
      cpu_ms_per_invocation: perInvocation(model.cpuMs),
      cold_start_cpu_ms: coldStartExtraCpuMs,
      io_ms_per_invocation: perInvocation(model.ioMs),
      billed_ms_per_invocation: perInvocation(model.billedMs),
      parallel_shards_billed_ms_per_invocation: perInvocation(parallel.billedMs),
      shards_per_invocation: r.invocationProfiles.reduce((s, p) => s + p.shards, 0) / Math.max(1, r.invocationProfiles.length),
      moto_wall_ms_per_invocation: perInvocation(motoWallMs),
      latencies_ms: Object.fromEntries([...usedLatencies].sort().map((k) => [k, latencyMs(latencies, k)])),
      latencies_checked: latencies.checked,
    },
    handler_ms_per_invocation: r.handlerMs.reduce((a, b) => a + b, 0) / r.invocations,
    handler_cpu_ms_per_invocation: r.handlerCpuMs / r.invocations,
    by_service: byService,
    lines,
    dynamodb_units_per_1000_events: dynamoPer1000,
    alerts_per_1000_events: (r.alerts * 1000) / r.events,
    fixed_monthly: fixedMonthly,
    s3_storage_usd_per_million_events_month: ((ingest.s3PutBytes * scale) / GIB) * prices.s3_storage_gb_month.usd,
    requests_per_1000_events: requestsPer1000,
    events_per_invocation: r.eventsDrained / r.invocations,
    events_per_batch_object: r.eventsDrained / Math.max(1, op('S3', 'PutObject')),
    cloudtrail_lake_gb_per_million_events: gbPerMillion,
    cloudtrail_lake_usd_per_million_events: gbPerMillion * prices.cloudtrail_lake_ingest_gb.usd,
    assumptions: [
      `Lambda duration is modeled, not measured: ${ONE_VCPU_MB} MB is one vCPU (Lambda developer guide, "Configure Lambda function memory"), so CPU time is scaled by ${slowdown.toFixed(3)} at ${INGEST_MEMORY_MB} MB; one core of the bench machine (x86-64) is taken as one Lambda vCPU (arm64, Graviton), with no factor measured between them.`,
      'Request latencies come from bench/cost/latency.json; each entry says whether it is documented or assumed. The headline sums every request of an invocation (conservative: shards run concurrently); lambda_duration_model_parallel_shards_usd divides by the shard count instead.',
      'lambda_duration_moto_wall_usd (handler wall time on moto_server, which serves one request at a time) is an upper bound; lambda_duration_cpu_only_usd (scaled CPU time, no waiting) a lower bound.',
      'DynamoDB writes are billed by the larger of the item before and after; the stored item is the last write of the same key seen in the run (the run starts on an empty table).',
      `Index writes: an item entering, leaving or changing in a global secondary index costs write units of its index entry (1 KB units), per the DynamoDB developer guide; index writes caused by a transaction are counted once, not doubled (the guide does not say they are). ${estimated.length === 0 ? 'No DynamoDB charge of this run was an estimate.' : `Estimated charges (stored item not seen, or update expression approximated): ${estimated.map(([k, n]) => `${k} x${n}`).join(', ')}.`}`,
      'Alert handling counts SNS publishes, the DynamoDB units of items that exist only for alerts (supp#, outbox#, id#alert: keys, items carrying the outbox attribute, the outbox index), and the modeled Lambda wait on requests made only for alerts. The alert records themselves (bytes in the batch object and batch log, CPU of detection) are left with the events.',
    ],
  };
}
