/** The audit of one fault-suite run: what the chains hold against what was delivered, the invariants, and the table (issue 19). */
import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ChainStore } from '../../lib/aws/chain-store';
import type { S3Source } from '../../lib/aws/s3-source';
import { K } from '../../lib/contract/table-keys';
import { parseSignedCheckpoint } from '../../lib/core/checkpoint';
import { isCheckpointKey } from '../../lib/core/layout';
import type { AuditRecord } from '../../lib/core/record';
import type { FaultSuiteResult } from './suite';

export function invariantFailures(r: FaultSuiteResult, python: boolean): string[] {
  const f: string[] = [];
  if (r.audit.lost.length > 0) f.push(`${r.audit.lost.length} event(s) lost: ${r.audit.lost.slice(0, 5).join(', ')}`);
  if (r.audit.duplicated.length > 0) f.push(`${r.audit.duplicated.length} id(s) archived more than once: ${r.audit.duplicated.slice(0, 5).join(', ')}`);
  if (r.audit.unexpected.length > 0) f.push(`${r.audit.unexpected.length} unexpected record(s): ${r.audit.unexpected.slice(0, 5).join(', ')}`);
  if (r.audit.forks.length > 0) f.push(`${r.audit.forks.length} fork(s): ${r.audit.forks.slice(0, 5).join('; ')}`);
  if (r.dlq.leftAfterRedrive > 0) f.push(`${r.dlq.leftAfterRedrive} message(s) still undelivered after one redrive of the DLQ`);
  if (!r.verify.online.ok) f.push(`verify (online) failed: ${JSON.stringify(r.verify.online.problems.slice(0, 3))}`);
  if (!r.verify.offline.ok) f.push(`verify (offline) failed: ${JSON.stringify(r.verify.offline.problems.slice(0, 3))}`);
  if (r.verify.online.records !== r.audit.records) f.push(`verify counts ${r.verify.online.records} records, the chains hold ${r.audit.records}`);
  if (python && !r.verify.python.valid) f.push(`the Python verifier failed: ${JSON.stringify(r.verify.python.problems.slice(0, 3))}`);
  if (python && r.verify.python.ran && r.verify.python.records !== r.audit.records)
    f.push(`the Python verifier counts ${r.verify.python.records} records, the chains hold ${r.audit.records}`);
  return f;
}

export interface Audit {
  records: AuditRecord[];
  committedEvents: number;
  lost: string[];
  duplicated: string[];
  unexpected: string[];
  forks: string[];
  orphans: number;
  quarantined: number;
}

const leafHash = (line: string) =>
  createHash('sha256')
    .update(Buffer.concat([Buffer.from([0]), Buffer.from(line, 'utf8')]))
    .digest('hex');

/**
 * What the chains hold, walked back from each shard's head by `prev` (an
 * orphan is never reached), against what was delivered: every expected event
 * exactly once, no id twice, nothing else but genesis, alert and coverage
 * records. A fork is any signed checkpoint (on the chain or not) or batch-log
 * entry that names something the committed chain does not hold.
 */
export async function auditArchive(
  source: S3Source,
  store: ChainStore,
  ddb: DynamoDBClient,
  table: string,
  expected: ReadonlySet<string>,
): Promise<Audit & { records: AuditRecord[] }> {
  const byHash = new Map<string, { record: AuditRecord; key: string }>();
  const objects: string[] = [];
  for await (const o of source.list('records/')) {
    objects.push(o.key);
    for (const line of (await source.get(o.key)).toString('utf8').split('\n').filter(Boolean))
      byHash.set(leafHash(line), { record: JSON.parse(line), key: o.key });
  }
  const records: AuditRecord[] = [];
  const forks: string[] = [];
  const chains = new Map<string, string[]>();
  const committedObjects = new Set<string>();
  for (const shard of await store.shards()) {
    const hashes: string[] = [];
    for (let h = (await store.head(shard)).hash; h !== '0'.repeat(64);) {
      const hit = byHash.get(h);
      if (!hit) {
        forks.push(`shard ${shard}: the chain from the head breaks at ${h.slice(0, 16)}`);
        break;
      }
      records.push(hit.record);
      committedObjects.add(hit.key);
      hashes.push(h);
      h = hit.record.chain.prev;
    }
    chains.set(shard, hashes.reverse());
    // The batch log: every entry names a committed object and the ranges tile the chain.
    const doc = DynamoDBDocumentClient.from(ddb);
    let start: Record<string, unknown> | undefined;
    let next = 0;
    do {
      const out = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': K.batchPk(shard) },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        if (!committedObjects.has(item.key as string)) forks.push(`shard ${shard}: the batch log names ${item.key}, which the chain does not hold`);
        if (item.firstSeq !== next) forks.push(`shard ${shard}: the batch log jumps from ${next} to ${item.firstSeq}`);
        next = (item.lastSeq as number) + 1;
      }
      start = out.LastEvaluatedKey;
    } while (start);
    if (next !== hashes.length) forks.push(`shard ${shard}: the batch log covers ${next} records, the chain holds ${hashes.length}`);
  }
  for await (const o of source.list('checkpoints/')) {
    // Archive-wide notes only: shard notes (checkpoints/shards/) are the verifiers' to check, which the suite runs too.
    if (!isCheckpointKey(o.key)) continue;
    const c = parseSignedCheckpoint(await source.get(o.key)).checkpoint;
    for (const s of c.shards) {
      const chain = chains.get(s.shard) ?? [];
      if (chain[s.size - 1] !== s.head)
        forks.push(`checkpoint ${o.key} signs shard ${s.shard} at size ${s.size} with a head the committed chain does not have there`);
    }
  }
  const count = new Map<string, number>();
  for (const r of records) count.set(r.chain.id, (count.get(r.chain.id) ?? 0) + 1);
  const events = records.filter((r) => r.chain.kind === 'event');
  return {
    records,
    committedEvents: events.length,
    lost: [...expected].filter((id) => !count.has(id)),
    duplicated: [...count].filter(([, n]) => n > 1).map(([id]) => id),
    unexpected: records
      .filter((r) => (r.chain.kind === 'event' && !expected.has(r.chain.id)) || r.chain.kind === 'quarantine')
      .map((r) => `${r.chain.kind} ${r.chain.id}`),
    forks,
    orphans: objects.filter((k) => !committedObjects.has(k)).length,
    quarantined: records.filter((r) => r.chain.kind === 'quarantine').length,
  };
}

