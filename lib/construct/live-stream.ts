import { Aws, type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from './nag';
import { STAGING_ERROR_PREFIX, STAGING_LIVE_PREFIX } from './objects-pattern';
import { physicalName } from './physical-names';

export interface LiveStreamProps {
  /** Where batches are written (under live/). */
  readonly stagingBucket: s3.IBucket;
  readonly dataKey: kms.IKey;
  /** How long Firehose collects events before it writes an object (validated by resolveAuditTrailProps: 0 to 900 s). */
  readonly bufferingInterval: Duration;
}

/** Firehose writes an object when this many MiB have arrived, even before the interval is up. */
export const LIVE_BUFFER_MIB = 5;
/** Firehose delivery stream names: 64 characters. */
const STREAM_NAME_MAX = 64;

/**
 * The live lane's batching transport: one Firehose delivery stream (Direct
 * PUT, the capture rules are its only producers) that writes the events it
 * buffered as one object, one event per line, under live/ in the staging
 * bucket. The stream is encrypted with the data key, and so are the objects.
 *
 * The L1 resource with a role written out action by action: the L2
 * DeliveryStream grants its role s3:DeleteObject* on the whole bucket and
 * kms:ReEncrypt* / GenerateDataKey*, which nothing in this stack may hold.
 */
export class LiveStream extends Construct {
  readonly stream: firehose.CfnDeliveryStream;
  readonly streamName: string;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: LiveStreamProps) {
    super(scope, id);
    const bucket = props.stagingBucket;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logStream = this.logGroup.addStream('S3Delivery');

    this.role = new iam.Role(this, 'Role', {
      // Firehose passes the account as the external id; only this account's streams can use the role.
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'sts:ExternalId': Aws.ACCOUNT_ID } },
      }),
      description: 'immutrail live lane: Firehose writes staged events',
    });
    this.allowDelivery(bucket, props.dataKey, logStream);

    this.streamName = physicalName(scope, 'live', STREAM_NAME_MAX);
    this.stream = new firehose.CfnDeliveryStream(this, 'Stream', {
      deliveryStreamName: this.streamName,
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'CUSTOMER_MANAGED_CMK', keyArn: props.dataKey.keyArn },
      extendedS3DestinationConfiguration: {
        bucketArn: bucket.bucketArn,
        roleArn: this.role.roleArn,
        prefix: STAGING_LIVE_PREFIX,
        errorOutputPrefix: STAGING_ERROR_PREFIX,
        bufferingHints: { intervalInSeconds: props.bufferingInterval.toSeconds(), sizeInMBs: LIVE_BUFFER_MIB },
        compressionFormat: 'UNCOMPRESSED',
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: props.dataKey.keyArn } },
        // Firehose concatenates records as they come; the delimiter makes each event one line.
        processingConfiguration: { enabled: true, processors: [{ type: 'AppendDelimiterToRecord' }] },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: this.logGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
      },
    });
    // The role's policy must exist before Firehose first tries to write.
    this.stream.node.addDependency(this.role);
  }

  /**
   * The role's policy, as the S3 destination documentation lists it: object
   * actions confined to the two prefixes, the data key only through S3 for this
   * bucket, and the one log stream.
   */
  private allowDelivery(bucket: s3.IBucket, dataKey: kms.IKey, logStream: logs.LogStream): void {
    const objects = [bucket.arnForObjects(`${STAGING_LIVE_PREFIX}*`), bucket.arnForObjects(`${STAGING_ERROR_PREFIX}*`)];
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'], resources: objects }));
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [bucket.bucketArn],
      }),
    );
    // The data key, only through S3 and only for this bucket (with an S3 Bucket
    // Key the encryption context is the bucket's ARN).
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [dataKey.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `s3.${Aws.REGION}.${Aws.URL_SUFFIX}`,
            'kms:EncryptionContext:aws:s3:arn': bucket.bucketArn,
          },
        },
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:PutLogEvents'],
        resources: [`arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${this.logGroup.logGroupName}:log-stream:${logStream.logStreamName}`],
      }),
    );
    acknowledgeWildcardResources(
      this.role,
      objects,
      'Firehose names each staged object by time and a random suffix under live/ (errors under live-errors/); it may only create and read objects there, never delete.',
    );
  }

  get streamArn(): string {
    return this.stream.attrArn;
  }
}
