import { S3Client } from '@aws-sdk/client-s3';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { ENV, optionalEnv, requireEnv } from '../contract/runtime-config';
import type { ShardRoute } from '../contract/shards';
import { ingestRuntime } from '../commit/runtime';
import { apiShardForAccount, apiShardOf, captureRouter, type CaptureRouter } from './capture';
import { BucketDigestLookup } from './digest';
import type { ObjectReconcileDeps } from './reconcile-objects';
import { TrailBucket } from './trail-bucket';
import { ImmutrailError } from '../core/errors';

export class ReconcileConfigError extends ImmutrailError {
  readonly code = 'RECONCILE_CONFIG_INVALID';
}

function jsonEnv(env: NodeJS.ProcessEnv, name: (typeof ENV)[keyof typeof ENV]): unknown {
  const v = optionalEnv(name, env);
  if (v === undefined) return undefined;
  try {
    return JSON.parse(v);
  } catch {
    throw new ReconcileConfigError(`${name} is not JSON`);
  }
}

/** The capture filter and shards from the same environment the construct gives every handler. */
export function captureFromEnv(env: NodeJS.ProcessEnv = process.env): {
  route: CaptureRouter;
  live: CaptureRouter;
  coverageShard: string;
  coverageShardOf: (account: string) => string;
  plan?: ShardRoute[];
} {
  const sources = jsonEnv(env, ENV.apiCallSources);
  if (sources !== undefined && !(Array.isArray(sources) && sources.every((s) => typeof s === 'string'))) {
    throw new ReconcileConfigError(`${ENV.apiCallSources} must be a JSON array of strings`);
  }
  const plan = jsonEnv(env, ENV.shardPlan);
  if (plan !== undefined && !(Array.isArray(plan) && plan.every((r) => typeof r?.shard === 'string' && typeof r?.family === 'string'))) {
    throw new ReconcileConfigError(`${ENV.shardPlan} must be a JSON array of shard routes`);
  }
  const routes = plan as ShardRoute[] | undefined;
  const router = (captureReadOnly: boolean) =>
    captureRouter({ captureReadOnly, ...(routes ? { plan: routes } : {}), ...(sources ? { apiCallSources: sources as string[] } : {}) });
  return {
    route: router(optionalEnv(ENV.captureReadOnly, env) === 'true'),
    // The live lane carries write calls only; read-only calls come by the trail lane alone.
    live: router(false),
    coverageShard: apiShardOf(routes),
    coverageShardOf: (account: string) => apiShardForAccount(routes, account),
    ...(routes ? { plan: routes } : {}),
  };
}

/** Everything the reconcile Lambda needs, built once per container: the ingest path plus the trail bucket. */
export async function reconcileRuntime(
  env: NodeJS.ProcessEnv = process.env,
  target?: AwsTarget,
): Promise<{ deps: ObjectReconcileDeps; rejectedRules: string[] }> {
  const base = await ingestRuntime(env, target);
  const aws = target ?? { region: env.AWS_REGION ?? 'us-east-1' };
  const trail = new TrailBucket(new S3Client(clientConfig(aws)), requireEnv(ENV.trailBucket, env), optionalEnv(ENV.trailPrefix, env) ?? '');
  return {
    rejectedRules: base.rejectedRules,
    deps: {
      ...base.deps,
      trail,
      settings: captureFromEnv(env),
      digests: () => new BucketDigestLookup(trail),
    },
  };
}
