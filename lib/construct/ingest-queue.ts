import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALARM_PERIOD, type AlertChannel } from './alerts';
import { acknowledge } from './nag';
import { FIFO_QUEUE_BASE_MAX, physicalName } from './physical-names';

export interface IngestQueueProps {
  readonly dataKey: kms.IKey;
  readonly alerts: AlertChannel;
  /** Timeout of the function that consumes the queue; the visibility timeout is six times it. */
  readonly consumerTimeout: Duration;
  /** Receives before a message is moved to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** Alarm when the oldest message in the queue is older than this (a stuck shard). */
  readonly maxMessageAge: Duration;
}

const RETENTION = Duration.days(14);

/**
 * The FIFO queue every capture rule targets (message group = shard), its FIFO
 * dead-letter queue, and a standard queue that catches events EventBridge
 * itself could not deliver. Every queue is KMS-encrypted and TLS-only, and
 * every place an event can get stuck raises an alarm on the alert topic.
 */
export class IngestQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** EventBridge's target dead-letter queue: events it failed to put on the FIFO queue. */
  readonly deliveryFailureQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: IngestQueueProps) {
    super(scope, id);
    const base = physicalName(scope, 'ingest', FIFO_QUEUE_BASE_MAX - '-dlq'.length);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: `${base}-dlq.fifo`,
      fifo: true,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.dataKey,
      enforceSSL: true,
      retentionPeriod: RETENTION,
    });

    this.queue = new sqs.Queue(this, 'Queue', {
      // An explicit name ending in .fifo: FIFO queues require the suffix, and
      // the local AWS emulator cannot create a FIFO queue with a generated name.
      queueName: `${base}.fifo`,
      fifo: true,
      contentBasedDeduplication: true,
      // High-throughput FIFO: deduplication and the throughput quota apply per
      // message group (per shard) instead of per queue.
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.dataKey,
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
      retentionPeriod: RETENTION,
      // Lambda's guidance for SQS event sources: at least six times the function timeout,
      // so a batch being retried inside one invocation never becomes visible twice.
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });

    this.deliveryFailureQueue = new sqs.Queue(this, 'DeliveryFailureQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.dataKey,
      enforceSSL: true,
      retentionPeriod: RETENTION,
    });
    acknowledge(
      this.deliveryFailureQueue,
      'AwsSolutions-SQS3',
      'This queue is itself a dead-letter queue (of the EventBridge targets, which cdk-nag does not recognise as it does SQS redrive policies): undeliverable events land here and its depth is alarmed.',
    );

    props.alerts.alarmAbove(
      'DeadLetterAlarm',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' }),
      0,
      'immutrail: events failed ingest repeatedly and are in the dead-letter queue; they are not archived until redriven.',
    );
    props.alerts.alarmAbove(
      'DeliveryFailureAlarm',
      this.deliveryFailureQueue.metricApproximateNumberOfMessagesVisible({
        period: ALARM_PERIOD,
        statistic: 'Maximum',
      }),
      0,
      'immutrail: EventBridge could not deliver events to the ingest queue; they are not archived until replayed.',
    );
    props.alerts.alarmAbove(
      'StuckShardAlarm',
      this.queue.metricApproximateAgeOfOldestMessage({ period: ALARM_PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
      props.maxMessageAge.toSeconds(),
      'immutrail: the oldest event in the ingest queue is not being archived (a shard is stuck or ingest is failing).',
    );
  }
}
