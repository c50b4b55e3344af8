import { Annotations, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { archiveProtectionStatements } from '../contract/archive-policy';
import { privateKmsBucketProps } from './bucket-defaults';

export interface ArchiveBucketProps {
  readonly retentionDays: number;
  readonly dataKey: kms.IKey;
  /** Use this bucket instead of creating one. */
  readonly existingBucket?: s3.IBucket;
}

/**
 * The WORM archive: Object Lock in COMPLIANCE mode with a default retention,
 * versioned, SSE-KMS with the trail's data key, no public access, TLS only,
 * access-logged to a separate bucket, and a bucket policy that denies every
 * principal the actions that could shorten the archive (see archive-policy.ts).
 */
export class ArchiveBucket extends Construct {
  readonly bucket: s3.IBucket;
  /** The key objects are encrypted with, when known. */
  readonly encryptionKey?: kms.IKey;
  /** Receives the archive's server access logs; absent for an existing bucket. */
  readonly logBucket?: s3.Bucket;

  constructor(scope: Construct, id: string, props: ArchiveBucketProps) {
    super(scope, id);

    if (props.existingBucket) {
      this.bucket = props.existingBucket;
      this.encryptionKey = props.existingBucket.encryptionKey;
      this.protect(this.bucket);
      return;
    }

    // Server access log delivery does not support SSE-KMS target buckets, so
    // the log bucket uses S3-managed keys; it holds request metadata only.
    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ expiration: Duration.days(Math.max(props.retentionDays, 90)) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const bucket = new s3.Bucket(this, 'Bucket', {
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(props.retentionDays)),
      versioned: true,
      ...privateKmsBucketProps(props.dataKey),
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'archive/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = bucket;
    this.encryptionKey = props.dataKey;
    this.protect(bucket);
  }

  private protect(bucket: s3.IBucket): void {
    let added = true;
    for (const json of archiveProtectionStatements(bucket.bucketArn)) {
      added = bucket.addToResourcePolicy(iam.PolicyStatement.fromJson(json)).statementAdded && added;
    }
    if (!added) {
      Annotations.of(this).addWarningV2(
        'immutrail:archive-policy-not-managed',
        `The existing archive bucket's policy is not managed by this stack: add the statements of archiveProtectionStatements() (lib/contract/archive-policy.ts) to it yourself, and make sure it has Object Lock in COMPLIANCE mode.`,
      );
    }
  }
}
