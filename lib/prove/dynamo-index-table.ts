import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { IndexItem, IndexTable, SkRange } from './index-table';

/** The index table in DynamoDB. Reads are eventually consistent unless asked otherwise (half the price). */
export class DynamoIndexTable implements IndexTable {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async get(pk: string, sk: string, opts: { consistent?: boolean } = {}): Promise<IndexItem | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk, sk }, ConsistentRead: opts.consistent === true }));
    return out.Item as IndexItem | undefined;
  }

  async query(r: SkRange): Promise<IndexItem[]> {
    const items: IndexItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out: QueryCommandOutput = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': r.pk, ':from': r.from, ':to': r.to },
          ScanIndexForward: !r.descending,
          ConsistentRead: r.consistent === true,
          ExclusiveStartKey: start,
          ...(r.limit !== undefined ? { Limit: r.limit - items.length } : {}),
        }),
      );
      items.push(...((out.Items ?? []) as IndexItem[]));
      start = out.LastEvaluatedKey;
    } while (start && (r.limit === undefined || items.length < r.limit));
    return items;
  }
}
