import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { K } from '../contract/table-keys';

export interface CommittedBatch {
  shard: string;
  key: string;
  firstSeq: number;
  lastSeq: number;
}

/** The batch log of a shard, in sequence order: exactly the committed objects (orphans are never in it). */
export async function* committedBatches(client: DynamoDBClient, table: string, shard: string, fromSeq = 0): AsyncIterable<CommittedBatch> {
  const doc = DynamoDBDocumentClient.from(client);
  let start: Record<string, unknown> | undefined;
  do {
    const out: QueryCommandOutput = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND sk >= :from',
        ExpressionAttributeValues: { ':pk': K.batchPk(shard), ':from': K.batch(shard, fromSeq).sk },
        ProjectionExpression: '#k, firstSeq, lastSeq',
        ExpressionAttributeNames: { '#k': 'key' },
        ExclusiveStartKey: start,
      }),
    );
    for (const i of out.Items ?? []) yield { shard, key: i.key, firstSeq: i.firstSeq, lastSeq: i.lastSeq };
    start = out.LastEvaluatedKey;
  } while (start);
}
