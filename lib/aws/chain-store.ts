import { TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand, type QueryCommandOutput, DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { IdClaim } from '../core/id-claims';
import { IdSetReader, idSetItems } from './id-sets';
import { emptyHead, type Batch, type ChainHead } from '../core/chain';
import { K } from '../contract/table-keys';
import { ImmutrailError } from '../core/errors';

/** The head moved (another writer committed first) or one of the ids was committed meanwhile. */
export class CommitConflictError extends ImmutrailError {
  readonly code = 'COMMIT_CONFLICT';
  constructor(
    readonly shard: string,
    readonly reason: 'head-moved' | 'duplicate-id',
  ) {
    super(`commit to shard ${shard} lost a race (${reason})`);
  }
}

/**
 * Records in one commit. The batch log item holds 32 bytes of leaf hash per
 * record and the id sets 16 bytes per id, both under DynamoDB's 400 KB item limit.
 */
export const MAX_RECORDS_PER_COMMIT = 4000;

/**
 * Hours one commit may claim ids in: one id-set item each, within the 100
 * items of a transaction beside the head, the batch log, the outbox item and a
 * new shard's registration.
 */
export const MAX_HOURS_PER_COMMIT = 64;

/** The value of the outbox index's key attribute while an outbox item waits to be published. */
export const OUTBOX_PENDING = 'pending';

/**
 * Chain heads and the exactly-once id sets in DynamoDB. A commit is one
 * transaction: the head moves by compare-and-swap and the batch's ids are
 * added to their (shard, hour) id sets. Writers read the sets after the head
 * and before committing on it, so two writers can never both commit the same
 * sequence range, and an id already in a set is never committed again.
 */
export class ChainStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly ids: IdSetReader;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.ids = new IdSetReader(client, table);
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

  /** The ids among `claims` already committed in `shard` (read after the head, see the class comment). */
  committed(shard: string, claims: readonly IdClaim[]): Promise<Set<string>> {
    return this.ids.committed(shard, claims);
  }

  /**
   * Moves the head from `expected` to the batch's new head and claims every record id in its id set.
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
    // Conditional only as a guard: the head's compare-and-swap already makes each (hour, firstSeq) unique.
    const idPuts = idSetItems(h.shard, batch.firstSeq, batch.claims).map((Item) => ({
      Put: { TableName: this.table, Item, ConditionExpression: 'attribute_not_exists(pk)' },
    }));
    if (idPuts.length > MAX_HOURS_PER_COMMIT) throw new Error(`batch claims ids in ${idPuts.length} hours, more than ${MAX_HOURS_PER_COMMIT}`);
    // A shard's first commit also registers it, so the seal can find every shard without a scan.
    const register = expected.seq === -1 ? [{ Put: { TableName: this.table, Item: { ...K.shard(h.shard), shard: h.shard } } }] : [];
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
        ? [
            {
              Put: { TableName: this.table, Item: { ...K.outboxBatch(h.shard, batch.firstSeq), outbox: OUTBOX_PENDING, key: batch.key, seqs: [...alertSeqs] } },
            },
          ]
        : [];
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: [headPut, logPut, ...idPuts, ...register, ...outboxPut] }));
    } catch (err) {
      if (err instanceof TransactionCanceledException || (err as Error).name === 'TransactionCanceledException') {
        const reasons = (err as TransactionCanceledException).CancellationReasons ?? [];
        const headLost = reasons[0]?.Code === 'ConditionalCheckFailed';
        // reasons[1] is the batch log entry (unconditional); id sets follow.
        throw new CommitConflictError(h.shard, headLost || reasons.length === 0 ? 'head-moved' : 'duplicate-id');
      }
      throw err;
    }
  }
}
