import { Aws, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AuditTrailBase, ImportedAuditTrail, type AuditTrailAttributes, type IAuditTrail } from './audit-trail-ref';
import { MemberBusAccess } from './member-bus-access';
import { type AuditTrailProps, type ResolvedAuditTrailProps, resolveAuditTrailProps } from './audit-trail-props';
import { AuditTrailConfigError } from '../contract/errors';
import { environmentOf, functionPropsOf, scheduleNamesOf, type FunctionWiring } from './audit-trail-environment';
import { addIngest } from './audit-trail-ingest';
import { addIntake, admitLogArchive } from './audit-trail-intake';
import { addPipelineMonitoring } from './audit-trail-monitoring';
import { addReconcile, addSeal, addWatchdog } from './audit-trail-schedules';
import { addStorage, trailResources } from './audit-trail-storage';
import type { LiveStream } from './live-stream';
import { DATA_KEY_ACTIONS, type TrailResources } from './permissions';
import { acknowledgeWildcardResources } from './nag';
import { QueryCatalog } from './query-catalog';
import { type ShardRoute, shardIds } from '../contract/shards';
import { ATTESTATION_PARTITION_PREFIX } from './table-schema';

export type { AuditTrailProps } from './audit-trail-props';
export {
  INGEST_BATCHING_WINDOW,
  INGEST_BATCH_SIZE,
  INGEST_MAX_CONCURRENCY,
  INGEST_MEMORY_MB,
  INGEST_TIMEOUT,
  LIVE_DELIVERY_STUCK_AGE,
  MAX_RECEIVE_COUNT,
  RECONCILE_SWEEP_INTERVAL,
  SEAL_INTERVAL,
  STAGING_EXPIRATION,
  STUCK_INGEST_AGE,
  WATCHDOG_INTERVAL,
} from './audit-trail-settings';

/**
 * CDK feature flags this construct's security depends on, set on the construct
 * itself so they hold whatever the app's cdk.json says:
 * - the access-log bucket receives logs through a bucket policy for the
 *   logging service, not the legacy LogDeliveryWrite ACL (ACLs are disabled on
 *   every bucket here);
 * - EventBridge may send to the KMS-encrypted ingest queue only from this
 *   account (aws:SourceAccount); without the flag CDK admits every account's
 *   rules, which would let anyone who knows the queue ARN forge object
 *   notifications.
 */
const REQUIRED_FEATURE_FLAGS = {
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-events:eventsTargetQueueSameAccount': true,
} as const;

/**
 * A tamper-evident audit trail for one AWS account, fed by two lanes:
 * - live: EventBridge rules capture control-plane calls and
 *   EC2/ECS/Auto Scaling/ECR/CloudFormation events into a Firehose stream,
 *   which writes them in batches to a staging bucket;
 * - trail (with `trailBucket`): the trail's own log files.
 * S3 reports each new staged object and log file to EventBridge; the objects
 * rule queues those notifications for the ingest function, which routes each
 * event to its shard and chains it into WORM records. The seal function signs
 * checkpoints over all shards; optional reconcile and watchdog functions
 * sweep the trail's log files and hold its configuration to account.
 */
export class AuditTrail extends AuditTrailBase {
  /** An audit trail deployed elsewhere (another stack or app), from its outputs. */
  static fromAttributes(scope: Construct, id: string, attrs: AuditTrailAttributes): IAuditTrail {
    return new ImportedAuditTrail(scope, id, attrs);
  }

  readonly retentionDays: number;
  readonly shardPlan: readonly ShardRoute[];
  readonly origin: string;
  /** Keys whose attestations the detectors trust. */
  readonly attestationKeys: readonly kms.IKey[];

  readonly bucket: s3.IBucket;
  readonly accessLogBucket?: s3.IBucket;
  readonly table: dynamodb.Table;
  readonly dataKey: kms.Key;
  readonly signingKey: kms.Key;
  readonly alertTopic: sns.ITopic;
  /** The live lane's staging bucket (Firehose writes under live/). */
  readonly stagingBucket: s3.Bucket;
  /** The live lane's Firehose delivery stream. */
  readonly liveStream: LiveStream;
  /** The objects queue: one notification per staged object or trail log file; the ingest function's event source. */
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly deliveryFailureQueue: sqs.Queue;
  readonly captureRules: readonly events.Rule[];
  /** Queues each new staged object and trail log file for ingest. */
  readonly objectsRule: events.Rule;

  readonly ingestFunction: lambda.IFunction;
  readonly sealFunction: lambda.IFunction;
  readonly reconcileFunction?: lambda.IFunction;
  /** The roles that read the trail's log files (ingest, and reconcile's sweep): what a log-archive account's bucket and key policies name. */
  readonly trailReaders: iam.IRole[] = [];
  /** The roles that only list the trail bucket's key names (the watchdog's delivery check): the log-archive bucket policy's ListBucket statement names them too. */
  readonly trailListers: iam.IRole[] = [];
  /** How the log-archive account's trail bucket reports new log files (only with trailBucketAccount). */
  readonly trailNotifications?: 'queue' | 'eventbridge';
  readonly watchdogFunction?: lambda.IFunction;
  /** Glue table, Athena workgroup and named queries over the archive (absent when queryCatalog is false). */
  readonly queryCatalog?: QueryCatalog;

  private readonly resources: TrailResources;

