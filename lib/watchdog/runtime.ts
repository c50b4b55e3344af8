import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChainStore } from '../aws/chain-store';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { ENV, optionalEnv, requireEnv } from '../aws/runtime-config';
import { alertOutboxFromEnv, archiveWriterFromEnv } from '../aws/runtime-clients';
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
  const trailName = optionalEnv(ENV.trailName, env);
  return {
    store,
    archive: archiveWriterFromEnv(env, aws),
    origin: requireEnv(ENV.origin, env),
    ...(trailName ? { trail: { client: new CloudTrailClient(clientConfig(aws)), name: trailName } } : {}),
    activity: new ShardActivityReader(ddb, table, store),
    silenceMinutes: silenceMinutesFrom(env),
    alerts: alertOutboxFromEnv(env, aws, ddb, table),
  };
}
