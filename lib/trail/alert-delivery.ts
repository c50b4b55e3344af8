import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Alert } from '../core/alert';
import { alertRecordId } from '../ingest/commit';
import { K } from '../aws/table-keys';

export interface AlertSink {
  publish(alerts: readonly Alert[]): Promise<void>;
}

/**
 * Publishes alerts that were committed as plain alert records (commitDrafts
 * flags only detector alerts for the outbox): each one's id item is flagged
 * `outbox = pending` first, then the outbox publishes and clears the flag. A
 * publish that fails leaves the flag, and the seal's outbox sweep sends it later.
 */
export class FlaggedAlertDelivery implements AlertSink {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
    private readonly outbox: AlertSink,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async publish(alerts: readonly Alert[]): Promise<void> {
    for (const a of alerts) {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: K.id(alertRecordId(a)),
            UpdateExpression: 'SET outbox = :p, payload = :j',
            // Only an alert that is committed: never create an id item out of band.
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':p': 'pending', ':j': JSON.stringify(a) },
          }),
        );
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException')) throw err;
      }
    }
    await this.outbox.publish(alerts);
  }
}
