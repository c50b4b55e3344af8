import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * What every bucket holding events has in common (the archive, the live
 * lane's staging bucket): SSE-KMS with the data key and an S3 Bucket Key (one
 * KMS data key per bucket and period instead of per object: the same
 * protection, far fewer KMS calls on the ingest hot path), no public access,
 * ACLs disabled, TLS 1.2 or later only.
 */
export function privateKmsBucketProps(key: kms.IKey): s3.BucketProps {
  return {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
  };
}
