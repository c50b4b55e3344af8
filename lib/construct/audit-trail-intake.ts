import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { AuditTrailConfigError } from '../contract/errors';
import { ALARM_PERIOD, type AlertChannel } from './alerts';
import type { AuditTrailProps, ResolvedAuditTrailProps } from './audit-trail-props';
import { INGEST_TIMEOUT, LIVE_DELIVERY_STUCK_AGE, MAX_RECEIVE_COUNT, STAGING_EXPIRATION, STUCK_INGEST_AGE } from './audit-trail-settings';
import type { TrailStorage } from './audit-trail-storage';
import { CaptureRules, ObjectsRule } from './event-rules';
import { IngestQueue } from './ingest-queue';
import { LiveStream } from './live-stream';
import { type ObjectSource, STAGING_LIVE_PREFIX } from './objects-pattern';
import { StagingBucket } from './staging-bucket';
import { TrailAccountEvents } from './trail-account-events';
import { TrailBucketNotifications } from './trail-bucket-notifications';

/** How the log-archive account's trail bucket reports new log files (only with trailBucketAccount). */
export type TrailNotifications = 'queue' | 'eventbridge';

/** Both lanes up to the ingest queue. */
export interface TrailIntake {
  ingestQueue: IngestQueue;
  staging: StagingBucket;
  liveStream: LiveStream;
  capture: CaptureRules;
  objects: ObjectsRule;
}

/** Both lanes up to the ingest queue: the queue, the live lane's staging bucket and stream, the capture and objects rules. */
export function addIntake(
  scope: Construct,
  config: ResolvedAuditTrailProps,
  props: AuditTrailProps,
  store: TrailStorage,
  trailNotifications: TrailNotifications | undefined,
): TrailIntake {
  const { keys, alerts } = store;
  const ingestQueue = new IngestQueue(scope, 'IngestQueue', {
    dataKey: keys.dataKey,
    alerts,
    consumerTimeout: INGEST_TIMEOUT,
    maxReceiveCount: MAX_RECEIVE_COUNT,
    maxMessageAge: STUCK_INGEST_AGE,
  });
  const staging = new StagingBucket(scope, 'Staging', {
    dataKey: keys.dataKey,
    expiration: STAGING_EXPIRATION,
    accessLogs: store.archive.logBucket,
  });
  const liveStream = addLiveStream(scope, staging, keys.dataKey, config, alerts);
  const capture = new CaptureRules(scope, 'Capture', {
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
    ...(props.trailBucket && trailNotifications !== 'queue' ? [{ bucket: props.trailBucket.bucketName, prefix: config.trailPrefix }] : []),
  ];
  const objects = new ObjectsRule(scope, 'Objects', {
    sources: objectSources,
    queue: ingestQueue.queue,
    deliveryFailureQueue: ingestQueue.deliveryFailureQueue,
  });
  return { ingestQueue, staging, liveStream, capture, objects };
}

/** The live lane's Firehose stream into the staging bucket, with an alarm when it holds events too long. */
function addLiveStream(scope: Construct, staging: StagingBucket, dataKey: kms.IKey, config: ResolvedAuditTrailProps, alerts: AlertChannel): LiveStream {
  const liveStream = new LiveStream(scope, 'Live', {
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

/** The trail bucket in the log-archive account reaches the ingest queue directly (S3 notifications) or through the bus. */
export function admitLogArchive(
  scope: Construct,
  props: AuditTrailProps,
  trailNotifications: TrailNotifications | undefined,
  queue: sqs.IQueue,
  queueKey: kms.IKey,
): void {
  if (props.trailBucketAccount === undefined) return;
  if (trailNotifications === 'eventbridge') {
    new TrailAccountEvents(scope, 'TrailAccountEvents', props.trailBucketAccount);
    return;
  }
  if (!props.trailBucket) throw new AuditTrailConfigError('INVALID_CONTEXT', 'trailBucketAccount needs trailBucket (the bucket in that account)');
  new TrailBucketNotifications(scope, 'TrailBucketNotifications', {
    queue,
    queueKey,
    trailBucketArn: props.trailBucket.bucketArn,
    trailBucketAccount: props.trailBucketAccount,
  });
}
