/**
 * An archive bucket created exactly as the stack configures it (through
 * lib/aws/archive-bucket-setup.ts, on moto_server) keeps what is written to it:
 * COMPLIANCE retention on every version, no deletion of a locked version, no
 * delete marker, and no second object at a key already written.
 */
import {
  DeleteObjectCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { archiveBucketPolicy, createArchiveBucket } from '../../lib/aws/archive-bucket-setup';
import { clientConfig } from '../../lib/aws/client-config';
import { DENIED_BUCKET_ACTIONS, DENIED_OBJECT_ACTIONS } from '../../lib/contract/archive-policy';
import { useMoto } from '../support/moto';

const BUCKET = 'immutrail-archive-test';
const RETENTION_DAYS = 7;
const DAY_MS = 86_400_000;
const KEY = 'records/shard=api/dt=2025-01-01/0000000000000001-0000000000000001-0123456789abcdef.ndjson';

async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return { name: err.name, status: err.$metadata.httpStatusCode };
    throw err;
  }
  throw new Error('expected the request to be rejected, it succeeded');
}

describe('archive bucket on moto_server', () => {
  const moto = useMoto();
  let s3: S3Client;
  let versionId: string;
  let writtenBefore: number;
  let writtenAfter: number;

  beforeAll(async () => {
    s3 = new S3Client(clientConfig(moto.target));
    // moto denies every request matching a statement whose Condition it
    // cannot evaluate, so the TLS and retention-mode statements stay out here.
    await createArchiveBucket(s3, {
      bucket: BUCKET,
      region: moto.target.region,
      retentionDays: RETENTION_DAYS,
      policy: 'unconditional-only',
    });
    writtenBefore = Date.now();
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: 'record\n', IfNoneMatch: '*' }));
    writtenAfter = Date.now();
    versionId = put.VersionId!;
    expect(versionId).toBeTruthy();
  });

  it('is created with Object Lock, versioning, a COMPLIANCE default retention and no public access', async () => {
    const lock = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: BUCKET }));
    expect(lock.ObjectLockConfiguration?.ObjectLockEnabled).toBe('Enabled');
    expect(lock.ObjectLockConfiguration?.Rule?.DefaultRetention?.Mode).toBe('COMPLIANCE');
    expect(lock.ObjectLockConfiguration?.Rule?.DefaultRetention?.Days).toBe(RETENTION_DAYS);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe('Enabled');
    const pab = await s3.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET }));
    expect(pab.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('carries the deny statements of the stack policy', async () => {
    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy!);
    const denied = policy.Statement.filter((st: any) => st.Effect === 'Deny').flatMap((st: any) => st.Action);
    expect(denied).toEqual(expect.arrayContaining([...DENIED_OBJECT_ACTIONS, ...DENIED_BUCKET_ACTIONS]));
    expect(policy).toEqual(archiveBucketPolicy({ bucket: BUCKET, policy: 'unconditional-only' }));
  });

  it('HeadObject reports COMPLIANCE retention until the default period after the write', async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY, VersionId: versionId }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    const until = head.ObjectLockRetainUntilDate!.getTime();
    // retain-until is computed by S3 from the write time; allow for clock
    // granularity of the emulator (whole seconds) on either side
    expect(until).toBeGreaterThanOrEqual(writtenBefore + RETENTION_DAYS * DAY_MS - 1000);
    expect(until).toBeLessThanOrEqual(writtenAfter + RETENTION_DAYS * DAY_MS + 1000);
  });

  it('refuses to delete the locked version', async () => {
    const err = await failure(s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: KEY, VersionId: versionId })));
    expect(err.status).toBe(403);
  });

  it('Object Lock alone refuses to delete the locked version, without any bucket policy', async () => {
    const bare = `${BUCKET}-no-policy`;
    await createArchiveBucket(s3, { bucket: bare, region: moto.target.region, retentionDays: RETENTION_DAYS, policy: 'none' });
    const put = await s3.send(new PutObjectCommand({ Bucket: bare, Key: KEY, Body: 'record\n', IfNoneMatch: '*' }));
    const err = await failure(s3.send(new DeleteObjectCommand({ Bucket: bare, Key: KEY, VersionId: put.VersionId })));
    expect(err).toEqual({ name: 'AccessDenied', status: 403 });
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bare, Prefix: KEY }));
    expect((versions.Versions ?? []).map((v) => v.VersionId)).toEqual([put.VersionId]);
  });

  it('refuses even a delete marker (the policy denies s3:DeleteObject to everyone)', async () => {
    const err = await failure(s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: KEY })));
    expect(err.status).toBe(403);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: KEY }));
    expect(versions.DeleteMarkers ?? []).toEqual([]);
  });

  it('rejects a second object at the same key with 412 when written with If-None-Match: *', async () => {
    const err = await failure(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: 'forged\n', IfNoneMatch: '*' })));
    expect(err.status).toBe(412);
  });

  it('still holds exactly the original bytes, in one version', async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
    expect(await got.Body!.transformToString()).toBe('record\n');
    expect(got.VersionId).toBe(versionId);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: KEY }));
    expect((versions.Versions ?? []).map((v) => v.VersionId)).toEqual([versionId]);
  });

  it('accepts an explicit COMPLIANCE retention on a put, as the writers set it', async () => {
    const key = 'checkpoints/0000000000000001-20250101T000000Z-0123456789abcdef.note';
    const until = new Date(Date.now() + 30 * DAY_MS);
    until.setUTCMilliseconds(0);
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: 'checkpoint\n',
        IfNoneMatch: '*',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: until,
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(head.ObjectLockRetainUntilDate?.getTime()).toBe(until.getTime());
  });
});

describe('archiveBucketPolicy', () => {
  it('the full policy is the stack policy: TLS only plus the three protective statements', () => {
    const full = archiveBucketPolicy({ bucket: 'b' });
    expect(full.Statement.map((st) => st.Sid)).toEqual([
      'DenyInsecureTransport',
      'DenyObjectDeletionAndRetentionBypass',
      'DenyLockAndLifecycleChanges',
      'DenyRetentionOtherThanCompliance',
    ]);
    expect(full.Statement.every((st) => st.Effect === 'Deny')).toBe(true);
    expect(archiveBucketPolicy({ bucket: 'b', partition: 'aws-cn' }).Statement[1].Resource).toEqual(['arn:aws-cn:s3:::b/*']);
  });
});
