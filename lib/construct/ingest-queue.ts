import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALARM_PERIOD, type AlertChannel } from './alerts';
import { acknowledge } from './nag';

export interface IngestQueueProps {
  readonly dataKey: kms.IKey;
  readonly alerts: AlertChannel;
  /** Timeout of the function that consumes the queue; the visibility timeout is six times it. */
  readonly consumerTimeout: Duration;
  /** Receives before a message is moved to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** Alarm when the oldest message in the queue is older than this (ingest is stuck or failing). */
  readonly maxMessageAge: Duration;
}

const RETENTION = Duration.days(14);

/**
 * The objects queue: a standard queue that receives one "Object Created"
 * notification per staged object or trail log file (the objects rule) and is
 * the ingest function's event source; its dead-letter queue; and a queue that
 * catches what EventBridge itself could not deliver, from every rule of the
 * stack. Order does not matter here (a chain's order is the order of its
 * commits), and delivery is at least once: the ingest commit makes a
 * redelivered object a no-op. Every queue is KMS-encrypted and TLS-only, and
 * every place an event can get stuck raises an alarm on the alert topic.
 */
export class IngestQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** EventBridge's target dead-letter queue: events no rule could put into the stream or the queue. */
  readonly deliveryFailureQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: IngestQueueProps) {
    super(scope, id);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.dataKey,
      enforceSSL: true,
      retentionPeriod: RETENTION,
    });

    this.queue = new sqs.Queue(this, 'Queue', {
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
      'immutrail: staged objects or trail log files failed ingest repeatedly and are in the dead-letter queue; their events are not archived until redriven.',
    );
    props.alerts.alarmAbove(
      'DeliveryFailureAlarm',
      this.deliveryFailureQueue.metricApproximateNumberOfMessagesVisible({
        period: ALARM_PERIOD,
        statistic: 'Maximum',
      }),
      0,
      'immutrail: EventBridge could not deliver captured events to the live lane, or object notifications to the ingest queue; they are not archived until replayed.',
    );
    props.alerts.alarmAbove(
      'StuckIngestAlarm',
      this.queue.metricApproximateAgeOfOldestMessage({ period: ALARM_PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
      props.maxMessageAge.toSeconds(),
      'immutrail: the oldest object notification in the ingest queue is not being archived (ingest is failing or cannot keep up).',
    );
  }
}
