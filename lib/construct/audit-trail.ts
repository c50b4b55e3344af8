import { Arn, Aws, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CHECKPOINTS_PREFIX } from '../core/layout';
import { ALARM_PERIOD, AlertChannel } from './alerts';
import { addPipelineAlarms } from './pipeline-alarms';
import { PipelineDashboard } from './pipeline-dashboard';
import { TrailAccountEvents } from './trail-account-events';
import { TrailBucketNotifications } from './trail-bucket-notifications';
import { MemberBusAccess } from './member-bus-access';
import { ArchiveBucket } from './archive-bucket';
import { type AuditTrailProps, type ResolvedAuditTrailProps, resolveAuditTrailProps } from './audit-trail-props';
import { AuditTrailConfigError } from '../contract/errors';
import { CaptureRules, ObjectsRule } from './event-rules';
import { handlerEnvironment } from './handler-environment';
import type { ProtectedResources } from '../core/detect/config';
import { IndexTable } from './index-table';
import { IngestQueue } from './ingest-queue';
import { TrailKeys } from './keys';
import { LiveStream } from './live-stream';
import { type ObjectSource, STAGING_LIVE_PREFIX } from './objects-pattern';
import {
  DATA_KEY_ACTIONS,
  type TrailResources,
  grantChainWriter,
  grantSealer,
  grantStagingRead,
  grantTrailList,
  grantTrailRead,
  grantTrailWatch,
  grantWitnessWrite,
} from './permissions';
import { WATCHDOG_SCHEDULE_MINUTES } from '../contract/delivery-window';
import { acknowledgeWildcardResources } from './nag';
import { FUNCTION_NAME_MAX, RULE_NAME_MAX, physicalName } from './physical-names';
import { QueryCatalog } from './query-catalog';
import { type ShardRoute, shardIds } from '../contract/shards';
import { StagingBucket } from './staging-bucket';
import { ATTESTATION_PARTITION_PREFIX } from './table-schema';
import { TrailFunction, type TrailFunctionKind } from './trail-function';
import { grantWitnesses } from './witness/witness-access';

export type { AuditTrailProps } from './audit-trail-props';

/** Functions whose handlers run the detectors (and so load Sigma rules). */
const DETECTING_FUNCTIONS: readonly TrailFunctionKind[] = ['ingest', 'reconcile'];
/** Where a user's own Sigma rules land inside a function bundle (Lambda unpacks it in /var/task). */
const USER_SIGMA_RULES_IN_BUNDLE = '/var/task/rules/user';

/** Ingest handler timeout (a batch of staged objects and log files); the queue's visibility timeout is six times this. */
export const INGEST_TIMEOUT = Duration.minutes(5);
/** 1,769 MB is one full vCPU: parsing, hashing and detection are CPU-bound. */
export const INGEST_MEMORY_MB = 1769;
/** Object notifications per ingest invocation (each names a staged object or a log file of hundreds of events). */
export const INGEST_BATCH_SIZE = 10;
/** How long the event source waits to fill a batch of object notifications. */
export const INGEST_BATCHING_WINDOW = Duration.seconds(10);
/**
 * Concurrent ingest invocations (the event source's minimum). Writers of one
 * shard serialize on its head anyway; more would only race more often.
 */
export const INGEST_MAX_CONCURRENCY = 2;
export const MAX_RECEIVE_COUNT = 5;
export const SEAL_INTERVAL = Duration.minutes(5);
export const RECONCILE_SWEEP_INTERVAL = Duration.hours(1);
/** The watchdog's per-account delivery check runs in the first run of each hour, so it must know the schedule. */
export const WATCHDOG_INTERVAL = Duration.minutes(WATCHDOG_SCHEDULE_MINUTES);
/** An object notification waiting this long in the ingest queue means ingest is stuck or failing. */
export const STUCK_INGEST_AGE = Duration.minutes(15);
/** Staged objects are transient copies (the archive is the record): this long, then S3 expires them. */
export const STAGING_EXPIRATION = Duration.days(14);
/** Firehose holding data this long without delivering it to S3 means the live lane is stuck. */
export const LIVE_DELIVERY_STUCK_AGE = Duration.minutes(15);

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
export class AuditTrail extends Construct {
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

    const keys = new TrailKeys(this, 'Keys');
    this.dataKey = keys.dataKey;
    this.signingKey = keys.signingKey;

