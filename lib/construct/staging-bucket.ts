import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { privateKmsBucketProps } from './bucket-defaults';
import { acknowledge } from './nag';

export interface StagingBucketProps {
  readonly dataKey: kms.IKey;
  /** Days a staged object is kept. */
  readonly expiration: Duration;
  /** Bucket for server access logs (the archive's); without one the bucket is not access-logged. */
  readonly accessLogs?: s3.IBucket;
}

/**
 * Where the live lane's Firehose stream writes batches of events before the
 * ingest function reads them. Staged objects are transient copies (the
 * archive is the record), so they expire after `expiration` and the bucket
 * has no Object Lock. Private, SSE-KMS with the data key and an S3 Bucket
 * Key, TLS only, ACLs disabled, and every new object is reported to
 * EventBridge (the objects rule picks up those under live/).
 */
export class StagingBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StagingBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...privateKmsBucketProps(props.dataKey),
      lifecycleRules: [{ expiration: props.expiration, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      ...(props.accessLogs ? { serverAccessLogsBucket: props.accessLogs, serverAccessLogsPrefix: 'staging/' } : {}),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // S3 -> EventBridge as the bucket's own CloudFormation property, not CDK's
    // `eventBridgeEnabled`: that one is a custom resource backed by an extra
    // Lambda function with an AWS managed policy and s3:PutBucketNotification
    // on every bucket, which nothing here needs.
    (this.bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    if (!props.accessLogs) {
      acknowledge(
        this.bucket,
        'AwsSolutions-S1',
        'The trail archives into an existing bucket, so there is no access-log bucket of the stack; staged objects are transient copies of events that expire, every one of which is archived as a record.',
      );
    }
  }
}