  constructor(scope: Construct, id: string, props: AuditTrailProps = {}) {
    super(scope, id);
    for (const [flag, value] of Object.entries(REQUIRED_FEATURE_FLAGS)) this.node.setContext(flag, value);
    const config: ResolvedAuditTrailProps = resolveAuditTrailProps(props);
    this.retentionDays = config.retentionDays;
    this.shardPlan = config.plan;
    this.attestationKeys = config.attestationKeys;
    if (props.trailBucketAccount !== undefined) this.trailNotifications = props.trailNotifications ?? 'queue';
    const stackName = Stack.of(this).stackName;
    this.origin = props.origin ?? `immutrail/${Aws.ACCOUNT_ID}/${Aws.REGION}/${stackName}/${id}`;

    const store = addStorage(this, config, props);
    this.dataKey = store.keys.dataKey;
    this.signingKey = store.keys.signingKey;
    this.bucket = store.archive.bucket;
    this.accessLogBucket = store.archive.logBucket;
    this.table = store.index.table;
    this.alertTopic = store.alerts.topic;

    const intake = addIntake(this, config, props, store, this.trailNotifications);
    this.queue = intake.ingestQueue.queue;
    this.deadLetterQueue = intake.ingestQueue.deadLetterQueue;
    this.deliveryFailureQueue = intake.ingestQueue.deliveryFailureQueue;
    this.stagingBucket = intake.staging.bucket;
    this.liveStream = intake.liveStream;
    this.captureRules = intake.capture.rules;
    this.objectsRule = intake.objects.rule;

    const scheduleNames = scheduleNamesOf(this);
    const environment = environmentOf(this, { config, props, store, intake, scheduleNames, origin: this.origin });
    this.resources = trailResources(config, store);
    const wiring: FunctionWiring = {
      fnProps: functionPropsOf(environment, props.userSigmaRulesDir),
      resources: this.resources,
      trailReaders: this.trailReaders,
      trailListers: this.trailListers,
    };

    const ingest = addIngest(this, wiring, config, props, { staging: intake.staging, queue: this.queue });
    this.ingestFunction = ingest.fn;
    const seal = addSeal(this, wiring, props, store.alerts, scheduleNames.seal);
    this.sealFunction = seal.fn;
    if (props.trailBucket)
      this.reconcileFunction = addReconcile(this, wiring, config, { bucket: props.trailBucket, key: props.trailKey }, scheduleNames.reconcile);
    if (props.queryCatalog ?? true) {
      this.queryCatalog = new QueryCatalog(this, 'Query', {
        archiveBucket: store.archive.bucket,
        archiveKey: store.archive.encryptionKey ?? store.keys.dataKey,
        shards: shardIds(config.plan),
        accessLogsBucket: store.archive.logBucket,
        catalogName: props.queryCatalogName,
      });
    }
    if (config.watchdogEnabled) this.watchdogFunction = addWatchdog(this, wiring, config, props, scheduleNames.watchdog);

    addPipelineMonitoring(this, store.alerts, {
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      liveStreamName: this.liveStream.streamName,
      ingest: ingest.fn,
      seal: seal.fn,
      reconcile: this.reconcileFunction,
      watchdog: this.watchdogFunction,
    });
    admitLogArchive(this, props, this.trailNotifications, this.queue, this.dataKey);
    if (props.organizationId !== undefined || props.memberAccounts !== undefined) {
      new MemberBusAccess(this, 'MemberAccounts', { organizationId: props.organizationId, memberAccounts: props.memberAccounts });
    }
  }

  /**
   * Read access for auditors and the `immutrail verify|prove|query` CLI: every
   * object version and its retention, the index, and the public half of the
   * signing key. Nothing that writes.
   */
  override grantRead(grantee: iam.IGrantable): iam.Grant {
    const r = this.resources;
    const grants = [
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectRetention', 's3:GetObjectLegalHold'],
        resourceArns: [r.bucket.arnForObjects('*')],
      }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketObjectLockConfiguration'],
        resourceArns: [r.bucket.bucketArn],
      }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'],
        resourceArns: [r.index.table.tableArn, r.index.outboxIndexArn],
      }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['kms:Decrypt', 'kms:DescribeKey'],
        resourceArns: [r.dataKey.keyArn, ...(r.bucketKey ? [r.bucketKey.keyArn] : [])],
      }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['kms:GetPublicKey', 'kms:Verify'],
        resourceArns: [r.signingKey.keyArn],
      }),
    ];
    if (Construct.isConstruct(grantee.grantPrincipal)) {
      acknowledgeWildcardResources(
        grantee.grantPrincipal,
        [r.bucket.arnForObjects('*')],
        'An auditor must be able to read every archived object (records and checkpoints are addressed by key); this grant is read-only and cannot alter the archive.',
      );
    }
    return grants.reduce((a, b) => a.combine(b));
  }

  /**
   * What a CI pipeline needs to run `immutrail attest`: put attestation items
   * (partition keys starting with "att#", nothing else in the table) and,
   * when `attestationKey` is given, sign with it. The key must be one of the
   * trail's attestationKeys, or its attestations would never be trusted.
   */
  grantAttest(grantee: iam.IGrantable, attestationKey?: kms.IKey): iam.Grant {
    const r = this.resources;
    if (attestationKey && !r.attestationKeys.includes(attestationKey)) {
      throw new AuditTrailConfigError(
        'INVALID_CONTEXT',
        'grantAttest: this key is not one of the trail attestationKeys; its attestations would not be trusted',
      );
    }
    const grants = [
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['dynamodb:PutItem'],
        resourceArns: [r.index.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${ATTESTATION_PARTITION_PREFIX}*`] },
        },
      }),
      iam.Grant.addToPrincipal({ grantee, actions: DATA_KEY_ACTIONS, resourceArns: [r.dataKey.keyArn] }),
    ];
    if (attestationKey) {
      grants.push(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['kms:Sign', 'kms:GetPublicKey'],
          resourceArns: [attestationKey.keyArn],
        }),
      );
    }
    return grants.reduce((a, b) => a.combine(b));
  }
}
