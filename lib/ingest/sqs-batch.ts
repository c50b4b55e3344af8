import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { SHARD_PATTERN } from '../core/layout';
import type { AuditRecord, RecordDraft } from '../core/record';
import { commitDrafts, type BatchAlerts, type CommitDeps } from './commit';
import { draftFromMessage } from './drafts';

/** Messages whose group id is not a valid shard id (not sent by the stack's rules) land here. */
export const FALLBACK_SHARD = 'other';

/**
 * From this delivery attempt on, a detector that keeps failing no longer holds
 * the events back: they are committed without its alerts (and the failure is
 * reported), so a detector bug cannot push events into the dead-letter queue.
 */
export const DETECTOR_FAILOPEN_ATTEMPT = 3;

export interface IngestDeps extends CommitDeps {
  index: { write(records: readonly AuditRecord[]): Promise<number> };
  /** Publishes committed detector alerts and clears their batches' outbox items. */
  alerts: { deliver(batches: readonly BatchAlerts[]): Promise<void> };
  onError?: (shard: string, err: unknown) => void;
}

export interface IngestStats {
  eventsIn: number;
  committed: number;
  duplicates: number;
  quarantined: number;
  conflicts: number;
  alerts: number;
  failedShards: number;
  /** Events committed without their alerts because a detector kept failing. */
  detectorFailures: number;
}

export function shardOf(message: SQSRecord): string {
  const group = message.attributes?.MessageGroupId;
  return group && SHARD_PATTERN.test(group) ? group : FALLBACK_SHARD;
}

/**
 * One Lambda invocation from the FIFO queue: messages are grouped by shard
 * (message group), each shard's messages become one batch object and one
 * commit. A shard that fails reports all its messages as failed, so FIFO order
 * is kept and they are redelivered; other shards are unaffected.
 */
export async function ingestSqsBatch(deps: IngestDeps, event: SQSEvent): Promise<{ response: SQSBatchResponse; stats: IngestStats }> {
  const stats: IngestStats = { eventsIn: event.Records.length, committed: 0, duplicates: 0, quarantined: 0, conflicts: 0, alerts: 0, failedShards: 0, detectorFailures: 0 };
  const byShard = new Map<string, SQSRecord[]>();
  for (const m of event.Records) {
    const shard = shardOf(m);
    const list = byShard.get(shard) ?? [];
    list.push(m);
    byShard.set(shard, list);
  }
  const failures: { itemIdentifier: string }[] = [];
  await Promise.all(
    [...byShard].map(async ([shard, messages]) => {
      try {
        const drafts: RecordDraft[] = messages.map((m) => draftFromMessage(m.body, { channel: 'eventbridge', logFile: null }).draft);
        const attempt = Math.max(...messages.map((m) => Number(m.attributes?.ApproximateReceiveCount ?? '1') || 1));
        const detect = deps.detect;
        const failOpen =
          detect && attempt >= DETECTOR_FAILOPEN_ATTEMPT
            ? async (r: Parameters<typeof detect>[0]) => {
                try {
                  return await detect(r);
                } catch (err) {
                  stats.detectorFailures++;
                  deps.onError?.(shard, err);
                  return [];
                }
              }
            : detect;
        const outcome = await commitDrafts({ ...deps, detect: failOpen }, shard, drafts);
        stats.committed += outcome.committed.filter((r) => r.chain.kind !== 'genesis' && r.chain.kind !== 'alert').length;
        stats.quarantined += outcome.committed.filter((r) => r.chain.kind === 'quarantine').length;
        stats.duplicates += outcome.duplicates;
        stats.conflicts += outcome.conflicts;
        stats.alerts += outcome.alerts.length;
        // Derived data and notifications come after the commit, and failing them
        // must not fail the messages: a redelivery would only find duplicates.
        // `reindex` rebuilds the index; the seal's outbox sweep republishes alerts.
        await deps.index.write(outcome.committed).catch((err) => deps.onError?.(shard, err));
        await deps.alerts.deliver(outcome.alertBatches).catch((err) => deps.onError?.(shard, err));
      } catch (err) {
        stats.failedShards++;
        deps.onError?.(shard, err);
        for (const m of messages) failures.push({ itemIdentifier: m.messageId });
      }
    }),
  );
  return { response: { batchItemFailures: failures }, stats };
}
