import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, QueryCommand, UpdateCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { Alert } from '../core/alert';
import { parseJson } from '../core/parse-json';
import type { AuditRecord } from '../core/record';
import type { BatchAlerts } from '../core/alert';
import { AlertPublishError, type AlertPublisher } from './alert-publisher';
import { OUTBOX_PENDING } from './chain-store';
import { K, OUTBOX_INDEX } from '../contract/table-keys';
import { ImmutrailError } from '../core/errors';

type Key = { pk: string; sk: string };

/** Alerts waiting in one outbox item, and the item to delete once they are out. */
export interface PendingAlerts {
  outbox: Key;
  alerts: Alert[];
  /** The sequence number of each alert's record, so that a partial publish can be recorded. */
  seqs: number[];
}

export class OutboxError extends ImmutrailError {
  readonly code = 'OUTBOX_UNREADABLE';
}

/**
 * How long a publisher holds an outbox item it claimed. Publishing an item's
 * alerts takes seconds; a publisher that dies holding a claim delays that item
 * by at most this, until a sweep claims it again.
 */
export const OUTBOX_CLAIM_MS = 120_000;

/**
 * Alerts are committed as records before anyone is told; the outbox makes the
 * telling survive a crash. Every batch that holds alert records (detector
 * alerts, and the alerts reconcile and the watchdog commit) has one outbox
 * item, written in the commit's transaction and pointing at those records in
 * the batch object (lib/aws/chain-store.ts). The item is deleted once its
 * alerts are published; an item left behind (publish failed, or the Lambda
 * died first) is published by the next sweep, which the seal runs every few
 * minutes. Each publisher first claims the item (a conditional update), so
 * a sweep that overlaps ingest's own delivery does not publish the same alerts
 * twice (issue 19, defect 10). Delivery is still at least once: a crash between
 * a publish and the delete sends that alert again once the claim expires.
 */
