import { describe, expect, it } from 'vitest';
import type { E2eResult, PhaseCounts } from '../../bench/cost/e2e';
import type { LatencyTable } from '../../bench/cost/lambda-duration';
import { INGEST_BATCHING_WINDOW_S, INGEST_MEMORY_MB, priceRun, SEALS_PER_MONTH, STAGING_DAYS, warmProfiles, type PriceTable } from '../../bench/cost/pricing';
import prices from '../../bench/prices.json';

const latencies: LatencyTable = { checked: 'test', latencies: { '*': { ms: 10, basis: 'assumed', source: null, source_date: null } } };
const phase = (p: Partial<PhaseCounts>): PhaseCounts => ({
  requests: [],
  dynamo: {},
  alerts: { requests: {}, dynamo: { wru: 0, rru: 0 } },
  estimates: {},
  s3PutBytes: 0,
  ...p,
});

/** Ten events in one staged object, one invocation: one commit, one SNS alert with its suppression read and outbox writes. */
function run(): E2eResult {
  const req = (service: string, operation: string, requests: number) => ({ service, operation, requests, errors: 0 });
  return {
    workload: 'writes',
    events: 60,
    capturedEvents: 10,
    recordKinds: { event: 10, alert: 1 },
    rate: { eventsPerSecond: 100, eventsPerWindow: 3000, recordsPerTrailFile: 30000, readOnlyShare: 0.85 },
    lanes: {
      live: { records: 10, bytes: 15_000, billedBytes: 10 * 5120, objects: 1, stagedBytes: 15_010 },
      trail: { files: 0, records: 0, bytes: 0 },
      notices: 1,
      noticeBytes: 500,
      directNotices: 0,
      forwarded: 0,
      notForwarded: 0,
    },
    ingestStats: {},
    motoPeakMb: null,
    invocations: 1,
    handlerMs: [2000],
    handlerCpuMs: 50,
    invocationProfiles: [
      {
        wallMs: 2000,
        cpuMs: 50,
        shards: 2,
        lane: 'live',
        requests: { 'DynamoDB.TransactWriteItems': 1, 'DynamoDB.GetItem': 1, 'SNS.Publish': 1, 'DynamoDB.DeleteItem': 1 },
        alertRequests: { 'DynamoDB.GetItem': 1, 'SNS.Publish': 1, 'DynamoDB.DeleteItem': 1 },
      },
    ],
    logBytes: 1000,
    alerts: 1,
    alertKinds: {},
    phases: {
      ingest: phase({
        requests: [
          req('DynamoDB', 'TransactWriteItems', 1),
          req('DynamoDB', 'GetItem', 1),
          req('DynamoDB', 'DeleteItem', 1),
          req('SNS', 'Publish', 1),
          req('S3', 'PutObject', 1),
        ],
        dynamo: { TransactWriteItems: { wru: 26, rru: 0 }, GetItem: { wru: 0, rru: 0.5 }, DeleteItem: { wru: 1, rru: 0 }, 'GSI outbox': { wru: 2, rru: 0 } },
        alerts: { requests: { 'SNS.Publish': 1, 'DynamoDB.GetItem': 1, 'DynamoDB.DeleteItem': 1 }, dynamo: { wru: 2 + 1 + 2, rru: 0.5 } },
      }),
      transport: phase({ requests: [req('S3', 'PutObject', 1), req('SQS', 'SendMessageBatch', 1)] }),
      seal: phase({}),
    },
    archive: { ok: true, records: 11, sealed: 11, objects: 1, bytes: 10_000, problems: [] },
    deadLetters: 0,
    wallSeconds: 3,
  };
}

