import type { E2eResult, PhaseCounts } from './e2e';

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
  const units = Object.values(p.dynamo).reduce((s, u) => ({ wru: s.wru + u.wru, rru: s.rru + u.rru }), { wru: 0, rru: 0 });
  add('DynamoDB', 'write request units', units.wru, 'WRU', prices.dynamodb_wru_per_million.usd / 1e6);
  add('DynamoDB', 'read request units', units.rru, 'RRU', prices.dynamodb_rru_per_million.usd / 1e6);
  add('SNS', 'Publish', count('SNS', () => true), 'requests', prices.sns_publish_per_million.usd / 1e6);
  add('SQS', 'ReceiveMessage + DeleteMessageBatch (event source mapping)', count('SQS', () => true), 'requests', prices.sqs_fifo_per_million.usd / 1e6);
  add('KMS', 'Sign, GetPublicKey', count('KMS', () => true), 'requests', prices.kms_asymmetric_per_10000.usd / 10_000);
  return lines;
}

export function priceRun(r: E2eResult, table: PriceTable) {
  const prices = table.prices;
  const scale = 1e6 / r.events;
  const lines: CostLine[] = [...measuredLines(r.phases.ingest, prices, scale)];
  const modeled = (service: string, item: string, quantity: number, unit: string, usdPerUnit: number) =>
    lines.push({ service, item, quantity: quantity * scale, unit, usd: quantity * scale * usdPerUnit, basis: 'modeled' });
  modeled('SQS', 'SendMessage by the EventBridge rule target', r.eventsDrained * Math.ceil(r.avgMessageBytes / SQS_CHUNK), 'requests', prices.sqs_fifo_per_million.usd / 1e6);
  modeled('EventBridge', 'AWS service events on the default bus', r.eventsDrained, 'events', prices.eventbridge_aws_service_events.usd);
  modeled('Lambda', 'ingest invocations', r.invocations, 'requests', prices.lambda_requests_per_million.usd / 1e6);
  const gbSeconds = r.handlerMs.reduce((s, ms) => s + Math.ceil(ms), 0) / 1000 * (INGEST_MEMORY_MB / 1024);
  modeled('Lambda', `ingest duration at ${INGEST_MEMORY_MB} MB (measured handler time on moto)`, gbSeconds, 'GB-s', prices.lambda_arm_gb_s.usd);
  const logBytes = r.logBytes + LAMBDA_PLATFORM_LOG_BYTES * r.invocations;
  modeled('CloudWatch Logs', 'ingest function logs and EMF metrics', logBytes / GIB, 'GB', prices.cloudwatch_logs_ingest_gb.usd);

  // Lower bound for the duration line: the handler's own CPU time (under tsx), without waiting on the emulator.
  const cpuOnlyGbSeconds = (r.handlerCpuMs / 1000) * (INGEST_MEMORY_MB / 1024) * scale;
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

  // The sample is attack-heavy: what alert handling added (SNS publishes, suppression and outbox writes, alert records' id claims).
  const ingest = r.phases.ingest;
  const op = (service: string, name: string) => ingest.requests.find((x) => x.service === service && x.operation === name)?.requests ?? 0;
  const alertUsd =
    scale *
    (op('SNS', 'Publish') * (prices.sns_publish_per_million.usd / 1e6) +
      ((ingest.dynamo.PutItem?.wru ?? 0) + (ingest.dynamo.UpdateItem?.wru ?? 0) + 2 * r.alerts) * (prices.dynamodb_wru_per_million.usd / 1e6));

  const requestsPer1000: Record<string, number> = {};
  for (const [phase, p] of Object.entries(r.phases)) {
    for (const c of p.requests) requestsPer1000[`${c.service}.${c.operation}${phase === 'ingest' ? '' : ` (${phase})`}`] = (c.requests * 1000) / r.events;
  }
  requestsPer1000['SQS.SendMessage (EventBridge target, modeled)'] = (r.eventsDrained * 1000) / r.events;
  requestsPer1000['Lambda.Invoke (modeled)'] = (r.invocations * 1000) / r.events;

  const gbPerMillion = (r.avgMessageBytes * 1e6) / GIB;
  return {
    usd_per_million_events: usdPerMillion,
    lambda_duration_if_cpu_bound_usd: cpuOnlyGbSeconds * prices.lambda_arm_gb_s.usd,
    handler_ms_per_invocation: r.handlerMs.reduce((a, b) => a + b, 0) / r.invocations,
    handler_cpu_ms_per_invocation: r.handlerCpuMs / r.invocations,
    by_service: byService,
    lines,
    alerts_per_1000_events: (r.alerts * 1000) / r.events,
    usd_per_million_events_for_alert_handling: alertUsd,
    fixed_monthly: fixedMonthly,
    s3_storage_usd_per_million_events_month: ((ingest.s3PutBytes * scale) / GIB) * prices.s3_storage_gb_month.usd,
    requests_per_1000_events: requestsPer1000,
    events_per_invocation: r.eventsDrained / r.invocations,
    events_per_batch_object: r.eventsDrained / Math.max(1, op('S3', 'PutObject')),
    cloudtrail_lake_gb_per_million_events: gbPerMillion,
    cloudtrail_lake_usd_per_million_events: gbPerMillion * prices.cloudtrail_lake_ingest_gb.usd,
  };
}
