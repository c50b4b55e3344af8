import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { AlertChannel } from './alerts';
import { addPipelineAlarms } from './pipeline-alarms';
import { PipelineDashboard } from './pipeline-dashboard';

/** What the alarms and the dashboard watch. */
export interface MonitoredPipeline {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly liveStreamName: string;
  readonly ingest: lambda.IFunction;
  readonly seal: lambda.IFunction;
  readonly reconcile?: lambda.IFunction;
  readonly watchdog?: lambda.IFunction;
}

/** Alarms on every function and the queue, and the dashboard that shows them. */
export function addPipelineMonitoring(scope: Construct, alerts: AlertChannel, p: MonitoredPipeline): void {
  const pipelineAlarms = addPipelineAlarms(alerts, { ingest: p.ingest, seal: p.seal, reconcile: p.reconcile, watchdog: p.watchdog });
  new PipelineDashboard(scope, 'Pipeline', {
    queue: p.queue,
    deadLetterQueue: p.deadLetterQueue,
    liveStreamName: p.liveStreamName,
    ingest: p.ingest,
    seal: p.seal,
    reconcile: p.reconcile,
    watchdog: p.watchdog,
    topic: alerts.topic,
    alarms: pipelineAlarms,
  });
}
