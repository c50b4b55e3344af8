import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../core/alert';
import { parseSuppressSeconds, SuppressionWindow } from '../core/detect/suppression';
import { AlertOutbox } from '../aws/alert-outbox';
import { AlertPublisher } from '../aws/alert-publisher';
import { ArchiveWriter } from '../aws/archive-writer';
import { ChainStore } from '../aws/chain-store';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { ENV, optionalEnv, requireEnv } from '../aws/runtime-config';
import { DynamoSuppressionStore } from '../aws/suppression-store';
import { FlaggedAlertDelivery } from '../trail/alert-delivery';
import { ShardActivityReader } from './shard-activity';
import type { WatchdogDeps } from './watchdog';

/** The construct's default (DEFAULT_SILENCE_MINUTES), when the variable is absent. */
export const DEFAULT_SILENCE_MINUTES = 60;

export class WatchdogConfigError extends Error {
  readonly code = 'WATCHDOG_CONFIG_INVALID';
}

export function silenceMinutesFrom(env: NodeJS.ProcessEnv): number {
  const v = optionalEnv(ENV.silenceMinutes, env);
  if (v === undefined) return DEFAULT_SILENCE_MINUTES;
  if (!/^\d+$/.test(v.trim()) || Number(v) < 1) throw new WatchdogConfigError(`${ENV.silenceMinutes}: "${v}" is not a whole number of minutes >= 1`);
  return Number(v);
}

export function watchdogRuntime(env: NodeJS.ProcessEnv = process.env, target?: AwsTarget): WatchdogDeps {
  const aws = target ?? { region: env.AWS_REGION ?? 'us-east-1' };
  const ddb = new DynamoDBClient(clientConfig(aws));
  const table = requireEnv(ENV.table, env);
  const store = new ChainStore(ddb, table);
  const topicArn = optionalEnv(ENV.alertTopicArn, env);
  const publisher = topicArn
    ? new AlertPublisher({
        sns: new SNSClient(clientConfig(aws)),
        topicArn,
        suppression: { window: new SuppressionWindow(parseSuppressSeconds(env)), store: new DynamoSuppressionStore(ddb, table) },
      })
    : { publish: async (a: Alert) => ({ alertId: a.id, status: 'suppressed' as const, suppressedSoFar: 0 }) };
  const trailName = optionalEnv(ENV.trailName, env);
  return {
    store,
    archive: new ArchiveWriter(new S3Client(clientConfig(aws)), { bucket: requireEnv(ENV.archiveBucket, env), retentionDays: Number(optionalEnv(ENV.retentionDays, env) ?? 0) }),
    origin: requireEnv(ENV.origin, env),
    ...(trailName ? { trail: { client: new CloudTrailClient(clientConfig(aws)), name: trailName } } : {}),
    activity: new ShardActivityReader(ddb, table, store),
    silenceMinutes: silenceMinutesFrom(env),
    alerts: new FlaggedAlertDelivery(ddb, table, new AlertOutbox(ddb, table, publisher)),
  };
}