describe('priceRun', () => {
  const cost = priceRun(run(), prices as PriceTable, latencies);
  const wruUsd = prices.prices.dynamodb_wru_per_million.usd / 1e6;
  const scale = 1e6 / 10;

  it('totals its lines, and splits the total into events and alert handling', () => {
    expect(cost.usd_per_million_events).toBeCloseTo(
      cost.lines.reduce((s, l) => s + l.usd, 0),
      9,
    );
    expect(cost.usd_per_million_events_without_alerts + cost.usd_per_million_events_for_alert_handling).toBeCloseTo(cost.usd_per_million_events, 9);
    const a = cost.alert_handling_usd_per_million_events;
    expect(a.sns).toBeCloseTo(scale * (prices.prices.sns_publish_per_million.usd / 1e6), 9);
    expect(a.dynamodb).toBeCloseTo(scale * (5 * wruUsd + 0.5 * (prices.prices.dynamodb_rru_per_million.usd / 1e6)), 9);
    // Three alert requests at 10 ms each, at 1,769 MB.
    expect(a.lambda_duration).toBeCloseTo(scale * 0.03 * (1769 / 1024) * prices.prices.lambda_arm_gb_s.usd, 9);
  });

  it('shows index writes on their own line', () => {
    const gsi = cost.lines.find((l) => l.item.includes('index outbox'))!;
    expect(gsi.quantity).toBe(2 * scale);
    expect(cost.lines.find((l) => l.item === 'write request units, table')!.quantity).toBe(27 * scale);
  });

  it('prices duration by the model at 1,769 MB (one vCPU: CPU time unscaled), between CPU alone and the wall time on moto', () => {
    const duration = cost.lines.find((l) => l.service === 'Lambda' && l.unit === 'GB-s')!;
    expect(duration.usd).toBeCloseTo(cost.lambda_duration_model_usd, 12);
    expect(cost.duration_model.billed_ms_per_invocation).toBe(50 + 40);
    expect(duration.quantity).toBeCloseTo(scale * 0.09 * (1769 / 1024), 9);
    expect(cost.lambda_duration_cpu_only_usd).toBeLessThan(cost.lambda_duration_model_usd);
    expect(cost.lambda_duration_model_usd).toBeLessThan(cost.lambda_duration_moto_wall_usd);
  });

  it('scales by the events archived, not the events generated', () => {
    expect(cost.captured_events).toBe(10);
    expect(cost.lines.find((l) => l.service === 'Lambda' && l.unit === 'requests')!.quantity).toBe(scale);
  });

  it('bills Firehose by records rounded up to 5 KB, and one SQS send and one opt-in S3 event per object notice', () => {
    const firehose = cost.lines.find((l) => l.service === 'Firehose')!;
    expect(firehose.quantity).toBeCloseTo((scale * 10 * 5120) / 1024 ** 3, 12);
    expect(firehose.usd).toBeCloseTo(firehose.quantity * prices.prices.firehose_direct_put_gb.usd, 12);
    expect(cost.lines.find((l) => l.item.startsWith('SendMessage by the objects rule'))!.quantity).toBe(scale);
    expect(cost.lines.find((l) => l.item.startsWith('S3 "Object Created"'))!.usd).toBeCloseTo(
      scale * 1e-6 * prices.prices.eventbridge_opt_in_data_events_per_million.usd,
      12,
    );
    expect(cost.lines.find((l) => l.item.startsWith('CloudTrail API call events'))!.usd).toBe(0);
    expect(cost.lines.find((l) => l.item.startsWith('PUT of staged objects'))!.quantity).toBe(scale);
  });

  it("bills an organization's forwarded member events as cross-account events, and its trail bucket's direct notices without EventBridge", () => {
    const r = run();
    const org = priceRun({ ...r, workload: 'org', lanes: { ...r.lanes, notices: 3, directNotices: 2, forwarded: 4, notForwarded: 6 } }, prices);
    const forwarded = org.lines.find((l) => l.item.startsWith("member accounts' events forwarded"))!;
    expect(forwarded.quantity).toBe(4 * scale);
    expect(forwarded.usd).toBeCloseTo(4 * scale * 1e-6 * prices.prices.eventbridge_cross_account_per_million.usd, 12);
    // Three notices reached the queue; only the staged object's came through EventBridge.
    expect(org.lines.find((l) => l.item.startsWith('S3 "Object Created"'))!.quantity).toBe(scale);
    expect(org.lines.find((l) => l.item.startsWith('SendMessage by the objects rule'))!.quantity).toBe(3 * scale);
    expect(org.member_events).toEqual({ forwarded: 4, not_forwarded: 6 });
    expect(cost.lines.some((l) => l.item.startsWith("member accounts' events forwarded"))).toBe(false);
  });

  it('prices the queue at the standard rate and leaves the transport phase out of the measured lines', () => {
    expect(prices.prices.sqs_standard_per_million.usd).toBe(0.4);
    // Only the ingest phase's S3 PutObject is a batch object; the transport phase's is Firehose's (its own line).
    expect(cost.lines.find((l) => l.item.startsWith('PUT/LIST requests'))!.quantity).toBe(scale);
  });

  it('models the live-lane latency as the windows and delivery delays plus a warm live invocation', () => {
    expect(cost.live_lane_latency_s).toBeCloseTo(1 + 30 + 5 + 10 + 0.09, 9);
    expect(cost.records_per_object).toBe(11);
  });

  it('reads the function configuration the construct sets', async () => {
    const c = await import('../../lib/construct/audit-trail');
    expect(INGEST_MEMORY_MB).toBe(c.INGEST_MEMORY_MB);
    expect(INGEST_BATCHING_WINDOW_S).toBe(c.INGEST_BATCHING_WINDOW.toSeconds());
    expect(STAGING_DAYS).toBe(c.STAGING_EXPIRATION.toDays());
    expect(SEALS_PER_MONTH).toBe((30 * 24 * 60) / c.SEAL_INTERVAL.toMinutes());
  });

  it('cites a source for every price', () => {
    for (const [k, p] of Object.entries(prices.prices)) {
      expect(p.source, k).toMatch(/^https:\/\//);
      expect(typeof p.usd, k).toBe('number');
    }
  });
});

describe('warmProfiles', () => {
  const p = (cpuMs: number) => ({ wallMs: 0, cpuMs, shards: 1, requests: {}, alertRequests: {} });

  it("counts the first invocation's cold start apart: its CPU becomes the median of the others", () => {
    const { warm, coldStartExtraCpuMs } = warmProfiles([p(600), p(40), p(50), p(70)]);
    expect(warm.map((x) => x.cpuMs)).toEqual([50, 40, 50, 70]);
    expect(coldStartExtraCpuMs).toBe(550);
  });

  it('leaves a first invocation that was not slower, or a lone one, as it is', () => {
    expect(warmProfiles([p(30), p(40), p(50)])).toEqual({ warm: [p(30), p(40), p(50)], coldStartExtraCpuMs: 0 });
    expect(warmProfiles([p(600)])).toEqual({ warm: [p(600)], coldStartExtraCpuMs: 0 });
  });
});
