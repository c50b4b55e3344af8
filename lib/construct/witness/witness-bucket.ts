import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * The witness's own WORM store: cosigned notes under Object Lock COMPLIANCE,
 * so that nobody, the witness's own administrators included, can take back a
 * cosignature the archive's auditors may rely on. Server access logs go to a
 * plain bucket beside it.
 */
export class WitnessBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: { retentionDays: number }) {
    super(scope, id);
    const common = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    const logs = new s3.Bucket(this, 'AccessLogs', { ...common, lifecycleRules: [{ expiration: Duration.days(Math.max(props.retentionDays, 90)) }] });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...common,
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(props.retentionDays)),
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'witness/',
    });
  }
}
