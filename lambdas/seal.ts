import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { runSeal, sealRuntime } from '../lib/seal/runtime';

const logger = new Logger({ serviceName: 'immutrail-seal' });
const metrics = new Metrics({ namespace: 'immutrail', serviceName: 'seal' });
const runtime = sealRuntime(process.env, undefined, (err) => {
  logger.error('witness copy failed', { error: err as Error });
  metrics.addMetric('WitnessFailures', MetricUnit.Count, 1);
});

/** Scheduled: sign a checkpoint over every shard (even when idle), extend the proof tiles, publish alerts left in the outbox. */
async function sealHandler(): Promise<{ key: string; size: number; republished: number }> {
  const { signed, key, republished, digestsSent, tileError } = await runSeal(runtime);
  if (tileError) logger.error('tiles not extended (proofs stay correct, with more reads)', { error: tileError as Error });
  metrics.addMetric('CheckpointSize', MetricUnit.Count, signed.checkpoint.size);
  metrics.addMetric('AlertsRepublished', MetricUnit.Count, republished);
  metrics.addMetric('SuppressionDigestsSent', MetricUnit.Count, digestsSent);
  logger.info('sealed', { key, size: signed.checkpoint.size, shards: signed.checkpoint.shards.length, republished, digestsSent });
  return { key, size: signed.checkpoint.size, republished };
}

export const handler = middy(sealHandler).use(injectLambdaContext(logger)).use(logMetrics(metrics));
