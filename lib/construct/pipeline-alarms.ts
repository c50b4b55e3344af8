import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { AlertChannel } from './alerts';

/** Where the handlers' Powertools metrics land: namespace "immutrail", dimension service = the handler. */
export const METRICS_NAMESPACE = 'immutrail';

const WINDOW = Duration.minutes(5);

/** Lost compare-and-swaps in five minutes above which writers are fighting over a shard, not just racing once. */
export const COMMIT_CONFLICTS_PER_WINDOW = 50;

function handlerMetric(service: string, metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service }, period: WINDOW, statistic: 'Sum' });
}

export interface PipelineFunctions {
  ingest: lambda.IFunction;
  /** Its errors have their own alarm (SealErrorsAlarm, over 15 minutes); only its throttles are added here. */
  seal?: lambda.IFunction;
  reconcile?: lambda.IFunction;
  watchdog?: lambda.IFunction;
}

/**
 * Alarms on the alert topic for the ways the pipeline can fail quietly
 * (issue 17): a shard batch that failed, a detector that let events through
 * without its alerts, writers fighting over a shard, a log file the trail
 * lane could not reconcile, and every function's errors and throttles. The
 * seal's errors have their own alarm next to it; its throttles are here.
 */
export function addPipelineAlarms(alerts: AlertChannel, fns: PipelineFunctions): cloudwatch.Alarm[] {
  const alarms = [
    alerts.alarmAbove(
      'IngestFailedShardsAlarm',
      handlerMetric('ingest', 'FailedShards'),
      0,
      'immutrail: a shard batch failed to commit; its messages are retried and reach the DLQ after 5 tries.',
    ),
    alerts.alarmAbove(
      'IngestDetectorFailuresAlarm',
      handlerMetric('ingest', 'DetectorFailures'),
      0,
      'immutrail: a detector kept failing and events were committed without its alerts (fail-open after the third delivery).',
    ),
    alerts.alarmAbove(
      'IngestCommitConflictsAlarm',
      handlerMetric('ingest', 'CommitConflicts'),
      COMMIT_CONFLICTS_PER_WINDOW,
      `immutrail: more than ${COMMIT_CONFLICTS_PER_WINDOW} lost compare-and-swaps on shard heads in 5 minutes: writers are fighting over a shard.`,
    ),
  ];
  if (fns.reconcile) {
    alarms.push(
      alerts.alarmAbove(
        'ReconcileFilesFailedAlarm',
        handlerMetric('reconcile', 'LogFilesFailed'),
        0,
        'immutrail: the hourly sweep could not reconcile a trail log file; it retries on the next sweep.',
      ),
    );
  }
  const functions: [string, lambda.IFunction | undefined][] = [
    ['Ingest', fns.ingest],
    ['Reconcile', fns.reconcile],
    ['Watchdog', fns.watchdog],
  ];
  for (const [name, fn] of functions) {
    if (!fn) continue;
    alarms.push(
      alerts.alarmAbove(
        `${name}ErrorsAlarm`,
        fn.metricErrors({ period: WINDOW, statistic: 'Sum' }),
        0,
        `immutrail: the ${name.toLowerCase()} function failed (errors in 5 minutes).`,
      ),
      alerts.alarmAbove(
        `${name}ThrottlesAlarm`,
        fn.metricThrottles({ period: WINDOW, statistic: 'Sum' }),
        0,
        `immutrail: the ${name.toLowerCase()} function was throttled (invocations refused in 5 minutes).`,
      ),
    );
  }
  if (fns.seal) {
    alarms.push(
      alerts.alarmAbove(
        'SealThrottlesAlarm',
        fns.seal.metricThrottles({ period: WINDOW, statistic: 'Sum' }),
        0,
        'immutrail: the seal function was throttled; no new checkpoint was signed on schedule.',
      ),
    );
  }
  return alarms;
}
