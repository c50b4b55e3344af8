import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { putWriteOnce } from '../aws/write-once';
import { auditCopyKey, cosignedKey, publicKeyKeys } from './layout';

/**
 * Where cosigned notes go: write-once into the witness's own Object Lock
 * bucket (the copy that counts), then a best-effort copy into the audit
 * bucket's `cosignatures/` folder, which the archive's policy may or may not
 * allow; the archive cannot make the witness's own copy disappear.
 */
export interface CosignedStore {
  put(shard: string, stem: string, note: Buffer): Promise<void>;
  /** The offered copy; a failure is the caller's to log, never fatal. */
  offer(shard: string, stem: string, note: Buffer): Promise<void>;
  /** The witness's public key, written once: the first run's copy stays. */
  putPublicKey(pem: string, vkey: string): Promise<void>;
}

export class S3CosignedStore implements CosignedStore {
  constructor(
    private readonly s3: S3Client,
    private readonly witnessBucket: string,
    private readonly auditBucket: string,
    private readonly keyName: string,
  ) {}

  async put(shard: string, stem: string, note: Buffer): Promise<void> {
    await putWriteOnce(this.s3, { Bucket: this.witnessBucket, Key: cosignedKey(shard, stem), Body: note, ContentType: 'text/plain; charset=utf-8' });
  }

  async offer(shard: string, stem: string, note: Buffer): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.auditBucket,
        Key: auditCopyKey(this.keyName, shard, stem),
        Body: note,
        IfNoneMatch: '*',
        ChecksumAlgorithm: 'SHA256',
        ContentType: 'text/plain; charset=utf-8',
      }),
    );
  }

  async putPublicKey(pem: string, vkey: string): Promise<void> {
    const keys = publicKeyKeys(this.keyName);
    await putWriteOnce(this.s3, { Bucket: this.witnessBucket, Key: keys.pem, Body: Buffer.from(pem), ContentType: 'application/x-pem-file' });
    await putWriteOnce(this.s3, { Bucket: this.witnessBucket, Key: keys.vkey, Body: Buffer.from(vkey + '\n'), ContentType: 'text/plain; charset=utf-8' });
  }
}
