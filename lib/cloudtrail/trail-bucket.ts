import { GetObjectCommand, ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { isAccountId, isOrganizationId, logsRoot, parseTrailKey } from '../contract/key-layout';
import type { TrailObjects } from './digest';

/** The bucket CloudTrail delivers to, read-only: object bytes and the listings reconcile needs. */
export class TrailBucket implements TrailObjects {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    /** The trail's S3 key prefix (without AWSLogs/). */
    readonly prefix = '',
  ) {}

  async get(key: string): Promise<Buffer> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!out.Body) throw new Error(`s3://${this.bucket}/${key} has no body`);
    return Buffer.from(await out.Body.transformToByteArray());
  }

  /** Every key under `prefix`, in S3's (lexicographic) order. */
  async *list(prefix: string): AsyncIterable<string> {
    let token: string | undefined;
    do {
      const out: ListObjectsV2CommandOutput = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of out.Contents ?? []) if (o.Key) yield o.Key;
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  /** The "folders" directly under `prefix`. */
  async folders(prefix: string): Promise<string[]> {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const out: ListObjectsV2CommandOutput = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
      );
      for (const p of out.CommonPrefixes ?? []) if (p.Prefix) found.push(p.Prefix);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  /**
   * Log files delivered in [since, until], by the timestamp in their names:
   * walks AWSLogs/[org/]account/CloudTrail/region/ and lists only the day
   * folders the window touches, so an hourly sweep costs a few listings per
   * account and region, not a listing of the whole trail.
   */
  async recentLogFiles(since: Date, until: Date): Promise<string[]> {
    const root = logsRoot(this.prefix);
    const accounts: string[] = [];
    for (const folder of await this.folders(root)) {
      const name = folder.slice(root.length, -1);
      if (isAccountId(name)) accounts.push(folder);
      else if (isOrganizationId(name)) {
        for (const member of await this.folders(folder)) if (isAccountId(member.slice(folder.length, -1))) accounts.push(member);
      }
    }
    const days: string[] = [];
    for (let t = Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate()); t <= until.getTime(); t += 86_400_000) {
      days.push(new Date(t).toISOString().slice(0, 10).replace(/-/g, '/'));
    }
    const keys: string[] = [];
    for (const account of accounts) {
      for (const region of await this.folders(`${account}CloudTrail/`)) {
        for (const day of days) {
          for await (const key of this.list(`${region}${day}/`)) {
            const k = parseTrailKey(key);
            if (!k || k.kind !== 'log') continue;
            const t = k.fileTime ? Date.parse(k.fileTime) : NaN;
            if (Number.isNaN(t) || (t >= since.getTime() - 60_000 && t <= until.getTime())) keys.push(key);
          }
        }
      }
    }
    return keys.sort();
  }
}
