import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { runWitness } from '../lib/witness/run-witness';
import { WITNESS_ENV, witnessRuntime } from '../lib/witness/runtime';
import { secretFromExtension } from '../lib/witness/secret';
import type { WitnessDeps } from '../lib/witness/witness-deps';

const logger = new Logger({ serviceName: 'immutrail-witness' });
const metrics = new Metrics({ namespace: 'immutrail', serviceName: 'witness' });
let deps: WitnessDeps | undefined;

/** Scheduled: cosign every shard checkpoint consistent with the last one cosigned; alert and stop a shard on the first that is not. */
async function witnessHandler(): Promise<{ cosigned: number; refused: string[] }> {
  deps ??= {
    ...witnessRuntime(process.env, await secretFromExtension(process.env[WITNESS_ENV.secretId] ?? '')),
    onOfferError: (err, shard, stem) =>
      logger.warn('copy to the audit bucket refused (its policy may not allow this witness)', { shard, stem, error: err as Error }),
  };
  const outcomes = await runWitness(deps);
  const refused = outcomes.filter((o) => o.refused);
  for (const o of refused) logger.error('witness refusing shard', { shard: o.shard, code: o.refused });
  const cosigned = outcomes.reduce((n, o) => n + o.cosigned, 0);
  metrics.addMetric('Cosigned', MetricUnit.Count, cosigned);
  metrics.addMetric('RefusedShards', MetricUnit.Count, refused.length);
  logger.info('witnessed', { shards: outcomes.length, cosigned, raced: outcomes.filter((o) => o.raced).length });
  return { cosigned, refused: refused.map((o) => o.shard) };
}

export const handler = middy(witnessHandler).use(injectLambdaContext(logger)).use(logMetrics(metrics));
