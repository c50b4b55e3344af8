import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { IndexItem, IndexTable, SkRange } from './index-table';

const BATCH_WRITE_MAX = 25;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

  async putAll(items: readonly IndexItem[]): Promise<void> {
    for (let i = 0; i < items.length; i += BATCH_WRITE_MAX) {
      let requests = items.slice(i, i + BATCH_WRITE_MAX).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 8) throw new Error('DynamoDB kept returning unprocessed tile writes');
        if (attempt > 0) await sleep(2 ** attempt * 20);
        const out: BatchWriteCommandOutput = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests } }));
        requests = (out.UnprocessedItems?.[this.table] ?? []) as typeof requests;
      }
    }
  }

  async putUnlessBehind(item: IndexItem, counters: readonly string[]): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const terms = counters.map((c, i) => {
      names[`#c${i}`] = c;
      values[`:c${i}`] = item[c];
      return `(attribute_not_exists(#c${i}) OR #c${i} <= :c${i})`;
    });
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ...(terms.length > 0
            ? { ConditionExpression: `attribute_not_exists(pk) OR (${terms.join(' AND ')})`, ExpressionAttributeNames: names, ExpressionAttributeValues: values }
            : {}),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }
}
