import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { putWriteOnce } from './write-once';
import { noteHash, type SignedCheckpoint } from '../core/checkpoint';
import { checkpointKey } from '../core/layout';
import { K } from '../contract/table-keys';
import { ImmutrailError } from '../core/errors';

export interface CheckpointStoreOptions {
  bucket: string;
  table: string;
  retentionDays: number;
  /** A second bucket (a witness, possibly in another account) that receives every checkpoint too. */
  witnessBucket?: string;
  onWitnessError?: (err: unknown) => void;
}

export class SealConflictError extends ImmutrailError {
  readonly code = 'SEAL_CONFLICT';
  constructor() {
    super('another seal moved the latest checkpoint first');
  }
}

/** Checkpoint notes in S3 (write-once, locked) with the latest one's pointer in DynamoDB. */
export class CheckpointStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly s3: S3Client,
    ddb: DynamoDBClient,
    private readonly opts: CheckpointStoreOptions,
    private readonly witnessS3: S3Client = s3,
  ) {
    this.doc = DynamoDBDocumentClient.from(ddb);
  }

  async latest(): Promise<Buffer | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.opts.table, Key: K.latestCheckpoint, ConsistentRead: true }));
    return out.Item ? Buffer.from(out.Item.note as string, 'base64') : null;
  }

  async latestKey(): Promise<string | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.opts.table, Key: K.latestCheckpoint, ConsistentRead: true }));
    return (out.Item?.key as string | undefined) ?? null;
  }

  /** Write-once; identical bytes already stored (a retry after a lost response) count as written. */
  private put(s3: S3Client, bucket: string, key: string, note: Buffer, now: Date): Promise<void> {
    const retain = this.opts.retentionDays > 0;
    return putWriteOnce(s3, {
      Bucket: bucket,
      Key: key,
      Body: note,
      ContentType: 'text/plain; charset=utf-8',
      ...(retain ? { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(now.getTime() + this.opts.retentionDays * 86_400_000) } : {}),
    });
  }

  /**
   * Stores one shard's checkpoint note (write-once, locked like the others).
   * No pointer moves: the archive-wide checkpoint published after it is what
   * commits the archive, and a crash before that leaves a shard note that a
   * later seal simply writes again (with a new signature, so another key).
   */
  async putShardNote(key: string, note: Buffer): Promise<void> {
    await this.put(this.s3, this.opts.bucket, key, note, new Date());
  }

  /**
   * Stores the note first and then moves the pointer by compare-and-swap: a
   * crash in between leaves a signed checkpoint off the chain, which the
   * verifier reports as an orphan, never a gap.
   */
  async publish(signed: SignedCheckpoint, prevHash: string | null): Promise<string> {
    const hash = noteHash(signed.note);
    const key = checkpointKey(signed.checkpoint.size, signed.checkpoint.time, hash);
    const now = new Date();
    await this.put(this.s3, this.opts.bucket, key, signed.note, now);
    if (this.opts.witnessBucket) {
      // A witness that is down must not stop sealing; the gap shows in its copy.
      await this.put(this.witnessS3, this.opts.witnessBucket, key, signed.note, now).catch((err) => this.opts.onWitnessError?.(err));
    }
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.opts.table,
          Item: { ...K.latestCheckpoint, note: signed.note.toString('base64'), hash, key, size: signed.checkpoint.size, time: signed.checkpoint.time },
          ...(prevHash === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: '#hash = :prev', ExpressionAttributeNames: { '#hash': 'hash' }, ExpressionAttributeValues: { ':prev': prevHash } }),
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException') throw new SealConflictError();
      throw err;
    }
    return key;
  }
}
