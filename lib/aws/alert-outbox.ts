import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { Alert } from '../core/alert';
import { alertRecordId } from '../ingest/commit';
import type { AlertPublisher } from './alert-publisher';
import { K, OUTBOX_INDEX } from './table-keys';

/**
 * Alerts are committed as records with an outbox flag in the same transaction
 * (lib/aws/chain-store.ts); here they are published and the flag cleared. An
 * alert whose publish failed, or whose Lambda died first, stays flagged and is
 * published by the next sweep (the seal runs one every few minutes).
 */
export class AlertOutbox {
  private readonly doc: DynamoDBDocumentClient;
  constructor(
    client: DynamoDBClient,
    private readonly table: string,
    private readonly publisher: Pick<AlertPublisher, 'publish'>,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  /** Publishes committed alerts in order; the first failure stops and is thrown (the rest stay flagged). */
  async publish(alerts: readonly Alert[]): Promise<void> {
    for (const a of alerts) {
      await this.publisher.publish(a);
      await this.doc.send(
        new UpdateCommand({ TableName: this.table, Key: K.id(alertRecordId(a)), UpdateExpression: 'REMOVE outbox, payload' }),
      );
    }
  }

  /** Alerts committed but not yet published. */
  async pending(limit = 500): Promise<Alert[]> {
    const alerts: Alert[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out: QueryCommandOutput = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: OUTBOX_INDEX,
          KeyConditionExpression: 'outbox = :p',
          ExpressionAttributeValues: { ':p': 'pending' },
          ExclusiveStartKey: start,
        }),
      );
      for (const i of out.Items ?? []) if (typeof i.payload === 'string') alerts.push(JSON.parse(i.payload) as Alert);
      start = out.LastEvaluatedKey;
    } while (start && alerts.length < limit);
    return alerts.sort((x, y) => (x.eventTime < y.eventTime ? -1 : x.eventTime > y.eventTime ? 1 : 0));
  }

  async sweep(): Promise<number> {
    const alerts = await this.pending();
    await this.publish(alerts);
    return alerts.length;
  }
}
