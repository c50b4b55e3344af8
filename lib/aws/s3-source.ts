import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ArchiveSource } from '../core/archive-source';

/** Reads an archive bucket through the SDK (any endpoint: AWS, moto, a witness bucket). */
export class S3Source implements ArchiveSource {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async *list(prefix: string): AsyncIterable<{ key: string; size: number }> {
    let token: string | undefined;
    do {
      const out = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of out.Contents ?? []) if (o.Key) yield { key: o.Key, size: o.Size ?? 0 };
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async get(key: string): Promise<Buffer> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  }

  describe(): string {
    return `s3://${this.bucket}`;
  }
}
