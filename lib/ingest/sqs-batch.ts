import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { detectorCause, detectorFailureAlert } from '../core/detect/detector-failure';
import { SHARD_PATTERN } from '../core/layout';
import type { JsonValue } from '../core/json';
import type { RecordDraft } from '../core/record';
import { retry } from '../core/retry';
import type { BatchAlerts } from '../core/alert';
import { commitDrafts, type CommitDeps } from '../commit/commit';
import { draftFromMessage, quarantineDraft, type Via } from '../commit/drafts';
import { FALLBACK_SHARD, liveRouter, type LiveRouter } from './live-route';
import { objectNotices, type ObjectNotice } from './object-notice';

export { FALLBACK_SHARD } from './live-route';

/**
 * From this delivery attempt on, a detector that keeps failing no longer holds
 * the events back: they are committed without its alerts, so a detector bug
 * cannot push events into the dead-letter queue. The failure is not silent:
 * each one is committed with the event as a `detector-failure` alert naming
 * the event and the detector, and published like any alert (issue 17).
 */
export const DETECTOR_FAILOPEN_ATTEMPT = 3;

/**
 * How long the live lane may take to deliver an event: Firehose's longest
 * buffering window (900 s), the queue's batching window and a margin. A trail
 * file announced sooner than this after an event it holds, that the live lane
 * should have delivered and has not, waits once for it (issue 19, defect 10).
 */
export const LIVE_LANE_MAX_LAG_MS = 20 * 60_000;

/** Where the live lane's transport (Firehose) stages its batches: newline-delimited EventBridge envelopes. */
export interface StagingObjects {
  bucket: string;
  prefix: string;
  get(key: string): Promise<Buffer>;
}

/** The trail lane: CloudTrail log files announced by the trail bucket, reconciled into the same chains. */
export interface TrailLane {
  bucket: string;
  /**
   * Reconciles the files; returns the keys that failed and those deferred
   * (their messages are retried). With `deferMissedLive`, a file holding
   * recent events the live lane has not delivered yet is deferred, not reconciled.
   */
  reconcile(
    keys: readonly string[],
    opts?: { deferMissedLive?: { noticeTime: number; maxLagMs: number } },
  ): Promise<{ failed: string[]; deferred?: string[]; recovered: number; files: number }>;
}

export interface IngestDeps extends CommitDeps {
  /** Publishes committed detector alerts and clears their batches' outbox items. */
  alerts: { deliver(batches: readonly BatchAlerts[]): Promise<void> };
  onError?: (shard: string, err: unknown) => void;
  /** Shard of a live event that came without a message group. @default the default shard plan */
  route?: LiveRouter;
  staging?: StagingObjects;
  trail?: TrailLane;
}

export interface IngestStats {
  /** Messages in the invocation. */
  messages: number;
  /** Live events received (on their own or in staged objects). */
  eventsIn: number;
  /** Staged live-lane objects read. */
  stagedObjects: number;
  /** Trail log files handed to the trail lane. */
  trailFiles: number;
  /** Events the trail lane committed (missing from the archive until then). */
  trailRecovered: number;
  /** Trail log files held back once: live-lane events of them were not archived yet. */
  trailDeferred: number;
  committed: number;
  duplicates: number;
  quarantined: number;
  conflicts: number;
  alerts: number;
  failedShards: number;
  /** Events committed without their alerts because a detector kept failing. */
  detectorFailures: number;
  /** Objects announced from a bucket this stack does not read. */
  ignoredObjects: number;
}

const LIVE_VIA: Via = { channel: 'eventbridge', logFile: null };

function groupShard(message: SQSRecord): string | null {
  const group = message.attributes?.MessageGroupId;
  return group && SHARD_PATTERN.test(group) ? group : null;
}

interface Pool {
  drafts: RecordDraft[];
  messages: Set<string>;
}

function emptyStats(messages: number): IngestStats {
  return {
    messages,
    eventsIn: 0,
    stagedObjects: 0,
    trailFiles: 0,
    trailRecovered: 0,
    trailDeferred: 0,
    committed: 0,
    duplicates: 0,
    quarantined: 0,
    conflicts: 0,
    alerts: 0,
    failedShards: 0,
    detectorFailures: 0,
    ignoredObjects: 0,
  };
}

