import { GetObjectCommand, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import type { Batch } from '../core/chain';

export interface ArchiveWriterOptions {
  bucket: string;
  /** COMPLIANCE retention set on each object; 0 relies on the bucket's default retention alone. */
  retentionDays: number;
}

/** A different object already holds the key: never overwritten, never adopted. */
export class ObjectExistsError extends Error {
  readonly code = 'OBJECT_EXISTS';
  constructor(readonly key: string) {
    super(`object ${key} already exists with other content; it is never overwritten`);
  }
}

/**
 * Writes batch objects write-once: `If-None-Match: *` makes S3 refuse a second
 * object at the same key, and Object Lock COMPLIANCE keeps the first for the
 * retention period, whoever asks.
 */
export class ArchiveWriter {
  constructor(
    private readonly s3: S3Client,
    private readonly opts: ArchiveWriterOptions,
  ) {}

  /**
   * Resolves once the batch's exact bytes are stored at its key. A 412 whose
   * stored bytes equal ours is our own earlier attempt (an SDK retry after a
   * lost response), so it counts as written.
   */
  async putBatch(batch: Batch, now: Date = new Date()): Promise<void> {
    const retain = this.opts.retentionDays > 0;
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.opts.bucket,
          Key: batch.key,
          Body: batch.body,
          ContentType: 'application/x-ndjson',
          IfNoneMatch: '*',
          ChecksumAlgorithm: 'SHA256',
          Metadata: { 'immutrail-shard': batch.shard, 'immutrail-first-seq': String(batch.firstSeq), 'immutrail-last-seq': String(batch.lastSeq) },
          ...(retain
            ? { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(now.getTime() + this.opts.retentionDays * 86_400_000) }
            : {}),
        }),
      );
    } catch (err) {
      if (err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 412 || err.name === 'PreconditionFailed')) {
        if (await this.holds(batch)) return;
        throw new ObjectExistsError(batch.key);
      }
      throw err;
    }
  }

  private async holds(batch: Batch): Promise<boolean> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: batch.key }));
    const bytes = Buffer.from(await out.Body!.transformToByteArray());
    return bytes.equals(batch.body);
  }
}
