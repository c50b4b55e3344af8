import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from './pipeline-alarms';

export interface PipelineDashboardProps {
  /** The ingest queue and its dead-letter queue: how far behind ingest is. */
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  /** The live lane's Firehose stream, whose data freshness is the live lane's lag. @default no live-lane widget */
  readonly liveStreamName?: string;
  readonly ingest: lambda.IFunction;
  readonly seal: lambda.IFunction;
  /** @default no reconcile widgets (no trail bucket) */
  readonly reconcile?: lambda.IFunction;
  /** @default no watchdog widgets (watchdog disabled) */
  readonly watchdog?: lambda.IFunction;
  readonly topic: sns.ITopic;
  /** Alarms shown in a status row at the top. @default none */
  readonly alarms?: readonly cloudwatch.IAlarm[];
}

const PERIOD = Duration.minutes(5);

/** A Powertools metric one handler emits (namespace "immutrail", dimension service). */
function handlerMetric(service: string, metricName: string, label: string, statistic = 'Sum'): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service }, period: PERIOD, statistic, label });
}

function graph(title: string, left: cloudwatch.IMetric[], width = 8): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left, width, height: 6 });
}

/**
 * One CloudWatch dashboard for the pipeline (issue 17): how far behind
 * ingest is, what each function does and how it fails, what was committed,
 * how many alerts were raised and published, and whether the seal keeps
 * signing. Metric names are the ones the handlers emit (lambdas/*.ts).
 */
export class PipelineDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const fns: [string, lambda.IFunction | undefined][] = [
      ['ingest', props.ingest],
      ['seal', props.seal],
      ['reconcile', props.reconcile],
      ['watchdog', props.watchdog],
    ];
    const present = fns.filter((f): f is [string, lambda.IFunction] => f[1] !== undefined);
    const perFunction: PerFunction = (metric) => present.map(([name, fn]) => metric(fn).with({ label: name }));

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    if (props.alarms && props.alarms.length > 0) {
      this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Pipeline alarms', alarms: [...props.alarms], width: 24 }));
    }
    this.dashboard.addWidgets(...backlogRow(props, perFunction));
    this.dashboard.addWidgets(...failureRow(props, perFunction));
    this.dashboard.addWidgets(...outputRow(props));
    this.dashboard.addWidgets(
      new cloudwatch.SingleValueWidget({
        title: 'Records under the latest checkpoint',
        metrics: [handlerMetric('seal', 'CheckpointSize', 'checkpoint size', 'Maximum')],
        width: 8,
        height: 4,
      }),
    );
  }
}

/** One metric per deployed function, labelled with its name. */
type PerFunction = (metric: (fn: lambda.IFunction) => cloudwatch.Metric) => cloudwatch.Metric[];

/** How far behind ingest is: the queue's oldest message and the live lane's freshness, the queue's depth, and invocations. */
function backlogRow(props: PipelineDashboardProps, perFunction: PerFunction): cloudwatch.IWidget[] {
  const freshness = props.liveStreamName
    ? [
        new cloudwatch.Metric({
          namespace: 'AWS/Firehose',
          metricName: 'DeliveryToS3.DataFreshness',
          dimensionsMap: { DeliveryStreamName: props.liveStreamName },
          period: PERIOD,
          statistic: 'Maximum',
          label: 'live lane (Firehose) data freshness',
        }),
      ]
    : [];
  return [
    graph('Ingest age (seconds)', [
      props.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum', label: 'oldest queued message' }),
      ...freshness,
    ]),
    graph('Ingest depth (messages)', [
      props.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: 'queued' }),
      props.queue.metricApproximateNumberOfMessagesNotVisible({ period: PERIOD, statistic: 'Maximum', label: 'in flight' }),
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: 'dead-letter queue' }),
    ]),
    graph(
      'Invocations',
      perFunction((fn) => fn.metricInvocations({ period: PERIOD, statistic: 'Sum' })),
    ),
  ];
}

/** How the functions fail: errors, throttles, and the ingest's own failure counts. */
function failureRow(props: PipelineDashboardProps, perFunction: PerFunction): cloudwatch.IWidget[] {
  return [
    graph(
      'Errors',
      perFunction((fn) => fn.metricErrors({ period: PERIOD, statistic: 'Sum' })),
    ),
    graph(
      'Throttles',
      perFunction((fn) => fn.metricThrottles({ period: PERIOD, statistic: 'Sum' })),
    ),
    graph('Ingest failures', [
      handlerMetric('ingest', 'FailedShards', 'failed shard batches'),
      handlerMetric('ingest', 'DetectorFailures', 'detector failures (fail-open)'),
      handlerMetric('ingest', 'CommitConflicts', 'lost compare-and-swaps'),
      handlerMetric('ingest', 'Quarantined', 'quarantined events'),
      ...(props.reconcile ? [handlerMetric('reconcile', 'LogFilesFailed', 'trail files not reconciled')] : []),
    ]),
  ];
}

/** What the pipeline produced: commits, alerts raised and published, and seals. */
function outputRow(props: PipelineDashboardProps): cloudwatch.IWidget[] {
  return [
    graph('Commits', [
      handlerMetric('ingest', 'EventsIn', 'live events in'),
      handlerMetric('ingest', 'RecordsCommitted', 'records committed'),
      handlerMetric('ingest', 'Duplicates', 'duplicates skipped'),
      handlerMetric('ingest', 'EventsRecovered', 'recovered from trail files (ingest)'),
      ...(props.reconcile ? [handlerMetric('reconcile', 'EventsRecovered', 'recovered by the hourly sweep')] : []),
    ]),
    graph('Alerts', [
      handlerMetric('ingest', 'Alerts', 'raised by detectors'),
      ...(props.watchdog ? [handlerMetric('watchdog', 'AlertsCommitted', 'raised by the watchdog')] : []),
      props.topic.metricNumberOfMessagesPublished({ period: PERIOD, statistic: 'Sum', label: 'published to the topic (alerts, digests, alarms)' }),
      handlerMetric('seal', 'AlertsRepublished', 'published by the outbox sweep'),
      handlerMetric('seal', 'SuppressionDigestsSent', 'suppression digests'),
      props.topic.metricNumberOfNotificationsFailed({ period: PERIOD, statistic: 'Sum', label: 'deliveries to subscribers failed' }),
    ]),
    graph('Seal', [
      // One sample per successful seal: a gap means no new checkpoint (the seal's age grows).
      handlerMetric('seal', 'CheckpointSize', 'seals completed', 'SampleCount'),
      handlerMetric('seal', 'WitnessFailures', 'witness copies failed'),
    ]),
  ];
}
