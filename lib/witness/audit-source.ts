import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ADD_CHECKPOINT_SUFFIX, SHARDS_PREFIX, shardPrefix } from './layout';

/** The witness's read-only view of the audit bucket: which shards exist, which requests are new, their bytes. */
export interface RequestSource {
  shards(): Promise<string[]>;
  /** add-checkpoint keys of `shard` after `afterKey`, in key (= size) order. */
  requestsAfter(shard: string, afterKey: string): Promise<string[]>;
  read(key: string): Promise<Buffer>;
}

export class S3RequestSource implements RequestSource {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async shards(): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: SHARDS_PREFIX, Delimiter: '/', ContinuationToken: token }));
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix.slice(SHARDS_PREFIX.length, -1));
      token = page.NextContinuationToken;
    } while (token);
    return out.sort();
  }

  async requestsAfter(shard: string, afterKey: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: shardPrefix(shard),
          ContinuationToken: token,
          ...(afterKey && !token ? { StartAfter: afterKey } : {}),
        }),
      );
      for (const o of page.Contents ?? []) if (o.Key?.endsWith(ADD_CHECKPOINT_SUFFIX)) keys.push(o.Key);
      token = page.NextContinuationToken;
    } while (token);
    return keys.sort();
  }

  async read(key: string): Promise<Buffer> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  }
}