    const archive = new ArchiveBucket(this, 'Archive', {
      retentionDays: config.retentionDays,
      dataKey: keys.dataKey,
      existingBucket: props.archiveBucket,
    });
    this.bucket = archive.bucket;
    this.accessLogBucket = archive.logBucket;
    grantWitnesses(this.bucket, archive.encryptionKey, props.witnesses);

    const index = new IndexTable(this, 'Index', { dataKey: keys.dataKey });
    this.table = index.table;

    const alerts = new AlertChannel(this, 'Alerts', {
      dataKey: keys.dataKey,
      existingTopic: props.alertTopic,
      email: props.alertEmail,
    });
    this.alertTopic = alerts.topic;

    const ingestQueue = new IngestQueue(this, 'IngestQueue', {
      dataKey: keys.dataKey,
      alerts,
      consumerTimeout: INGEST_TIMEOUT,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      maxMessageAge: STUCK_INGEST_AGE,
    });
    this.queue = ingestQueue.queue;
    this.deadLetterQueue = ingestQueue.deadLetterQueue;
    this.deliveryFailureQueue = ingestQueue.deliveryFailureQueue;

    const staging = new StagingBucket(this, 'Staging', {
      dataKey: keys.dataKey,
      expiration: STAGING_EXPIRATION,
      accessLogs: archive.logBucket,
    });
    this.stagingBucket = staging.bucket;