const n = (x: number) => x.toLocaleString('en-US');

/** The table of issue 19, from one run. */
export function formatTable(r: FaultSuiteResult): string {
  const f = r.faults;
  const ok = (b: boolean) => (b ? 'OK' : 'FAILED');
  const rows: [string, string][] = [
    ['seed / fault rate', `${r.seed} / ${(r.rate * 100).toFixed(1)}%`],
    [
      'events (distinct)',
      `${n(r.events)}: ${n(r.workload.trailRecords)} in ${n(r.workload.trailFiles)} trail log files, ${n(r.workload.liveEvents)} live in ${n(r.workload.stagedObjects)} staged objects (${n(r.workload.stateChanges)} state changes)`,
    ],
    ['queue messages (first delivery)', n(r.workload.messages)],
    ['AWS calls / attempts seen', `${n(f.awsCalls)} / ${n(f.awsAttempts)}`],
    ['faults injected', `${n(f.total)} (${n(f.toCaller)} to the caller, ${n(f.toSdkRetry)} to the SDK's retry, plus kills and lost deletes)`],
    ['  500s', n(f['server-error'])],
    ['  throttling', n(f.throttle)],
    ['  timeouts', n(f.timeout)],
    ['  lost responses', n(f['lost-response'])],
    ['  unprocessed batch items', n(f.unprocessed)],
    ['  process kills (after put, before commit)', n(f.kill)],
    ['  lost SQS deletes', n(f['lost-delete'])],
    [
      'duplicates delivered (event deliveries)',
      `${n(r.duplicatesDelivered.total)}: ${n(r.duplicatesDelivered.bothLanes)} by both lanes, ${n(r.duplicatesDelivered.restaged)} staged twice, ${n(r.duplicatesDelivered.singleMessages)} as single messages, ${n(r.duplicatesDelivered.repeatedNotices)} in repeated notices`,
    ],
    ['ingest invocations (crashed)', `${n(r.ingest.invocations)} (${n(r.ingest.crashed)})`],
    ['redeliveries', n(r.ingest.redeliveries)],
    ['conflicts (lost compare-and-swap)', n(r.ingest.conflicts)],
    ['failed shard commits / detector fail-opens', `${n(r.ingest.failedShards)} / ${n(r.ingest.detectorFailures)}`],
    ["DLQ'd (messages / events)", `${n(r.dlq.messages)} / ${n(r.dlq.events)}`],
    ['redriven (left after one redrive)', `${n(r.dlq.redriven)} (${n(r.dlq.leftAfterRedrive)})`],
    ['seals ok / failed, checkpoints', `${n(r.seals.ok)} / ${n(r.seals.failed)}, ${n(r.seals.checkpoints)}`],
    [
      'alert records / SNS messages / outbox left',
      `${n(r.alerts.records)} / ${n(r.alerts.published)} / ${n(r.alerts.outboxLeft)} (missed-events alerts: ${n(r.alerts.missedEvents)})`,
    ],
    ['detector alerts missing (fail-open, defect 7)', n(r.alerts.missingDetectorAlerts)],
    ['orphan objects (benign)', n(r.audit.orphans)],
    ['events archived', n(r.audit.committedEvents)],
    ['lost', n(r.audit.lost.length)],
    ['duplicated', n(r.audit.duplicated.length)],
    ['unexpected records (quarantined)', `${n(r.audit.unexpected.length)} (${n(r.audit.quarantined)})`],
    ['forks', n(r.audit.forks.length)],
    [
      'verify online / offline / python',
      `${ok(r.verify.online.ok)} / ${ok(r.verify.offline.ok)} / ${r.verify.python.ran ? ok(r.verify.python.valid) : 'not run'} (${n(r.verify.online.records)} records)`,
    ],
    ['unexpected (non-injected) errors', n(r.unexpectedErrors.length)],
    ['duration', `${(r.durationMs / 1000).toFixed(1)} s`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k.padEnd(w)} | ${v} |`)].join('\n');
}
