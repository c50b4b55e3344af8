import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isMissingObject } from '../core/missing-object';
import { putWriteOnce } from './write-once';

export interface LockedObjectsOptions {
  bucket: string;
  /** COMPLIANCE retention set on each object; 0 relies on the bucket's default retention alone. */
  retentionDays: number;
}

/**
 * Derived archive objects the seal writes (tiles, witness submissions):
 * write-once and locked like batch objects and checkpoints, so what a proof
 * or a witness reads cannot be swapped afterwards.
 */
export class LockedObjects {
  constructor(
    private readonly s3: S3Client,
    private readonly opts: LockedObjectsOptions,
  ) {}

  async get(key: string): Promise<Buffer | null> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: key }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      if (isMissingObject(err)) return null;
      throw err;
    }
  }

  /** Identical bytes already stored (a retry, or a racing seal that computed the same tile) count as written. */
  put(key: string, body: Buffer, contentType = 'application/octet-stream', now: Date = new Date()): Promise<void> {
    const retain = this.opts.retentionDays > 0;
    return putWriteOnce(this.s3, {
      Bucket: this.opts.bucket,
      Key: key,
      Body: body,
      ContentType: contentType,
      ...(retain ? { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(now.getTime() + this.opts.retentionDays * 86_400_000) } : {}),
    });
  }
}
