import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { ENV, optionalEnv } from '../contract/runtime-config';
import { BucketDigestLookup } from '../cloudtrail/digest';
import { reconcileObjects, type ObjectReconcileDeps } from '../cloudtrail/reconcile-objects';
import { captureFromEnv } from '../cloudtrail/runtime';
import { TrailBucket } from '../cloudtrail/trail-bucket';
import { liveRouter } from './live-route';
import { ingestRuntime, type IngestRuntime } from '../commit/runtime';
import type { AlertOutbox } from '../aws/alert-outbox';
import type { IngestDeps, StagingObjects, TrailLane } from './sqs-batch';

/** Staged objects of the live lane, read whole (a few MB at most: Firehose's buffer size). */
export function stagingObjects(s3: S3Client, bucket: string, prefix: string): StagingObjects {
  return {
    bucket,
    prefix,
    async get(key) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await out.Body!.transformToByteArray());
    },
  };
}

/** The trail lane over reconcileObjects: coverage, digests and missed-event alerts as reconcile always did. */
export function trailLane(deps: ObjectReconcileDeps): TrailLane {
  return {
    bucket: deps.trail.bucket,
    async reconcile(keys, opts = {}) {
      const settings = { ...deps.settings, ...(opts.deferMissedLive ? { deferMissedLive: opts.deferMissedLive } : {}) };
      const results = await reconcileObjects({ ...deps, settings }, keys);
      let recovered = 0;
      for (const r of results) if (r.status === 'reconciled') recovered += r.outcome.recovered;
      return {
        failed: results.filter((r) => r.status === 'failed').map((r) => r.key),
        deferred: results.filter((r) => r.status === 'deferred').map((r) => r.key),
        recovered,
        files: results.filter((r) => r.status === 'reconciled').length,
      };
    },
  };
}

/** The commit path's runtime, with what only the ingest function routes: live events, staged objects, trail log files. */
export interface LanesRuntime extends IngestRuntime {
  deps: IngestDeps & { alerts: AlertOutbox };
}

/**
 * The ingest function's runtime for both lanes: the chain path of
 * ingestRuntime, the live router from the shard plan, the staging bucket
 * (IMMUTRAIL_STAGING_BUCKET) and, when IMMUTRAIL_TRAIL_BUCKET is set, the trail lane.
 */
export async function lanesRuntime(env: NodeJS.ProcessEnv = process.env, target?: AwsTarget): Promise<LanesRuntime> {
  const base = await ingestRuntime(env, target);
  const aws = target ?? { region: env.AWS_REGION ?? 'us-east-1' };
  const s3 = new S3Client(clientConfig(aws));
  const capture = captureFromEnv(env);
  const stagingBucket = optionalEnv(ENV.stagingBucket, env);
  const trailBucket = optionalEnv(ENV.trailBucket, env);
  const trail = trailBucket ? new TrailBucket(s3, trailBucket, optionalEnv(ENV.trailPrefix, env) ?? '') : undefined;
  return {
    ...base,
    deps: {
      ...base.deps,
      route: liveRouter(capture.plan),
      ...(stagingBucket ? { staging: stagingObjects(s3, stagingBucket, optionalEnv(ENV.stagingPrefix, env) ?? 'live/') } : {}),
      ...(trail
        ? {
            trail: trailLane({
              ...base.deps,
              trail,
              settings: { route: capture.route, live: capture.live, coverageShard: capture.coverageShard, coverageShardOf: capture.coverageShardOf },
              digests: () => new BucketDigestLookup(trail),
            }),
          }
        : {}),
    },
  };
}
