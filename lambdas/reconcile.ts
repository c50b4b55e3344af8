import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { reconcileObjects, sweepRecent, type ObjectResult } from '../lib/cloudtrail/reconcile-objects';
import { onceOk } from '../lib/core/once-ok';
import { reconcileRuntime } from '../lib/cloudtrail/runtime';
import { parseTrigger } from '../lib/cloudtrail/trigger-events';

const logger = new Logger({ serviceName: 'immutrail-reconcile' });
const metrics = new Metrics({ namespace: 'immutrail', serviceName: 'reconcile' });

// Built once per container; a failed build (a throttled KMS call) is retried by the next invocation.
const runtime = onceOk(() =>
  reconcileRuntime().then((r) => {
    for (const reason of r.rejectedRules) logger.warn('sigma rule not loaded', { reason });
    return r;
  }),
);

function record(results: readonly ObjectResult[]): { files: number; recovered: number; failed: number } {
  let recovered = 0;
  let failed = 0;
  for (const r of results) {
    if (r.status === 'reconciled') {
      recovered += r.outcome.recovered;
      logger.info('log file reconciled', {
        key: r.key,
        total: r.outcome.total,
        archived: r.outcome.archived,
        recovered: r.outcome.recovered,
        skipped: r.outcome.skipped,
        digest: r.outcome.digest,
      });
    } else if (r.status === 'unreadable') logger.error('log file unreadable', { key: r.key, code: r.code, reason: r.reason });
    else if (r.status === 'failed') {
      failed++;
      logger.error('log file not reconciled', { key: r.key, error: r.error as Error });
    }
  }
  const files = results.filter((r) => r.status === 'reconciled').length;
  metrics.addMetric('LogFilesReconciled', MetricUnit.Count, files);
  metrics.addMetric('EventsRecovered', MetricUnit.Count, recovered);
  metrics.addMetric('LogFilesFailed', MetricUnit.Count, failed);
  return { files, recovered, failed };
}

/** New trail log files (S3 notification or EventBridge "Object Created") and the hourly sweep. */
async function reconcile(event: unknown): Promise<{ files: number; recovered: number; failed: number }> {
  // A misrouted event is reported as such, whatever the state of the runtime.
  const trigger = parseTrigger(event);
  const { deps } = await runtime();
  const withLog = { ...deps, onError: (stage: string, err: unknown) => logger.error(`${stage} after commit failed`, { error: err as Error }) };
  let results: ObjectResult[];
  if (trigger.kind === 'sweep') results = await sweepRecent(withLog, { hours: trigger.hours });
  else {
    const foreign = trigger.objects.filter((o) => o.bucket !== deps.trail.bucket);
    for (const o of foreign) logger.warn('object of another bucket ignored', { bucket: o.bucket, key: o.key });
    results = await reconcileObjects(
      withLog,
      trigger.objects.filter((o) => o.bucket === deps.trail.bucket).map((o) => o.key),
    );
  }
  const summary = record(results);
  // Failures are thrown so the invocation is retried (EventBridge retries, the next sweep covers the rest).
  if (summary.failed > 0) throw new Error(`${summary.failed} log file(s) could not be reconciled`);
  return summary;
}

export const handler = middy(reconcile).use(injectLambdaContext(logger)).use(logMetrics(metrics));
