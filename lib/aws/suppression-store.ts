import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SuppressionState, SuppressionStore } from '../core/detect/suppression';
import { K } from './table-keys';

/** Alert suppression windows in the index table, shared by every Lambda container. */
export class DynamoSuppressionStore implements SuppressionStore {
  private readonly doc: DynamoDBDocumentClient;
  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async get(fingerprint: string): Promise<SuppressionState | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: K.suppression(fingerprint) }));
    return out.Item ? { lastSentAt: out.Item.lastSentAt, suppressed: out.Item.suppressed } : null;
  }

  async put(fingerprint: string, state: SuppressionState): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { ...K.suppression(fingerprint), ...state } }));
  }
}
