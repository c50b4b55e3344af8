import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { ChainStore } from '../aws/chain-store';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { ENV, optionalEnv, requireEnv } from '../contract/runtime-config';
import { alertOutboxFromEnv, archiveWriterFromEnv } from '../aws/runtime-clients';
import type { DeliveryCheck } from './delivery-check';
import { DEFAULT_ACCOUNT_SILENCE_HOURS, deliveryCheckDue } from '../contract/delivery-window';
import { ShardActivityReader } from './shard-activity';
import { TrailDeliveries } from './trail-deliveries';
import type { WatchdogDeps } from './watchdog';
import { ImmutrailError } from '../core/errors';

/** The construct's default (DEFAULT_SILENCE_MINUTES), when the variable is absent. */
export const DEFAULT_SILENCE_MINUTES = 60;

export class WatchdogConfigError extends ImmutrailError {
  readonly code = 'WATCHDOG_CONFIG_INVALID';
}

export function silenceMinutesFrom(env: NodeJS.ProcessEnv): number {
  const v = optionalEnv(ENV.silenceMinutes, env);
  if (v === undefined) return DEFAULT_SILENCE_MINUTES;
  if (!/^\d+$/.test(v.trim()) || Number(v) < 1) throw new WatchdogConfigError(`${ENV.silenceMinutes}: "${v}" is not a whole number of minutes >= 1`);
  return Number(v);
}

export function accountSilenceHoursFrom(env: NodeJS.ProcessEnv): number {
  const v = optionalEnv(ENV.accountSilenceHours, env);
  if (v === undefined) return DEFAULT_ACCOUNT_SILENCE_HOURS;
  if (!/^\d+$/.test(v.trim()) || Number(v) < 1) throw new WatchdogConfigError(`${ENV.accountSilenceHours}: "${v}" is not a whole number of hours >= 1`);
  return Number(v);
}

export function expectedAccountsFrom(env: NodeJS.ProcessEnv): string[] {
  const v = optionalEnv(ENV.expectedAccounts, env);
  if (v === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string' && /^\d{12}$/.test(a))) {
    throw new WatchdogConfigError(`${ENV.expectedAccounts}: "${v}" is not a JSON array of 12-digit account ids`);
  }
  return parsed as string[];
}

/** The per-account delivery check, when the trail bucket is configured: once an hour, from the bucket's key names. */
function deliveryCheckFrom(env: NodeJS.ProcessEnv, aws: AwsTarget): DeliveryCheck | undefined {
  const bucket = optionalEnv(ENV.trailBucket, env);
  if (!bucket) return undefined;
  return {
    reader: new TrailDeliveries(new S3Client(clientConfig(aws)), bucket, optionalEnv(ENV.trailPrefix, env) ?? ''),
    expected: expectedAccountsFrom(env),
    silenceHours: accountSilenceHoursFrom(env),
    due: (now) => deliveryCheckDue(now),
  };
}

export function watchdogRuntime(env: NodeJS.ProcessEnv = process.env, target?: AwsTarget): WatchdogDeps {
  const aws = target ?? { region: env.AWS_REGION ?? 'us-east-1' };
  const ddb = new DynamoDBClient(clientConfig(aws));
  const table = requireEnv(ENV.table, env);
  const store = new ChainStore(ddb, table);
  const trailName = optionalEnv(ENV.trailName, env);
  const deliveries = deliveryCheckFrom(env, aws);
  return {
    store,
    archive: archiveWriterFromEnv(env, aws),
    origin: requireEnv(ENV.origin, env),
    ...(trailName ? { trail: { client: new CloudTrailClient(clientConfig(aws)), name: trailName } } : {}),
    activity: new ShardActivityReader(ddb, table, store),
    silenceMinutes: silenceMinutesFrom(env),
    ...(deliveries ? { deliveries } : {}),
    alerts: alertOutboxFromEnv(env, aws, ddb, table),
  };
}
