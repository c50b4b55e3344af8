import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, type IConstruct } from 'constructs';
import { METRICS_NAMESPACE } from './pipeline-alarms';

/** The handler metrics a dashboard or alarm outside the stack can use (Powertools, namespace "immutrail"). */
export type AuditTrailMetricName =
  | 'EventsIn'
  | 'RecordsCommitted'
  | 'Quarantined'
  | 'Duplicates'
  | 'Alerts'
  | 'FailedShards'
  | 'DetectorFailures'
  | 'CommitConflicts'
  | 'LogFilesReconciled'
  | 'LogFilesFailed'
  | 'EventsRecovered'
  | 'CheckpointSize';

/** Which function emits each metric (the `service` dimension). */
const METRIC_SERVICE: Record<AuditTrailMetricName, string> = {
  EventsIn: 'ingest',
  RecordsCommitted: 'ingest',
  Quarantined: 'ingest',
  Duplicates: 'ingest',
  Alerts: 'ingest',
  FailedShards: 'ingest',
  DetectorFailures: 'ingest',
  CommitConflicts: 'ingest',
  LogFilesReconciled: 'reconcile',
  LogFilesFailed: 'reconcile',
  EventsRecovered: 'reconcile',
  CheckpointSize: 'seal',
};

/**
 * An audit trail, deployed by this app or elsewhere: what another stack needs
 * to read the archive, subscribe to alerts or chart the pipeline, in the
 * aws-cdk-lib style (`IBucket` / `Bucket.fromBucketAttributes`).
 */
export interface IAuditTrail extends IConstruct {
  /** The Object Lock archive bucket. */
  readonly bucket: s3.IBucket;
  /** The index table (chain heads, id sets, batch log). */
  readonly table: dynamodb.ITable;
  /** Where alerts are published. */
  readonly alertTopic: sns.ITopic;
  /** The asymmetric key that signs checkpoints (its public key verifies the archive). */
  readonly signingKey: kms.IKey;
  /** The archive's origin: checkpoints' first line and their key name. */
  readonly origin: string;
  /** What an auditor needs, read only: the archive's objects (with decrypt), the index, and the signing key's public key. */
  grantRead(grantee: iam.IGrantable): iam.Grant;
  /** One of the handlers' metrics, summed over 5 minutes unless `props` say otherwise. */
  metric(name: AuditTrailMetricName, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Events received by the ingest function. */
  metricEventsIn(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Records committed to the archive (events, alerts, coverage). */
  metricRecordsCommitted(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Shard batches that failed to commit (retried, then dead-lettered). */
  metricFailedShards(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/** What `AuditTrail.fromAttributes` needs: the stack's outputs. */
export interface AuditTrailAttributes {
  /** ArchiveBucketName output. */
  readonly bucketName: string;
  /** TableName output. */
  readonly tableName: string;
  /** AlertTopicArn output. */
  readonly alertTopicArn: string;
  /** SigningKeyArn output. */
  readonly signingKeyArn: string;
  /** Origin output. */
  readonly origin: string;
  /**
   * The archive's data key (SSE-KMS), so grants include decrypt.
   * @default no key grant: reads of SSE-KMS objects then fail unless the grantee has it otherwise
   */
  readonly dataKeyArn?: string;
}

/** The part of an audit trail that is the same whether it was created here or imported. */
export abstract class AuditTrailBase extends Construct implements IAuditTrail {
  abstract readonly bucket: s3.IBucket;
  abstract readonly table: dynamodb.ITable;
  abstract readonly alertTopic: sns.ITopic;
  abstract readonly signingKey: kms.IKey;
  abstract readonly origin: string;

  abstract grantRead(grantee: iam.IGrantable): iam.Grant;

  metric(name: AuditTrailMetricName, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { service: METRIC_SERVICE[name] },
      period: Duration.minutes(5),
      statistic: 'Sum',
      ...props,
    });
  }

  metricEventsIn(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('EventsIn', props);
  }

  metricRecordsCommitted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('RecordsCommitted', props);
  }

  metricFailedShards(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('FailedShards', props);
  }
}

/** An audit trail deployed elsewhere, from its outputs. */
export class ImportedAuditTrail extends AuditTrailBase {
  readonly bucket: s3.IBucket;
  readonly table: dynamodb.ITable;
  readonly alertTopic: sns.ITopic;
  readonly signingKey: kms.IKey;
  readonly origin: string;

  constructor(scope: Construct, id: string, attrs: AuditTrailAttributes) {
    super(scope, id);
    const dataKey = attrs.dataKeyArn ? kms.Key.fromKeyArn(this, 'DataKey', attrs.dataKeyArn) : undefined;
    this.bucket = s3.Bucket.fromBucketAttributes(this, 'Archive', { bucketName: attrs.bucketName, encryptionKey: dataKey });
    this.table = dynamodb.Table.fromTableAttributes(this, 'Index', { tableName: attrs.tableName, encryptionKey: dataKey });
    this.alertTopic = sns.Topic.fromTopicArn(this, 'Alerts', attrs.alertTopicArn);
    this.signingKey = kms.Key.fromKeyArn(this, 'SigningKey', attrs.signingKeyArn);
    this.origin = attrs.origin;
  }

  grantRead(grantee: iam.IGrantable): iam.Grant {
    // IBucket.grantRead and ITable.grantReadData include decrypt on the data key when it is given.
    return this.bucket
      .grantRead(grantee)
      .combine(this.table.grantReadData(grantee))
      .combine(this.signingKey.grant(grantee, 'kms:GetPublicKey', 'kms:Verify', 'kms:DescribeKey'));
  }
}
