import { DETECTION_ENV } from '../core/detect/config-env';

/**
 * The contract between the CDK construct (which sets these environment
 * variables on each Lambda) and the handlers (which read them once at init).
 * The detectors' own settings are named in lib/core/detect/config-env.ts.
 */
export const ENV = {
  archiveBucket: 'IMMUTRAIL_ARCHIVE_BUCKET',
  table: 'IMMUTRAIL_TABLE',
  signingKeyId: 'IMMUTRAIL_SIGNING_KEY_ID',
  alertTopicArn: 'IMMUTRAIL_ALERT_TOPIC_ARN',
  origin: 'IMMUTRAIL_ORIGIN',
  /** Object Lock COMPLIANCE retention applied to every object written, in days; 0 = rely on the bucket default only. */
  retentionDays: 'IMMUTRAIL_RETENTION_DAYS',
  ...DETECTION_ENV,
  witnessBucket: 'IMMUTRAIL_WITNESS_BUCKET',
  trailName: 'IMMUTRAIL_TRAIL_NAME',
  trailBucket: 'IMMUTRAIL_TRAIL_BUCKET',
  trailPrefix: 'IMMUTRAIL_TRAIL_PREFIX',
  silenceMinutes: 'IMMUTRAIL_SILENCE_MINUTES',
  /** JSON array of 12-digit account ids that must deliver trail log files; absent = the accounts seen delivering. */
  expectedAccounts: 'IMMUTRAIL_EXPECTED_ACCOUNTS',
  /** Hours without a log file before an account or region is reported silent (watchdog). */
  accountSilenceHours: 'IMMUTRAIL_ACCOUNT_SILENCE_HOURS',
  captureReadOnly: 'IMMUTRAIL_CAPTURE_READ_ONLY',
  /** Folder of the project's Sigma rules inside the bundle (default: rules/sigma next to the handler). */
  sigmaRuleDir: 'IMMUTRAIL_SIGMA_RULE_DIR',
  /** Optional folder of the user's own Sigma rules inside the bundle. */
  userSigmaRuleDir: 'IMMUTRAIL_USER_SIGMA_RULE_DIR',
  /** JSON array of CloudTrail eventSource values the API-call rule captures; absent = every service. */
  apiCallSources: 'IMMUTRAIL_API_CALL_SOURCES',
  /** JSON array of ShardRoute (lib/contract/shards.ts): which rule delivers which events into which shard. */
  shardPlan: 'IMMUTRAIL_SHARD_PLAN',
  /** The live lane's staging bucket: Firehose writes newline-delimited EventBridge events there. */
  stagingBucket: 'IMMUTRAIL_STAGING_BUCKET',
  /** Key prefix of the live lane's staged objects in the staging bucket ("live/"). */
  stagingPrefix: 'IMMUTRAIL_STAGING_PREFIX',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

export function requireEnv(name: EnvName, env: NodeJS.ProcessEnv = process.env): string {
  const v = env[name];
  if (v === undefined || v === '') throw new Error(`missing environment variable ${name}`);
  return v;
}

export function optionalEnv(name: EnvName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}
