import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { watchdogRuntime } from '../lib/watchdog/runtime';
import { runWatchdog } from '../lib/watchdog/watchdog';

const logger = new Logger({ serviceName: 'immutrail-watchdog' });
const metrics = new Metrics({ namespace: 'immutrail', serviceName: 'watchdog' });
const deps = watchdogRuntime();

/** Scheduled: the trail exists, logs, covers every region and management writes, events keep arriving, and every account and region delivers. */
async function watchdog(): Promise<{ findings: string[]; alerts: number }> {
  const { findings, alerts, deliveries } = await runWatchdog({ ...deps, onError: (err) => logger.error('alert publish failed', { error: err as Error }) });
  for (const f of findings) logger.warn('watchdog finding', { check: f.check, severity: f.severity, summary: f.summary });
  metrics.addMetric('Findings', MetricUnit.Count, findings.length);
  metrics.addMetric('AlertsCommitted', MetricUnit.Count, alerts.length);
  if (deliveries?.requests != null) {
    // The hourly listing of the trail bucket: its cost grows with accounts x regions (lib/watchdog/trail-deliveries.ts).
    logger.info('deliveries checked', deliveries);
    metrics.addMetric('DeliveryListRequests', MetricUnit.Count, deliveries.requests);
  }
  return { findings: findings.map((f) => f.check), alerts: alerts.length };
}

export const handler = middy(watchdog).use(injectLambdaContext(logger)).use(logMetrics(metrics));
