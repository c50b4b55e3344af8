import { createHash } from 'node:crypto';
import { type BucketLocationConstraint, CreateBucketCommand, HeadBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FileAssetDestination } from './synth-local-stack';

/** The bucket the local deployments' templates and code assets go to (one per emulator and region). */
export function localAssetsBucket(region: string): string {
  return `immutrail-local-assets-${region}`;
}

/**
 * An empty zip archive (just the end-of-central-directory record). With
 * bundling skipped the code assets are placeholders CDK never built; moto
 * stores whatever object the function's Code points at and never runs it.
 */
const EMPTY_ZIP = Buffer.concat([Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18)]);

export async function ensureBucket(s3: S3Client, bucket: string, region: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw err;
  }
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
    }),
  );
}

/** Puts a placeholder object at each code asset's destination; returns how many. */
export async function uploadCodePlaceholders(s3: S3Client, assets: readonly FileAssetDestination[]): Promise<number> {
  const code = assets.filter((a) => a.packaging === 'zip');
  for (const a of code) {
    await s3.send(new PutObjectCommand({ Bucket: a.bucketName, Key: a.objectKey, Body: EMPTY_ZIP }));
  }
  return code.length;
}

/**
 * Uploads a template under its content hash, as the CDK CLI does for
 * templates over CloudFormation's 51,200-byte inline limit, and returns the
 * S3 URL CreateStack takes.
 */
export async function uploadTemplate(s3: S3Client, bucket: string, region: string, body: string): Promise<string> {
  const key = `${createHash('sha256').update(body).digest('hex')}.json`;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  return `https://s3.${region}.amazonaws.com/${bucket}/${key}`;
}
