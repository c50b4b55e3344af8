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
import { AuditTrailBase, ImportedAuditTrail, type AuditTrailAttributes, type IAuditTrail } from './audit-trail-ref';
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
import { TrailFunction, type TrailFunctionKind, type TrailFunctionProps } from './trail-function';
import { grantWitnesses } from './witness/witness-access';

export type { AuditTrailProps } from './audit-trail-props';

/** Functions whose handlers run the detectors (and so load Sigma rules). */
const DETECTING_FUNCTIONS: readonly TrailFunctionKind[] = ['ingest', 'reconcile'];
/** Where a user's own Sigma rules land inside a function bundle (Lambda unpacks it in /var/task). */
const USER_SIGMA_RULES_IN_BUNDLE = '/var/task/rules/user';

/** What the functions write to: keys, archive bucket, index table, alert channel. */
interface TrailStorage {
  keys: TrailKeys;
  archive: ArchiveBucket;
  index: IndexTable;
  alerts: AlertChannel;
}

/** Both lanes up to the ingest queue. */
interface TrailIntake {
  ingestQueue: IngestQueue;
  staging: StagingBucket;
  liveStream: LiveStream;
  capture: CaptureRules;
  objects: ObjectsRule;
}

type FunctionPropsOf = (kind: TrailFunctionKind, description: string, timeout: Duration, memorySize: number) => TrailFunctionProps;

type ScheduleNames = { seal: string; reconcile: string; watchdog: string };

/** What the grants give the functions access to. */
function trailResources(config: ResolvedAuditTrailProps, store: TrailStorage): TrailResources {
  return {
    bucket: store.archive.bucket,
    bucketKey: store.archive.encryptionKey && store.archive.encryptionKey !== store.keys.dataKey ? store.archive.encryptionKey : undefined,
    index: store.index,
    dataKey: store.keys.dataKey,
    signingKey: store.keys.signingKey,
    topic: store.alerts.topic,
    // Organization-wide and per-account keys: the detecting functions read all their public keys.
    attestationKeys: [...config.attestationKeys, ...config.accountDetection.overrideKeys],
  };
}

