/**
 * The archive bucket's protective bucket-policy statements, as plain IAM JSON.
 * One source of truth for the CDK construct (which adds them to the bucket
 * policy) and for lib/aws/archive-bucket-setup.ts (which puts the same policy
 * on a bucket created through the SDK, e.g. on moto, whose CloudFormation
 * ignores bucket policies). CDK-free.
 *
 * Why these and not a blanket "deny s3:PutObjectRetention":
 * a PutObject that carries x-amz-object-lock-mode / -retain-until-date headers
 * is authorized as s3:PutObjectRetention as well, and the writers set
 * COMPLIANCE retention on every object they put. COMPLIANCE retention can only
 * ever be extended, never shortened or removed, by anyone including the root
 * user, so the retention action itself cannot weaken the archive. What could
 * weaken it is placing a *different* mode (GOVERNANCE, bypassable) on an
 * object, bypassing governance, deleting versions, or changing the bucket's
 * lock/lifecycle configuration: those are denied to every principal here.
 */
export interface PolicyStatementJson {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal: { AWS: string } | string;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** Object-version deletion and retention bypass: denied to everyone, unconditionally. */
export const DENIED_OBJECT_ACTIONS = ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:BypassGovernanceRetention'] as const;

/** Bucket configuration that could shorten or expire the archive: denied to everyone. */
export const DENIED_BUCKET_ACTIONS = ['s3:PutBucketObjectLockConfiguration', 's3:PutLifecycleConfiguration'] as const;

/** Writing or re-locking an object with any mode other than COMPLIANCE: denied to everyone. */
export const RETENTION_MODE_GUARDED_ACTIONS = ['s3:PutObject', 's3:PutObjectRetention'] as const;

/**
 * @param bucketArn the bucket's ARN (a CloudFormation token is fine: it is only placed, never parsed)
 */
export function archiveProtectionStatements(bucketArn: string): PolicyStatementJson[] {
  const objects = `${bucketArn}/*`;
  return [
    {
      Sid: 'DenyObjectDeletionAndRetentionBypass',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: [...DENIED_OBJECT_ACTIONS],
      Resource: [objects],
    },
    {
      Sid: 'DenyLockAndLifecycleChanges',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: [...DENIED_BUCKET_ACTIONS],
      Resource: [bucketArn],
    },
    {
      // Applies only when a request names a lock mode (the key is absent from a
      // plain PutObject, which then gets the bucket's COMPLIANCE default).
      Sid: 'DenyRetentionOtherThanCompliance',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: [...RETENTION_MODE_GUARDED_ACTIONS],
      Resource: [objects],
      Condition: {
        Null: { 's3:object-lock-mode': 'false' },
        StringNotEquals: { 's3:object-lock-mode': 'COMPLIANCE' },
      },
    },
  ];
}

/** Denies any request that is not over TLS (what CDK's enforceSSL adds), for buckets created outside CDK. */
export function tlsOnlyStatement(bucketArn: string): PolicyStatementJson {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: ['s3:*'],
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}
