import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { onceOk } from '../lib/core/once-ok';
import { lanesRuntime } from '../lib/ingest/lanes-runtime';
import { ingestSqsBatch } from '../lib/ingest/sqs-batch';

const logger = new Logger({ serviceName: 'immutrail-ingest' });
const metrics = new Metrics({ namespace: 'immutrail', serviceName: 'ingest' });

// Built once per container (clients, detector config, Sigma rules, attestation keys); a failed build is retried.
const runtime = onceOk(() =>
  lanesRuntime().then((r) => {
    for (const reason of r.rejectedRules) logger.warn('sigma rule not loaded', { reason });
    return r;
  }),
);

async function ingest(event: SQSEvent): Promise<SQSBatchResponse> {
  const { deps } = await runtime();
  const { response, stats } = await ingestSqsBatch(
    { ...deps, onError: (shard, err) => logger.error(shard === '-' ? 'object not ingested' : 'shard batch failed', { shard, error: err as Error }) },
    event,
  );
  metrics.addMetric('EventsIn', MetricUnit.Count, stats.eventsIn);
  metrics.addMetric('StagedObjects', MetricUnit.Count, stats.stagedObjects);
  metrics.addMetric('TrailLogFiles', MetricUnit.Count, stats.trailFiles);
  metrics.addMetric('EventsRecovered', MetricUnit.Count, stats.trailRecovered);
  metrics.addMetric('RecordsCommitted', MetricUnit.Count, stats.committed);
  metrics.addMetric('Duplicates', MetricUnit.Count, stats.duplicates);
  metrics.addMetric('Quarantined', MetricUnit.Count, stats.quarantined);
  metrics.addMetric('CommitConflicts', MetricUnit.Count, stats.conflicts);
  metrics.addMetric('Alerts', MetricUnit.Count, stats.alerts);
  metrics.addMetric('FailedShards', MetricUnit.Count, stats.failedShards);
  metrics.addMetric('DetectorFailures', MetricUnit.Count, stats.detectorFailures);
  logger.info('batch ingested', { ...stats });
  return response;
}

export const handler = middy(ingest).use(injectLambdaContext(logger)).use(logMetrics(metrics));