/** Every function's props: the shared environment, and the Sigma rules bundled beside the handlers that run detectors. */
function functionPropsOf(environment: Record<string, string>, userRulesDir: string | undefined): FunctionPropsOf {
  return (kind, description, timeout, memorySize) => ({
    kind,
    description,
    timeout,
    memorySize,
    environment,
    logRetention: logs.RetentionDays.ONE_YEAR,
    ...(DETECTING_FUNCTIONS.includes(kind) ? { sigmaRules: { userRulesDir, userRulesInBundle: USER_SIGMA_RULES_IN_BUNDLE } } : {}),
  });
}

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

    const store = this.addStorage(config, props);
    this.dataKey = store.keys.dataKey;
    this.signingKey = store.keys.signingKey;
    this.bucket = store.archive.bucket;
    this.accessLogBucket = store.archive.logBucket;
    this.table = store.index.table;
    this.alertTopic = store.alerts.topic;

    const intake = this.addIntake(config, props, store);
    this.queue = intake.ingestQueue.queue;
    this.deadLetterQueue = intake.ingestQueue.deadLetterQueue;
    this.deliveryFailureQueue = intake.ingestQueue.deliveryFailureQueue;
    this.stagingBucket = intake.staging.bucket;
    this.liveStream = intake.liveStream;
    this.captureRules = intake.capture.rules;
    this.objectsRule = intake.objects.rule;

    const scheduleNames = {
      seal: physicalName(this, 'seal-schedule', RULE_NAME_MAX),
      reconcile: physicalName(this, 'reconcile-sweep', RULE_NAME_MAX),
      watchdog: physicalName(this, 'watchdog-schedule', RULE_NAME_MAX),
    };
    const environment = this.environmentOf(config, props, store, intake, scheduleNames);
    this.resources = trailResources(config, store);
    const fnProps = functionPropsOf(environment, props.userSigmaRulesDir);

    const ingest = this.addIngest(config, props, intake.staging, fnProps);
    this.ingestFunction = ingest.fn;
    const seal = this.addSeal(props, store.alerts, scheduleNames.seal, fnProps);
    this.sealFunction = seal.fn;
    if (props.trailBucket) this.reconcileFunction = this.addReconcile(config, props.trailBucket, props.trailKey, scheduleNames.reconcile, fnProps);
    if (props.queryCatalog ?? true) {
      this.queryCatalog = new QueryCatalog(this, 'Query', {
        archiveBucket: store.archive.bucket,
        archiveKey: store.archive.encryptionKey ?? store.keys.dataKey,
        shards: shardIds(config.plan),
        accessLogsBucket: store.archive.logBucket,
        catalogName: props.queryCatalogName,
      });
    }
    if (config.watchdogEnabled) this.watchdogFunction = this.addWatchdog(config, props, scheduleNames.watchdog, fnProps);

    this.addPipelineMonitoring(store.alerts, ingest.fn, seal.fn);
    this.admitLogArchive(props);
    if (props.organizationId !== undefined || props.memberAccounts !== undefined) {
      new MemberBusAccess(this, 'MemberAccounts', { organizationId: props.organizationId, memberAccounts: props.memberAccounts });
    }
  }

  /** Every function's environment: where the archive, table, key and topic are, and what the detectors protect. */
  private environmentOf(
    config: ResolvedAuditTrailProps,
    props: AuditTrailProps,
    store: TrailStorage,
    intake: TrailIntake,
    scheduleNames: ScheduleNames,
  ): Record<string, string> {
    return handlerEnvironment(this, {
      config,
      archiveBucket: store.archive.bucket.bucketName,
      table: store.index.table.tableName,
      signingKeyArn: store.keys.signingKey.keyArn,
      alertTopicArn: store.alerts.topic.topicArn,
      origin: this.origin,
      attestationKeyArns: config.attestationKeys.map((k) => k.keyArn),
      protectedResources: this.protectedResources(config, props, store, intake, scheduleNames),
      witnessBucket: props.witnessBucket?.bucketName,
      trailName: props.trailName,
      trailBucket: props.trailBucket?.bucketName,
      stagingBucket: intake.staging.bucket.bucketName,
      stagingPrefix: STAGING_LIVE_PREFIX,
      ...(props.userSigmaRulesDir ? { userSigmaRuleDir: USER_SIGMA_RULES_IN_BUNDLE } : {}),
    });
  }

  /** The keys, the WORM archive bucket, the index table and the alert channel: what the functions write to. */
  private addStorage(config: ResolvedAuditTrailProps, props: AuditTrailProps): TrailStorage {
    const keys = new TrailKeys(this, 'Keys');
    const archive = new ArchiveBucket(this, 'Archive', {
      retentionDays: config.retentionDays,
      dataKey: keys.dataKey,
      existingBucket: props.archiveBucket,
    });
    grantWitnesses(archive.bucket, archive.encryptionKey, props.witnesses);
    const index = new IndexTable(this, 'Index', { dataKey: keys.dataKey });
    const alerts = new AlertChannel(this, 'Alerts', {
      dataKey: keys.dataKey,
      existingTopic: props.alertTopic,
      email: props.alertEmail,
    });
    return { keys, archive, index, alerts };
  }

  /** Both lanes up to the ingest queue: the queue, the live lane's staging bucket and stream, the capture and objects rules. */
  private addIntake(config: ResolvedAuditTrailProps, props: AuditTrailProps, store: TrailStorage): TrailIntake {
    const { keys, alerts } = store;
    const ingestQueue = new IngestQueue(this, 'IngestQueue', {
      dataKey: keys.dataKey,
      alerts,
      consumerTimeout: INGEST_TIMEOUT,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      maxMessageAge: STUCK_INGEST_AGE,
    });
    const staging = new StagingBucket(this, 'Staging', {
      dataKey: keys.dataKey,
      expiration: STAGING_EXPIRATION,
      accessLogs: store.archive.logBucket,
    });
    const liveStream = this.addLiveStream(staging, keys.dataKey, config, alerts);
    const capture = new CaptureRules(this, 'Capture', {
      plan: config.plan,
      // With a trail bucket, read-only calls come by the trail lane alone: the live lane carries
      // what detectors must see within seconds (writes, sign-ins, state changes), and each
      // read-only call sent live would be billed by Firehose and then found again in the trail file.
      capture: props.trailBucket ? { ...config.capture, captureReadOnlyApiCalls: false } : config.capture,
      stream: liveStream,
      deliveryFailureQueue: ingestQueue.deliveryFailureQueue,
    });
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
    return { ingestQueue, staging, liveStream, capture, objects };
  }

  /** The live lane's Firehose stream into the staging bucket, with an alarm when it holds events too long. */
  private addLiveStream(staging: StagingBucket, dataKey: kms.IKey, config: ResolvedAuditTrailProps, alerts: AlertChannel): LiveStream {
    const liveStream = new LiveStream(this, 'Live', {
      stagingBucket: staging.bucket,
      dataKey,
      bufferingInterval: config.liveBatchingWindow,
    });
    alerts.alarmAbove(
      'LiveDeliveryStuckAlarm',
      new cloudwatch.Metric({
        namespace: 'AWS/Firehose',
        metricName: 'DeliveryToS3.DataFreshness',
        dimensionsMap: { DeliveryStreamName: liveStream.streamName },
        period: ALARM_PERIOD,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      LIVE_DELIVERY_STUCK_AGE.toSeconds(),
      'immutrail: Firehose has held captured events for too long without writing them to the staging bucket; Firehose keeps undelivered data for 24 hours only.',
    );
    return liveStream;
  }

  /**
   * The auditor's own resources: any change to one is an "auditor tampering"
   * alert (lib/core/detect/auditor-tampering.ts). An empty trails list means
   * every trail counts, which is right when the stack watches none in particular.
   */
  private protectedResources(
    config: ResolvedAuditTrailProps,
    props: AuditTrailProps,
    store: TrailStorage,
    intake: TrailIntake,
    scheduleNames: ScheduleNames,
  ): ProtectedResources {
    const reconcileEnabled = props.trailBucket !== undefined;
    const functionKinds: TrailFunctionKind[] = [
      'ingest',
      'seal',
      ...(reconcileEnabled ? (['reconcile'] as const) : []),
      ...(config.watchdogEnabled ? (['watchdog'] as const) : []),
    ];
    const { archive, keys } = store;
    return {
      buckets: [archive.bucket.bucketName, ...(archive.logBucket ? [archive.logBucket.bucketName] : []), intake.staging.bucket.bucketName],
      tables: [store.index.table.tableName],
      queues: [intake.ingestQueue.queue.queueArn, intake.ingestQueue.deadLetterQueue.queueArn, intake.ingestQueue.deliveryFailureQueue.queueArn],
      rules: [
        ...intake.capture.ruleNames,
        intake.objects.ruleName,
        scheduleNames.seal,
        ...(reconcileEnabled ? [scheduleNames.reconcile] : []),
        ...(config.watchdogEnabled ? [scheduleNames.watchdog] : []),
      ],
      keys: [keys.dataKey.keyArn, keys.signingKey.keyArn],
      functions: functionKinds.map((k) => physicalName(this, k, FUNCTION_NAME_MAX)),
      trails: props.trailName ? [props.trailName] : [],
      topics: [store.alerts.topic.topicArn],
    };
  }

  /**
   * Ingest: the objects queue is the event source. Each message names a
   * staged object or a trail log file; the function reads it, routes every
   * event to its shard by content and commits each shard's events at once.
   * A failed message is reported back alone, and after MAX_RECEIVE_COUNT
   * tries moves to the DLQ.
   */
  private addIngest(config: ResolvedAuditTrailProps, props: AuditTrailProps, staging: StagingBucket, fnProps: FunctionPropsOf): TrailFunction {
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
    return ingest;
  }

  /**
   * Seal: on a fixed schedule, including when nothing happened, so a
   * truncated tail shows up as a checkpoint that stopped growing.
   */
  private addSeal(props: AuditTrailProps, alerts: AlertChannel, scheduleName: string, fnProps: FunctionPropsOf): TrailFunction {
    const seal = new TrailFunction(this, 'Seal', fnProps('seal', 'immutrail: signs a checkpoint over every shard', Duration.minutes(5), 1024));
    grantSealer(seal.role, this.resources);
    if (props.witnessBucket) grantWitnessWrite(seal.role, props.witnessBucket, CHECKPOINTS_PREFIX);
    this.schedule('SealSchedule', scheduleName, SEAL_INTERVAL, seal.fn);
    alerts.alarmAbove(
      'SealErrorsAlarm',
      seal.fn.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
      0,
      'immutrail: the seal function failed; no new signed checkpoint covers the latest records.',
    );
    return seal;
  }

  /**
   * Reconcile: new log files reach ingest through the objects rule; reconcile
   * sweeps the trail bucket every hour for any whose notification was lost.
   */
  private addReconcile(
    config: ResolvedAuditTrailProps,
    trailBucket: s3.IBucket,
    trailKey: kms.IKey | undefined,
    scheduleName: string,
    fnProps: FunctionPropsOf,
  ): lambda.IFunction {
    const reconcile = new TrailFunction(
      this,
      'Reconcile',
      fnProps('reconcile', "immutrail: backfills events from the trail's own log files", Duration.minutes(5), 1024),
    );
    grantChainWriter(reconcile.role, this.resources);
    grantTrailRead(reconcile.role, trailBucket, config.trailPrefix, trailKey);
    this.trailReaders.push(reconcile.role);
    this.schedule('ReconcileSweep', scheduleName, RECONCILE_SWEEP_INTERVAL, reconcile.fn);
    return reconcile.fn;
  }

  /** Watchdog: the trail is logging, and deliveries per account and region keep arriving (lib/watchdog/trail-deliveries.ts). */
  private addWatchdog(config: ResolvedAuditTrailProps, props: AuditTrailProps, scheduleName: string, fnProps: FunctionPropsOf): lambda.IFunction {
    const watchdog = new TrailFunction(
      this,
      'Watchdog',
      fnProps('watchdog', 'immutrail: checks the trail is logging and events keep arriving', Duration.minutes(1), 256),
    );
    grantChainWriter(watchdog.role, this.resources);
    if (props.trailName) grantTrailWatch(watchdog.role, this.trailArn(props.trailName));
    if (props.trailBucket) {
      grantTrailList(watchdog.role, props.trailBucket, config.trailPrefix);
      this.trailListers.push(watchdog.role);
    }
    this.schedule('WatchdogSchedule', scheduleName, WATCHDOG_INTERVAL, watchdog.fn);
    return watchdog.fn;
  }

  /** Alarms on every function and the queue, and the dashboard that shows them. */
  private addPipelineMonitoring(alerts: AlertChannel, ingest: lambda.IFunction, seal: lambda.IFunction): void {
    const pipelineAlarms = addPipelineAlarms(alerts, { ingest, seal, reconcile: this.reconcileFunction, watchdog: this.watchdogFunction });
    new PipelineDashboard(this, 'Pipeline', {
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      liveStreamName: this.liveStream.streamName,
      ingest,
      seal,
      reconcile: this.reconcileFunction,
      watchdog: this.watchdogFunction,
      topic: alerts.topic,
      alarms: pipelineAlarms,
    });
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