/** Staged lines, as bytes: one EventBridge envelope per line (Firehose's AppendDelimiterToRecord); blank lines are not events. */
function stagedLines(body: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  for (let start = 0; start < body.length;) {
    const nl = body.indexOf(0x0a, start);
    const end = nl < 0 ? body.length : nl;
    const line = body.subarray(start, end);
    if (line.toString('latin1').trim() !== '') lines.push(line);
    start = end + 1;
  }
  return lines;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * One Lambda invocation from the ingest queue. A message is either one live
 * event, or the notice of an S3 object: a staged batch of live events, or a
 * trail log file. Live events are routed to shards by content (or by a FIFO
 * message group, when one is set) and each shard's events become one batch
 * object and one commit; trail log files are reconciled after them, so an
 * event that came by both lanes is archived once, from the live lane. A shard
 * or file that fails fails only the messages that fed it; redelivery finds
 * the rest already committed.
 */
export async function ingestSqsBatch(deps: IngestDeps, event: SQSEvent): Promise<{ response: SQSBatchResponse; stats: IngestStats }> {
  const stats = emptyStats(event.Records.length);
  const route = deps.route ?? liveRouter();
  const failed = new Set<string>();
  const pools = new Map<string, Pool>();
  const trailKeys = new Map<string, string[]>();
  const add = (shard: string, draft: RecordDraft, messageId: string) => {
    const pool = pools.get(shard) ?? { drafts: [], messages: new Set<string>() };
    pool.drafts.push(draft);
    pool.messages.add(messageId);
    pools.set(shard, pool);
  };
  const addLive = (body: string, message: SQSRecord) => {
    const { draft } = draftFromMessage(body, LIVE_VIA);
    stats.eventsIn++;
    add(groupShard(message) ?? shardOfDraft(draft, body, route), draft, message.messageId);
  };

  for (const m of event.Records) {
    const notices = objectNotices(m.body);
    if (notices === null) {
      addLive(m.body, m);
      continue;
    }
    try {
      for (const n of notices) {
        const lane = laneOf(deps, n);
        if (lane === 'staging') {
          const body = await deps.staging!.get(n.key);
          stats.stagedObjects++;
          for (const line of stagedLines(body)) {
            let text: string;
            try {
              text = strictUtf8.decode(line);
            } catch {
              // Decoding would replace the bytes: keep them exactly, as a quarantine (no event id can be trusted from them).
              stats.eventsIn++;
              add(FALLBACK_SHARD, quarantineDraft(line, 'not UTF-8 text', LIVE_VIA), m.messageId);
              continue;
            }
            addLive(text, m);
          }
        } else if (lane === 'trail') trailKeys.set(m.messageId, [...(trailKeys.get(m.messageId) ?? []), n.key]);
        else {
          stats.ignoredObjects++;
          deps.onError?.('-', new Error(`object s3://${n.bucket}/${n.key} is not from the staging or the trail bucket; ignored`));
        }
      }
    } catch (err) {
      deps.onError?.('-', err);
      failed.add(m.messageId);
    }
  }

  const attempt = Math.max(1, ...event.Records.map((m) => Number(m.attributes?.ApproximateReceiveCount ?? '1') || 1));
  await Promise.all([...pools].map(([shard, pool]) => commitPool(deps, shard, pool, attempt, stats, failed)));
  // A file's first delivery waits for a live lane that may only be slow: if it holds recent events the live lane
  // has not delivered, it is looked at again after the visibility timeout, so they are not reported as missed.
  for (const m of event.Records) {
    const keys = trailKeys.get(m.messageId);
    if (!keys) continue;
    const first = (Number(m.attributes?.ApproximateReceiveCount ?? '1') || 1) <= 1;
    const sent = Number(m.attributes?.SentTimestamp) || Date.now();
    await reconcileTrail(deps, new Map([[m.messageId, keys]]), stats, failed, first ? { noticeTime: sent, maxLagMs: LIVE_LANE_MAX_LAG_MS } : undefined);
  }
  return { response: { batchItemFailures: event.Records.filter((m) => failed.has(m.messageId)).map((m) => ({ itemIdentifier: m.messageId })) }, stats };
}

/**
 * An event goes where its route says. A quarantined delivery that still
 * carries its event id (it parsed, and claims that id) goes there too, so the
 * trail lane meets the claim in the same shard; other quarantines, FALLBACK_SHARD.
 */
function shardOfDraft(draft: RecordDraft, body: string, route: LiveRouter): string {
  if (draft.kind === 'event') return route(draft.data.raw);
  if (draft.alsoClaims && draft.alsoClaims.length > 0) return route(JSON.parse(body) as JsonValue);
  return FALLBACK_SHARD;
}

function laneOf(deps: IngestDeps, n: ObjectNotice): 'staging' | 'trail' | null {
  if (deps.staging && n.bucket === deps.staging.bucket && n.key.startsWith(deps.staging.prefix)) return 'staging';
  if (deps.trail && n.bucket === deps.trail.bucket) return 'trail';
  return null;
}

/** Tries a detector's AWS call this many times before the batch is failed (or, from the third delivery, committed without it). */
export const DETECTOR_AWS_ATTEMPTS = 4;

/** An error an AWS SDK call threw (it carries $metadata), or a network timeout: worth another try. Looks under runDetectors' DetectorError. */
const isAwsError = (thrown: unknown): boolean => {
  const err = detectorCause(thrown);
  return typeof err === 'object' && err !== null && ('$metadata' in err || (err as Error).name === 'TimeoutError');
};

/**
 * Retries a detector on AWS errors (a throttled attestation read, say) with
 * backoff, so a passing throttle does not hold a batch back, or, from the
 * third delivery, let it through without that detector's alerts (issue 19,
 * defect 7). A detector's own bug is not retried.
 */
export function retryingDetector(detect: NonNullable<CommitDeps['detect']>, attempts = DETECTOR_AWS_ATTEMPTS, baseMs = 50): NonNullable<CommitDeps['detect']> {
  return (record) => retry(() => detect(record), { attempts, baseMs, retryable: isAwsError });
}

async function commitPool(deps: IngestDeps, shard: string, pool: Pool, attempt: number, stats: IngestStats, failed: Set<string>): Promise<void> {
  try {
    const detect = deps.detect && retryingDetector(deps.detect);
    const failOpen =
      detect && attempt >= DETECTOR_FAILOPEN_ATTEMPT
        ? async (r: Parameters<typeof detect>[0]) => {
            try {
              return await detect(r);
            } catch (err) {
              stats.detectorFailures++;
              deps.onError?.(shard, err);
              return [detectorFailureAlert(r, err)];
            }
          }
        : detect;
    const outcome = await commitDrafts({ ...deps, detect: failOpen }, shard, pool.drafts);
    stats.committed += outcome.committed.filter((r) => r.chain.kind !== 'genesis' && r.chain.kind !== 'alert').length;
    stats.quarantined += outcome.committed.filter((r) => r.chain.kind === 'quarantine').length;
    stats.duplicates += outcome.duplicates;
    stats.conflicts += outcome.conflicts;
    stats.alerts += outcome.alerts.length;
    // Publishing comes after the commit, and failing it must not fail the messages:
    // a redelivery would only find duplicates. The seal's outbox sweep republishes.
    await deps.alerts.deliver(outcome.alertBatches).catch((err) => deps.onError?.(shard, err));
  } catch (err) {
    stats.failedShards++;
    deps.onError?.(shard, err);
    for (const id of pool.messages) failed.add(id);
  }
}

async function reconcileTrail(
  deps: IngestDeps,
  byMessage: Map<string, string[]>,
  stats: IngestStats,
  failed: Set<string>,
  deferMissedLive: { noticeTime: number; maxLagMs: number } | undefined,
): Promise<void> {
  if (byMessage.size === 0 || !deps.trail) return;
  const keys = [...new Set([...byMessage.values()].flat())];
  try {
    const out = await deps.trail.reconcile(keys, { deferMissedLive });
    stats.trailFiles += out.files;
    stats.trailRecovered += out.recovered;
    stats.trailDeferred += out.deferred?.length ?? 0;
    const bad = new Set([...out.failed, ...(out.deferred ?? [])]);
    for (const [id, ks] of byMessage) if (ks.some((k) => bad.has(k))) failed.add(id);
  } catch (err) {
    deps.onError?.('-', err);
    for (const id of byMessage.keys()) failed.add(id);
  }
}
