import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { K } from '../contract/table-keys';
import type { ShardActivity } from './silence';

/** Reads when each shard last committed: the `time` its head item carries (written with every commit). */
export class ShardActivityReader {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
    private readonly store: { shards(): Promise<string[]> },
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async activity(): Promise<ShardActivity[]> {
    const shards = await this.store.shards();
    return Promise.all(
      shards.map(async (shard) => {
        const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: K.head(shard), ConsistentRead: true }));
        const time = out.Item?.time;
        return { shard, time: typeof time === 'string' ? time : null };
      }),
    );
  }
}