export class AlertOutbox {
  private readonly doc: DynamoDBDocumentClient;
  constructor(
    client: DynamoDBClient,
    private readonly table: string,
    private readonly publisher: Pick<AlertPublisher, 'publishAll'>,
    /** Batch objects of the archive: the sweep reads the alerts from them. */
    private readonly objects: { get(key: string): Promise<Buffer> },
    private readonly clock: () => number = Date.now,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  /** Right after a commit: publishes each batch's alerts and deletes its outbox item. */
  async deliver(batches: readonly BatchAlerts[]): Promise<void> {
    for (const b of batches) {
      await this.send({ outbox: K.outboxBatch(b.shard, b.firstSeq), alerts: b.alerts, seqs: b.seqs });
    }
  }

  /** Alerts committed but not yet published, oldest event first. */
  async pending(limit = 500): Promise<Alert[]> {
    return (await this.pendingItems(limit)).items.flatMap((p) => p.alerts).sort(byEventTime);
  }

  /**
   * Publishes everything left in the outbox; returns how many alerts went out.
   * An item that fails (its batch object unreadable, SNS refusing) does not
   * hold back the others: every item is tried, then the first failure is thrown.
   */
  async sweep(limit = 500): Promise<number> {
    const { items, failures } = await this.pendingItems(limit);
    items.sort((x, y) => byEventTime(x.alerts[0], y.alerts[0]));
    let sent = 0;
    for (const item of items) {
      try {
        if (await this.send(item)) sent += item.alerts.length;
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) {
      throw new OutboxError(
        `${failures.length} outbox item(s) not published (${sent} alerts were); first: ${(failures[0] as Error)?.message ?? String(failures[0])}`,
      );
    }
    return sent;
  }

  /**
   * Claims the item, publishes in order, then deletes the item; false when
   * another publisher holds it (or it is gone). When a publish fails after
   * others went out, the item keeps only the unsent alerts, so the sweep does
   * not send the first ones twice; the failure is rethrown.
   */
  private async send(item: PendingAlerts): Promise<boolean> {
    if (!(await this.claim(item.outbox))) return false;
    try {
      await this.publisher.publishAll(item.alerts);
    } catch (err) {
      // Not published (or partly): release the claim so the next sweep retries at once, keeping only the unsent alerts.
      const handled = err instanceof AlertPublishError ? err.handled : 0;
      await this.doc
        .send(
          new UpdateCommand({
            TableName: this.table,
            Key: item.outbox,
            UpdateExpression: handled > 0 ? 'SET seqs = :s REMOVE claimedUntil, claimedBy' : 'REMOVE claimedUntil, claimedBy',
            ...(handled > 0 ? { ExpressionAttributeValues: { ':s': item.seqs.slice(handled) } } : {}),
          }),
        )
        .catch(() => undefined);
      throw err instanceof AlertPublishError ? err.cause : err;
    }
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: item.outbox }));
    return true;
  }

  /**
   * Takes the item for OUTBOX_CLAIM_MS unless another publisher holds it; false
   * also when it was deleted. The claim carries a token of its own, so the SDK's
   * retry of a claim whose response was lost finds the claim its own.
   */
  private async claim(outbox: Key): Promise<boolean> {
    const now = this.clock();
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: outbox,
          UpdateExpression: 'SET claimedUntil = :until, claimedBy = :me',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now OR claimedBy = :me)',
          ExpressionAttributeValues: { ':until': now + OUTBOX_CLAIM_MS, ':now': now, ':me': randomUUID() },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  private async pendingItems(limit: number): Promise<{ items: PendingAlerts[]; failures: unknown[] }> {
    const items: PendingAlerts[] = [];
    const failures: unknown[] = [];
    let start: Record<string, unknown> | undefined;
    let alerts = 0;
    do {
      const out: QueryCommandOutput = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: OUTBOX_INDEX,
          KeyConditionExpression: 'outbox = :p',
          ExpressionAttributeValues: { ':p': OUTBOX_PENDING },
          ExclusiveStartKey: start,
        }),
      );
      for (const i of out.Items ?? []) {
        try {
          const item = await this.read(i);
          if (item.alerts.length === 0) {
            // Nothing left to send (every alert went out before the item could be deleted).
            await this.doc.send(new DeleteCommand({ TableName: this.table, Key: item.outbox }));
            continue;
          }
          items.push(item);
          alerts += item.alerts.length;
        } catch (err) {
          failures.push(err);
        }
      }
      start = out.LastEvaluatedKey;
    } while (start && alerts < limit);
    return { items, failures };
  }

  private async read(i: Record<string, unknown>): Promise<PendingAlerts> {
    const outbox = { pk: i.pk as string, sk: i.sk as string };
    if (typeof i.key !== 'string' || !Array.isArray(i.seqs)) throw new OutboxError(`outbox item ${outbox.pk} ${outbox.sk} is not a batch pointer`);
    const seqs = i.seqs as number[];
    return { outbox, seqs, alerts: alertsAt(await this.objects.get(i.key), i.key, seqs) };
  }
}

/** The alert records at `seqs` in a batch object, in that order. */
export function alertsAt(body: Buffer, key: string, seqs: readonly number[]): Alert[] {
  const bySeq = new Map<number, Alert>();
  for (const line of body.toString('utf8').split('\n')) {
    if (line === '') continue;
    const r = parseJson(line) as unknown as AuditRecord;
    if (r.chain.kind === 'alert') bySeq.set(r.chain.seq, (r.data as { alert: Alert }).alert);
  }
  return seqs.map((s) => {
    const a = bySeq.get(s);
    if (!a) throw new OutboxError(`batch object ${key} has no alert record at sequence ${s}`);
    return a;
  });
}

const byEventTime = (x: Alert, y: Alert): number => (x.eventTime < y.eventTime ? -1 : x.eventTime > y.eventTime ? 1 : 0);
