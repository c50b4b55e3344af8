import {
  CreateBucketCommand,
  type BucketLocationConstraint,
  PutBucketEncryptionCommand,
  PutBucketLoggingCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type PolicyStatementJson, archiveProtectionStatements, tlsOnlyStatement } from '../contract/archive-policy';
import { ImmutrailError } from '../core/errors';

/**
 * Creates an archive bucket through the S3 API with the settings the CDK
 * stack gives it (lib/construct/archive-bucket.ts), for places where the
 * CloudFormation template cannot do it: the local demo on moto, whose
 * CloudFormation ignores a bucket's ObjectLockConfiguration and its policy.
 * The protective bucket policy comes from the same module the construct uses.
 */
export interface ArchiveBucketSetup {
  readonly bucket: string;
  readonly region: string;
  /** COMPLIANCE default retention, in days. */
  readonly retentionDays: number;
  /** SSE-KMS key (id or ARN), as the stack uses its data key; without one, SSE-S3. */
  readonly kmsKeyId?: string;
  /** Existing bucket to receive server access logs under `archive/`. */
  readonly accessLogBucket?: string;
  /** The partition of the bucket ARN in the policy. @default 'aws' */
  readonly partition?: string;
  /**
   * Which bucket-policy statements to put. 'full' is the stack's policy.
   * 'unconditional-only' leaves out the statements that carry a Condition
   * (TLS-only, non-COMPLIANCE retention): moto 5.x treats every statement
   * whose condition it cannot evaluate as a denial of the matching actions,
   * so on moto the full policy would deny every object request, while its
   * unconditional denials (deletion, governance bypass, lock and lifecycle
   * changes) are enforced faithfully. 'none' puts no policy (Object Lock
   * alone, e.g. to show that it holds without the policy).
   * @default 'full'
   */
  readonly policy?: 'full' | 'unconditional-only' | 'none';
}

export class ArchiveBucketSetupError extends ImmutrailError {
  readonly code = 'INVALID_ARCHIVE_SETUP';
}

export async function createArchiveBucket(s3: S3Client, setup: ArchiveBucketSetup): Promise<void> {
  if (!Number.isInteger(setup.retentionDays) || setup.retentionDays < 1) {
    throw new ArchiveBucketSetupError(`retentionDays must be a whole number >= 1, got ${setup.retentionDays}`);
  }
  const Bucket = setup.bucket;
  await s3.send(
    new CreateBucketCommand({
      Bucket,
      // Object Lock can only be switched on when the bucket is created.
      ObjectLockEnabledForBucket: true,
      ObjectOwnership: 'BucketOwnerEnforced',
      ...(setup.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: setup.region as BucketLocationConstraint } }),
    }),
  );
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: setup.retentionDays } },
      },
    }),
  );
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket,
      ServerSideEncryptionConfiguration: {
        Rules: [
          setup.kmsKeyId
            ? {
                ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: setup.kmsKeyId },
                BucketKeyEnabled: true,
              }
            : { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
    }),
  );
  if (setup.accessLogBucket) {
    await s3.send(
      new PutBucketLoggingCommand({
        Bucket,
        BucketLoggingStatus: { LoggingEnabled: { TargetBucket: setup.accessLogBucket, TargetPrefix: 'archive/' } },
      }),
    );
  }
  const policy = setup.policy ?? 'full';
  if (policy !== 'none') {
    const document = archiveBucketPolicy({ bucket: setup.bucket, partition: setup.partition, policy });
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify(document) }));
  }
}

/** The bucket policy document createArchiveBucket puts (unless policy is 'none'). */
export function archiveBucketPolicy(setup: Pick<ArchiveBucketSetup, 'bucket' | 'partition'> & { readonly policy?: 'full' | 'unconditional-only' }): {
  Version: string;
  Statement: PolicyStatementJson[];
} {
  const arn = `arn:${setup.partition ?? 'aws'}:s3:::${setup.bucket}`;
  const all = [tlsOnlyStatement(arn), ...archiveProtectionStatements(arn)];
  return {
    Version: '2012-10-17',
    Statement: setup.policy === 'unconditional-only' ? all.filter((st) => st.Condition === undefined) : all,
  };
}
