import type { S3Client } from '@aws-sdk/client-s3';
import type { Batch } from '../core/chain';
import { putWriteOnce } from './write-once';

export { ObjectExistsError } from './write-once';

export interface ArchiveWriterOptions {
  bucket: string;
  /** COMPLIANCE retention set on each object; 0 relies on the bucket's default retention alone. */
  retentionDays: number;
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
    await putWriteOnce(this.s3, {
      Bucket: this.opts.bucket,
      Key: batch.key,
      Body: batch.body,
      ContentType: 'application/x-ndjson',
      Metadata: { 'immutrail-shard': batch.shard, 'immutrail-first-seq': String(batch.firstSeq), 'immutrail-last-seq': String(batch.lastSeq) },
      ...(retain ? { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(now.getTime() + this.opts.retentionDays * 86_400_000) } : {}),
    });
  }
}