    this.liveStream = new LiveStream(this, 'Live', {
      stagingBucket: staging.bucket,
      dataKey: keys.dataKey,
      bufferingInterval: config.liveBatchingWindow,
    });
    alerts.alarmAbove(
      'LiveDeliveryStuckAlarm',
      new cloudwatch.Metric({
        namespace: 'AWS/Firehose',
        metricName: 'DeliveryToS3.DataFreshness',
        dimensionsMap: { DeliveryStreamName: this.liveStream.streamName },
        period: ALARM_PERIOD,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      LIVE_DELIVERY_STUCK_AGE.toSeconds(),
      'immutrail: Firehose has held captured events for too long without writing them to the staging bucket; Firehose keeps undelivered data for 24 hours only.',
    );

    const capture = new CaptureRules(this, 'Capture', {
      plan: config.plan,
      // With a trail bucket, read-only calls come by the trail lane alone: the live lane carries
      // what detectors must see within seconds (writes, sign-ins, state changes), and each
      // read-only call sent live would be billed by Firehose and then found again in the trail file.
      capture: props.trailBucket ? { ...config.capture, captureReadOnlyApiCalls: false } : config.capture,
      stream: this.liveStream,
      deliveryFailureQueue: ingestQueue.deliveryFailureQueue,
    });
    this.captureRules = capture.rules;

    const objectSources: ObjectSource[] = [
      { bucket: staging.bucket.bucketName, prefix: STAGING_LIVE_PREFIX },
      // A log-archive bucket notifying the queue directly never reaches the bus.
      ...(props.trailBucket && this.trailNotifications !== 'queue' ? [{ bucket: props.trailBucket.bucketName, prefix: config.trailPrefix }] : []),
    ];
    const objects = new ObjectsRule(this, 'Objects', {
      sources: objectSources,
      queue: ingestQueue.queue,
      deliveryFailureQueue: ingestQueue.deliveryFailureQueue,
    });
    this.objectsRule = objects.rule;

    const reconcileEnabled = props.trailBucket !== undefined;
    const functionKinds: TrailFunctionKind[] = [
      'ingest',
      'seal',
      ...(reconcileEnabled ? (['reconcile'] as const) : []),
      ...(config.watchdogEnabled ? (['watchdog'] as const) : []),
    ];
    const scheduleNames = {
      seal: physicalName(this, 'seal-schedule', RULE_NAME_MAX),
      reconcile: physicalName(this, 'reconcile-sweep', RULE_NAME_MAX),
      watchdog: physicalName(this, 'watchdog-schedule', RULE_NAME_MAX),
    };
    const trailArn = props.trailName ? this.trailArn(props.trailName) : undefined;

    // The auditor's own resources: any change to one is an "auditor tampering"
    // alert (lib/core/detect/auditor-tampering.ts). An empty trails list means
    // every trail counts, which is right when the stack watches none in particular.
    const protectedResources: ProtectedResources = {
      buckets: [
        archive.bucket.bucketName,
        ...(archive.logBucket ? [archive.logBucket.bucketName] : []),
        staging.bucket.bucketName,
      ],
      tables: [index.table.tableName],
      queues: [this.queue.queueArn, this.deadLetterQueue.queueArn, this.deliveryFailureQueue.queueArn],
      rules: [
        ...capture.ruleNames,
        objects.ruleName,
        scheduleNames.seal,
        ...(reconcileEnabled ? [scheduleNames.reconcile] : []),
        ...(config.watchdogEnabled ? [scheduleNames.watchdog] : []),
      ],
      keys: [keys.dataKey.keyArn, keys.signingKey.keyArn],
      functions: functionKinds.map((k) => physicalName(this, k, FUNCTION_NAME_MAX)),
      trails: props.trailName ? [props.trailName] : [],
      topics: [alerts.topic.topicArn],
    };

    const environment = handlerEnvironment(this, {
      config,
      archiveBucket: archive.bucket.bucketName,
      table: index.table.tableName,
      signingKeyArn: keys.signingKey.keyArn,
      alertTopicArn: alerts.topic.topicArn,
      origin: this.origin,
      attestationKeyArns: config.attestationKeys.map((k) => k.keyArn),
      protectedResources,
      witnessBucket: props.witnessBucket?.bucketName,
      trailName: props.trailName,
      trailBucket: props.trailBucket?.bucketName,
      stagingBucket: staging.bucket.bucketName,
      stagingPrefix: STAGING_LIVE_PREFIX,
      ...(props.userSigmaRulesDir ? { userSigmaRuleDir: USER_SIGMA_RULES_IN_BUNDLE } : {}),
    });

    this.resources = {
      bucket: archive.bucket,
      bucketKey: archive.encryptionKey && archive.encryptionKey !== keys.dataKey ? archive.encryptionKey : undefined,
      index,
      dataKey: keys.dataKey,
      signingKey: keys.signingKey,
      topic: alerts.topic,
      // Organization-wide and per-account keys: the detecting functions read all their public keys.
      attestationKeys: [...config.attestationKeys, ...config.accountDetection.overrideKeys],
    };
    const fnProps = (kind: TrailFunctionKind, description: string, timeout: Duration, memorySize: number) => ({
      kind,
      description,
      timeout,
      memorySize,
      environment,
      logRetention: logs.RetentionDays.ONE_YEAR,
      // The functions that run detectors load Sigma rules from files next to the handler.
      ...(DETECTING_FUNCTIONS.includes(kind)
        ? { sigmaRules: { userRulesDir: props.userSigmaRulesDir, userRulesInBundle: USER_SIGMA_RULES_IN_BUNDLE } }
        : {}),
    });

    // Ingest: the objects queue is the event source. Each message names a
    // staged object or a trail log file; the function reads it, routes every
    // event to its shard by content and commits each shard's events at once.
    // A failed message is reported back alone, and after MAX_RECEIVE_COUNT
    // tries moves to the DLQ.
    const ingest = new TrailFunction(
      this,
      'Ingest',
      fnProps('ingest', 'immutrail: chains staged events and trail log files into WORM records', INGEST_TIMEOUT, INGEST_MEMORY_MB),
    );
    grantChainWriter(ingest.role, this.resources);
    grantStagingRead(ingest.role, staging.bucket, STAGING_LIVE_PREFIX);
    if (props.trailBucket) {
      grantTrailRead(ingest.role, props.trailBucket, config.trailPrefix, props.trailKey);
      this.trailReaders.push(ingest.role);
    }
    ingest.fn.addEventSource(
      new sources.SqsEventSource(this.queue, {
        batchSize: INGEST_BATCH_SIZE,
        maxBatchingWindow: INGEST_BATCHING_WINDOW,
        reportBatchItemFailures: true,
        maxConcurrency: INGEST_MAX_CONCURRENCY,
      }),
    );
    this.ingestFunction = ingest.fn;

    // Seal: on a fixed schedule, including when nothing happened, so a
    // truncated tail shows up as a checkpoint that stopped growing.
    const seal = new TrailFunction(
      this,
      'Seal',
      fnProps('seal', 'immutrail: signs a checkpoint over every shard', Duration.minutes(5), 1024),
    );
    grantSealer(seal.role, this.resources);
    if (props.witnessBucket) grantWitnessWrite(seal.role, props.witnessBucket, CHECKPOINTS_PREFIX);
    this.schedule('SealSchedule', scheduleNames.seal, SEAL_INTERVAL, seal.fn);
    this.sealFunction = seal.fn;
    alerts.alarmAbove(
      'SealErrorsAlarm',
      seal.fn.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
      0,
      'immutrail: the seal function failed; no new signed checkpoint covers the latest records.',
    );

    if (props.trailBucket) {
      const reconcile = new TrailFunction(
        this,
        'Reconcile',
        fnProps('reconcile', "immutrail: backfills events from the trail's own log files", Duration.minutes(5), 1024),
      );
      grantChainWriter(reconcile.role, this.resources);
      grantTrailRead(reconcile.role, props.trailBucket, config.trailPrefix, props.trailKey);
      this.trailReaders.push(reconcile.role);
      // New log files reach ingest through the objects rule; reconcile sweeps
      // the trail bucket every hour for any whose notification was lost.
      this.schedule('ReconcileSweep', scheduleNames.reconcile, RECONCILE_SWEEP_INTERVAL, reconcile.fn);
      this.reconcileFunction = reconcile.fn;
    }

    if (props.queryCatalog ?? true) {
      this.queryCatalog = new QueryCatalog(this, 'Query', {
        archiveBucket: archive.bucket,
        archiveKey: archive.encryptionKey ?? keys.dataKey,
        shards: shardIds(config.plan),
        accessLogsBucket: archive.logBucket,
        catalogName: props.queryCatalogName,
      });
    }

    if (config.watchdogEnabled) {
      const watchdog = new TrailFunction(
        this,
        'Watchdog',
        fnProps('watchdog', 'immutrail: checks the trail is logging and events keep arriving', Duration.minutes(1), 256),
      );
      grantChainWriter(watchdog.role, this.resources);
      if (trailArn) grantTrailWatch(watchdog.role, trailArn);
      // Deliveries per account and region, from key names (lib/watchdog/trail-deliveries.ts).
      if (props.trailBucket) {
        grantTrailList(watchdog.role, props.trailBucket, config.trailPrefix);
        this.trailListers.push(watchdog.role);
      }
      this.schedule('WatchdogSchedule', scheduleNames.watchdog, WATCHDOG_INTERVAL, watchdog.fn);
      this.watchdogFunction = watchdog.fn;
    }

    const pipelineAlarms = addPipelineAlarms(alerts, { ingest: ingest.fn, seal: seal.fn, reconcile: this.reconcileFunction, watchdog: this.watchdogFunction });
    new PipelineDashboard(this, 'Pipeline', {
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      liveStreamName: this.liveStream.streamName,
      ingest: ingest.fn,
      seal: seal.fn,
      reconcile: this.reconcileFunction,
      watchdog: this.watchdogFunction,
      topic: alerts.topic,
      alarms: pipelineAlarms,
    });
    this.admitLogArchive(props);
    if (props.organizationId !== undefined || props.memberAccounts !== undefined) {
      new MemberBusAccess(this, 'MemberAccounts', { organizationId: props.organizationId, memberAccounts: props.memberAccounts });
    }
  }

  /**
   * Read access for auditors and the `immutrail verify|prove|query` CLI: every
   * object version and its retention, the index, and the public half of the
   * signing key. Nothing that writes.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant {
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

  /** The trail bucket in the log-archive account reaches the ingest queue directly (S3 notifications) or through the bus. */
  private admitLogArchive(props: AuditTrailProps): void {
    if (props.trailBucketAccount === undefined) return;
    if (this.trailNotifications === 'eventbridge') {
      new TrailAccountEvents(this, 'TrailAccountEvents', props.trailBucketAccount);
      return;
    }
    if (!props.trailBucket) throw new AuditTrailConfigError('INVALID_CONTEXT', 'trailBucketAccount needs trailBucket (the bucket in that account)');
    new TrailBucketNotifications(this, 'TrailBucketNotifications', {
      queue: this.queue,
      queueKey: this.dataKey,
      trailBucketArn: props.trailBucket.bucketArn,
      trailBucketAccount: props.trailBucketAccount,
    });
  }

  private schedule(id: string, ruleName: string, every: Duration, fn: lambda.IFunction): events.Rule {
    return new events.Rule(this, id, {
      ruleName,
      description: `immutrail: run ${fn.node.scope?.node.id ?? 'function'} every ${every.toHumanString()}`,
      schedule: events.Schedule.rate(every),
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 2 })],
    });
  }

  private trailArn(trailName: string): string {
    if (!Token.isUnresolved(trailName) && trailName.startsWith('arn:')) return trailName;
    return Arn.format({ service: 'cloudtrail', resource: 'trail', resourceName: trailName }, Stack.of(this));
  }
}
