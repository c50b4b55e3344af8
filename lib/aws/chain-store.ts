import { TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type BatchGetCommandOutput, QueryCommand, type QueryCommandOutput, DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { emptyHead, type Batch, type ChainHead } from '../core/chain';
import { K } from './table-keys';

/** What the index knows about a committed record. */
export interface RecordPointer {
  id: string;
  shard: string;
  seq: number;
  key: string;
  kind: string;
}

/** The head moved (another writer committed first) or one of the ids was committed meanwhile. */
export class CommitConflictError extends Error {
  readonly code = 'COMMIT_CONFLICT';
  constructor(
    readonly shard: string,
    readonly reason: 'head-moved' | 'duplicate-id',
  ) {
    super(`commit to shard ${shard} lost a race (${reason})`);
  }
}

// DynamoDB allows 100 items per transaction: the head, the batch log entry,
// the batch's outbox item and maybe a new shard's registration leave 96 for record ids.
export const MAX_RECORDS_PER_COMMIT = 96;

/** The value of the outbox index's key attribute while an outbox item waits to be published. */
export const OUTBOX_PENDING = 'pending';

/**
 * Chain heads and the record-id index in DynamoDB. A commit is one transaction:
 * the head moves by compare-and-swap and every record id is claimed with
 * attribute_not_exists, so two writers can never both commit the same sequence
 * range or the same event.
 */
export class ChainStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async head(shard: string): Promise<ChainHead> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: K.head(shard), ConsistentRead: true }));
    if (!out.Item) return emptyHead(shard);
    return { shard, seq: out.Item.seq, hash: out.Item.hash, frontier: out.Item.frontier };
  }

  async shards(): Promise<string[]> {
    const shards: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out: QueryCommandOutput = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': K.shardsPk },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) shards.push(item.shard as string);
      start = out.LastEvaluatedKey;
    } while (start);
    return shards.sort();
  }

  /** Ids among `ids` already committed, with where they live. */
  async existing(ids: readonly string[]): Promise<Map<string, RecordPointer>> {
    const found = new Map<string, RecordPointer>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = unique.slice(i, i + 100).map((id) => K.id(id));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt > 8) throw new Error('DynamoDB kept returning unprocessed keys');
        const out: BatchGetCommandOutput = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of out.Responses?.[this.table] ?? []) {
          found.set(item.rid, { id: item.rid, shard: item.shard, seq: item.seq, key: item.key, kind: item.kind });
        }
        keys = out.UnprocessedKeys?.[this.table]?.Keys;
        if (keys && keys.length > 0) await new Promise((r) => setTimeout(r, 2 ** attempt * 20));
      }
    }
    return found;
  }

  /**
   * Moves the head from `expected` to the batch's new head and claims every record id.
   * `alertSeqs` are the sequence numbers of the batch's alert records: one
   * outbox item pointing at them is written in the same transaction, so they
   * are published after the commit even if this process dies right after it.
   * The item holds no payload (the alerts are in the batch object), which keeps
   * it, and its copy in the outbox index, at the minimum write cost.
   */
  async commit(expected: ChainHead, batch: Batch, alertSeqs: readonly number[] = []): Promise<void> {
    if (batch.records.length > MAX_RECORDS_PER_COMMIT) throw new Error(`batch of ${batch.records.length} exceeds ${MAX_RECORDS_PER_COMMIT} records`);
    const h = batch.newHead;
    const headPut = {
      Put: {
        TableName: this.table,
        Item: { ...K.head(h.shard), seq: h.seq, hash: h.hash, frontier: h.frontier, key: batch.key, time: batch.records[batch.records.length - 1].chain.time },
        ConditionExpression: expected.seq === -1 ? 'attribute_not_exists(pk)' : '#seq = :seq AND #hash = :hash',
        ...(expected.seq === -1
          ? {}
          : { ExpressionAttributeNames: { '#seq': 'seq', '#hash': 'hash' }, ExpressionAttributeValues: { ':seq': expected.seq, ':hash': expected.hash } }),
      },
    };
    const idPuts = batch.records.map((r) => ({
      Put: {
        TableName: this.table,
        Item: {
          ...K.id(r.chain.id),
          rid: r.chain.id,
          shard: r.chain.shard,
          seq: r.chain.seq,
          key: batch.key,
          kind: r.chain.kind,
          time: r.chain.time,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
    // A shard's first commit also registers it, so the seal can find every shard without a scan.
    const register =
      expected.seq === -1
        ? [{ Put: { TableName: this.table, Item: { ...K.shard(h.shard), shard: h.shard } } }]
        : [];
    // The batch log: which object holds each committed range, with its leaf hashes.
    // It tells proofs and the seal's tiles where the committed records are, without listing S3.
    const logPut = {
      Put: {
        TableName: this.table,
        Item: {
          ...K.batch(h.shard, batch.firstSeq),
          key: batch.key,
          firstSeq: batch.firstSeq,
          lastSeq: batch.lastSeq,
          leaves: Buffer.concat(batch.hashes.map((x) => Buffer.from(x, 'hex'))),
        },
      },
    };
    const outboxPut =
      alertSeqs.length > 0
        ? [{ Put: { TableName: this.table, Item: { ...K.outboxBatch(h.shard, batch.firstSeq), outbox: OUTBOX_PENDING, key: batch.key, seqs: [...alertSeqs] } } }]
        : [];
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: [headPut, logPut, ...idPuts, ...register, ...outboxPut] }));
    } catch (err) {
      if (err instanceof TransactionCanceledException || (err as Error).name === 'TransactionCanceledException') {
        const reasons = (err as TransactionCanceledException).CancellationReasons ?? [];
        const headLost = reasons[0]?.Code === 'ConditionalCheckFailed';
        // reasons[1] is the batch log entry (unconditional); ids follow.
        throw new CommitConflictError(h.shard, headLost || reasons.length === 0 ? 'head-moved' : 'duplicate-id');
      }
      throw err;
    }
  }
}
