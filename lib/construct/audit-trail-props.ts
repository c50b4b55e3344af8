import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { DetectionConfigError, type DeployerConfig, type ImmutableScope, type UnknownTagsPolicy, parseDeployers, parseScope } from '../core/detect/config';
import { type AccountDetectionOverride, type ResolvedAccountDetection, resolveAccountDetection } from './account-detection';
import { AuditTrailConfigError } from '../contract/errors';
import type { WitnessPrincipal } from './witness/witness-access-policy';
import { type CaptureOptions, validateApiCallSources } from '../contract/event-patterns';
import { DEFAULT_SHARDS, type ShardMap, type ShardRoute, planShards } from '../contract/shards';
import { DEFAULT_ACCOUNT_SILENCE_HOURS } from '../contract/delivery-window';

/** Which resources drift detection treats as immutable (the detectors' ImmutableScope, with defaults optional). */
export type ImmutableScopeInput =
  | { readonly mode: 'all' }
  | { readonly mode: 'tag'; readonly key: string; readonly value?: string; readonly unknownTags?: UnknownTagsPolicy }
  | { readonly mode: 'types'; readonly types: readonly string[] };

export interface AuditTrailProps {
  /**
   * Object Lock COMPLIANCE retention of every archived object, in days. Nobody,
   * including the account root user, can delete a record before it expires,
   * and the bucket policy forbids changing it after deployment.
   * @default 365
   */
  readonly retentionDays?: number;
  /**
   * Shard id -> the event families (and optionally source accounts) it chains.
   * Each (shard, family) pair becomes one EventBridge rule with that route's
   * pattern; the ingest function puts each event into the shard whose route
   * matches it (shardForEvent). More shards = more parallel chains.
   * @default one shard per family: api, ec2, ecs, autoscaling, ecr, drift
   */
  readonly shards?: ShardMap;
  /**
   * Also archive read-only API calls (Get/Describe/List...). High volume. With
   * `trailBucket` they come from the trail's log files only (the trail must
   * record read events); without it, through the live lane. @default false
   */
  readonly captureReadOnlyApiCalls?: boolean;
  /** Only archive API calls from these services (CloudTrail eventSource, e.g. "ec2.amazonaws.com"). @default every service */
  readonly apiCallSources?: readonly string[];
  /**
   * Principals allowed to change infrastructure: role ARNs or ARN globs such
   * as "arn:aws:iam::*:role/cdk-*-cfn-exec-role-*", and service principals
   * ("cloudformation.amazonaws.com" is always included). Changes by anyone
   * else are drift.
   * @default none besides CloudFormation itself
   */
  readonly deployerPrincipals?: readonly string[];
  /** Which resources are immutable infrastructure. @default { mode: 'all' } */
  readonly immutableScope?: ImmutableScopeInput;
  /** KMS asymmetric keys whose attestations (immutrail attest) are trusted for launches. @default none */
  readonly attestationKeys?: readonly kms.IKey[];
  /** Subscribe this e-mail address to the alert topic (the created one, or alertTopic). */
  readonly alertEmail?: string;
  /** Publish alerts to this existing topic instead of creating one. */
  readonly alertTopic?: sns.ITopic;
  /**
   * Archive into this existing bucket instead of creating one. It must have
   * Object Lock enabled; its policy is managed by you (a warning says so).
   */
  readonly archiveBucket?: s3.IBucket;
  /**
   * Also write every checkpoint here (a witness, ideally in another account
   * whose bucket policy lets this stack's seal function put objects).
   */
  readonly witnessBucket?: s3.IBucket;
  /**
   * How long the live lane's Firehose stream collects events before it writes
   * them as one staged object (0 to 900 s; it also writes at 5 MiB). Longer
   * means fewer, larger objects and commits; shorter means faster alerts.
   * @default Duration.seconds(30)
   */
  readonly liveBatchingWindow?: Duration;
  /**
   * The bucket the trail delivers log files to: enables the trail lane (each
   * new log file is ingested; the bucket must send its events to EventBridge)
   * and reconcile's hourly sweep.
   */
  readonly trailBucket?: s3.IBucket;
  /** Key prefix of the trail's log files in trailBucket (without AWSLogs/). @default '' */
  readonly trailPrefix?: string;
  /** KMS key the trail encrypts its log files with, if any. */
  readonly trailKey?: kms.IKey;
  /**
   * The account that owns trailBucket, when it is not this one (an
   * organization trail's bucket in the log-archive account): this account's
   * default event bus then accepts that account's events, so the bucket's
   * "Object Created" events forwarded from there reach the objects rule.
   * `immutrail org-policy` prints what the log-archive account must add.
   * Setting it enables the watchdog, whose per-account delivery check lists
   * the bucket's key names.
   * @default the trail bucket is in this account
   */
  readonly trailBucketAccount?: string;
  /**
   * How the trail bucket in another account (trailBucketAccount) reports new
   * log files. 'queue': S3 event notifications straight to the ingest queue
   * (the stack admits that bucket in the queue and key policies; no
   * EventBridge charge). 'eventbridge': the bucket's "Object Created" events,
   * forwarded by a rule in the log-archive account to this account's default
   * bus, for a bucket whose notifications for that prefix are already taken.
   * Ignored without trailBucketAccount.
   * @default 'queue'
   */
  readonly trailNotifications?: 'queue' | 'eventbridge';
  /**
   * The AWS Organizations id (o-...) whose member accounts forward their live
   * lane events (ImmutrailMemberStack): this account's default bus accepts
   * PutEvents from any principal of the organization.
   * @default no member account forwards here
   */
  readonly organizationId?: string;
  /**
   * Accounts whose member stacks forward here, when not all the organization's
   * (or without AWS Organizations): 12-digit ids, admitted on the default bus.
   * @default none
   */
  readonly memberAccounts?: readonly string[];
  /**
   * Every account of the organization (12-digit ids). An account outside it
   * that touches a resource of it (a snapshot or AMI shared with it, a call
   * it makes, a role it assumes) raises a foreign-account alert.
   * @default the accounts the stack is configured with: its own, trailBucketAccount, memberAccounts, the shards' and accountOverrides' accounts
   */
  readonly organizationAccounts?: readonly string[];
  /**
   * Detection settings of single accounts (12-digit id -> settings): each
   * field given replaces deployerPrincipals, immutableScope or
   * attestationKeys whole for events of that account.
   * @default none: every account uses the organization-wide deployerPrincipals, immutableScope and attestationKeys
   */
  readonly accountOverrides?: Readonly<Record<string, AccountDetectionOverride>>;
  /** Name or ARN of the trail to watch (logging, multi-region, validation, selectors). Enables the watchdog. */
  readonly trailName?: string;
  /** Alert when no event at all arrived for this long. Setting it enables the watchdog even without a trail. @default 60 */
  readonly silenceMinutes?: number;
  /**
   * Accounts that must deliver CloudTrail log files to trailBucket (12-digit
   * ids): the watchdog alerts when one has delivered nothing for
   * accountSilenceHours, even if it never delivered at all. Setting it enables
   * the watchdog.
   * @default the accounts seen delivering in the last 2 days (accountSilenceHours + 24 hours)
   */
  readonly expectedAccounts?: readonly string[];
  /**
   * Alert when an account of trailBucket, or a region within one, delivered no
   * log file for this many hours (checked once an hour by listing key names).
   * Setting it enables the watchdog.
   * @default 24
   */
  readonly accountSilenceHours?: number;
  /** Repeats of the same alert within this window are suppressed and counted. @default 300 */
  readonly alertSuppressSeconds?: number;
  /** Checkpoint origin line (C2SP tlog-checkpoint). @default immutrail/<account>/<region>/<stack>/<id> */
  readonly origin?: string;
  /**
   * Witnesses in other accounts (AuditWitness): the archive bucket lets them list and read
   * checkpoints/shards/ and tiles/ and put cosigned notes under cosignatures/, and the data
   * key lets them decrypt and encrypt through S3 for that. @default none
   */
  readonly witnesses?: readonly WitnessPrincipal[];
  /** Create the Glue table, Athena workgroup and named queries over the archive. @default true */
  readonly queryCatalog?: boolean;
  /**
   * Name of the query catalog's Glue database and Athena workgroup (both unique
   * per account and region); the database spells it lowercase with underscores.
   * @default "immutrail-<stack name>": database immutrail_<stack name, lowercase>, workgroup immutrail-<stack name>
   */
  readonly queryCatalogName?: string;
  /**
   * A local folder of your own Sigma rules (CloudTrail logsource), bundled with
   * the detecting functions next to the project's rules.
   */
  readonly userSigmaRulesDir?: string;
}

/** Props with defaults applied and everything validated that can be validated before synthesis. */
export interface ResolvedAuditTrailProps {
  readonly retentionDays: number;
  readonly plan: ShardRoute[];
  readonly capture: CaptureOptions;
  /** As given (the handlers parse the same JSON array). */
  readonly deployerPrincipals: readonly string[];
  /** Parsed with the detectors' own parser, defaults filled in. */
  readonly deployers: DeployerConfig;
  readonly immutableScope: ImmutableScope;
  readonly attestationKeys: readonly kms.IKey[];
  /** The organization and the per-account overrides (IMMUTRAIL_ACCOUNT_DETECTION). */
  readonly accountDetection: ResolvedAccountDetection;
  readonly silenceMinutes: number;
  readonly watchdogEnabled: boolean;
  readonly expectedAccounts: readonly string[];
  readonly accountSilenceHours: number;
  readonly alertSuppressSeconds: number;
  readonly trailPrefix: string;
  readonly liveBatchingWindow: Duration;
}

export const DEFAULT_RETENTION_DAYS = 365;
export const DEFAULT_SILENCE_MINUTES = 60;
export const DEFAULT_ALERT_SUPPRESS_SECONDS = 300;
export const DEFAULT_LIVE_BATCHING_WINDOW = Duration.seconds(30);
/** Firehose's largest buffering interval. */
const MAX_LIVE_BATCHING_SECONDS = 900;
/** S3 Object Lock accepts at most 100 years of default retention. */
const MAX_RETENTION_DAYS = 36500;

function positiveInteger(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= max;
}

/** The watchdog's per-account delivery check: what must deliver, and for how long silence is tolerated. */
function resolveAccountDelivery(props: AuditTrailProps): { expectedAccounts: string[]; accountSilenceHours: number } {
  const expectedAccounts = [...(props.expectedAccounts ?? [])];
  const bad = expectedAccounts.find((a) => !/^\d{12}$/.test(a));
  if (bad !== undefined) throw new AuditTrailConfigError('INVALID_ACCOUNT', `expectedAccounts: "${bad}" is not a 12-digit account id`);
  if (expectedAccounts.length > 0 && !props.trailBucket) {
    throw new AuditTrailConfigError('INVALID_ACCOUNT', 'expectedAccounts needs trailBucket: deliveries are read from its key names');
  }
  const accountSilenceHours = props.accountSilenceHours ?? DEFAULT_ACCOUNT_SILENCE_HOURS;
  if (!positiveInteger(accountSilenceHours, 7 * 24)) {
    throw new AuditTrailConfigError('INVALID_SILENCE', `accountSilenceHours must be 1 to 168, got ${accountSilenceHours}`);
  }
  return { expectedAccounts, accountSilenceHours };
}

export function resolveAuditTrailProps(props: AuditTrailProps): ResolvedAuditTrailProps {
  const retentionDays = props.retentionDays ?? DEFAULT_RETENTION_DAYS;
  if (!positiveInteger(retentionDays, MAX_RETENTION_DAYS)) {
    throw new AuditTrailConfigError('INVALID_RETENTION', `retentionDays must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, got ${retentionDays}`);
  }
  const silenceMinutes = props.silenceMinutes ?? DEFAULT_SILENCE_MINUTES;
  if (!positiveInteger(silenceMinutes, 7 * 24 * 60)) {
    throw new AuditTrailConfigError('INVALID_SILENCE', `silenceMinutes must be 1 to 10080, got ${silenceMinutes}`);
  }
  const { expectedAccounts, accountSilenceHours } = resolveAccountDelivery(props);
  const alertSuppressSeconds = props.alertSuppressSeconds ?? DEFAULT_ALERT_SUPPRESS_SECONDS;
  if (!Number.isInteger(alertSuppressSeconds) || alertSuppressSeconds < 0) {
    throw new AuditTrailConfigError('INVALID_SILENCE', `alertSuppressSeconds must be a whole number >= 0`);
  }
  const liveBatchingWindow = props.liveBatchingWindow ?? DEFAULT_LIVE_BATCHING_WINDOW;
  const windowSeconds = liveBatchingWindow.toSeconds({ integral: false });
  if (!Number.isInteger(windowSeconds) || windowSeconds < 0 || windowSeconds > MAX_LIVE_BATCHING_SECONDS) {
    throw new AuditTrailConfigError(
      'INVALID_BATCHING_WINDOW',
      `liveBatchingWindow must be 0 to ${MAX_LIVE_BATCHING_SECONDS} whole seconds, got ${liveBatchingWindow.toHumanString()}`,
    );
  }
  validateApiCallSources(props.apiCallSources);
  const deployerPrincipals = [...(props.deployerPrincipals ?? [])];
  // The handlers parse these at init; parsing them here with the same code
  // turns a typo into a synthesis error instead of a Lambda that cannot start.
  let deployers: DeployerConfig;
  let immutableScope: ImmutableScope;
  try {
    deployers = parseDeployers(deployerPrincipals);
    immutableScope = parseScope(props.immutableScope ?? { mode: 'all' });
  } catch (err) {
    if (err instanceof DetectionConfigError) throw new AuditTrailConfigError('INVALID_DETECTION_CONFIG', err.message);
    throw err;
  }
  const plan = planShards(props.shards ?? DEFAULT_SHARDS);
  const accountDetection = resolveAccountDetection({
    accountOverrides: props.accountOverrides,
    organizationAccounts: props.organizationAccounts,
    organizationId: props.organizationId,
    configuredAccounts: [...(props.trailBucketAccount ? [props.trailBucketAccount] : []), ...(props.memberAccounts ?? [])],
    plan,
  });
  return {
    retentionDays,
    plan,
    capture: {
      captureReadOnlyApiCalls: props.captureReadOnlyApiCalls ?? false,
      ...(props.apiCallSources ? { apiCallSources: [...props.apiCallSources] } : {}),
    },
    deployerPrincipals,
    deployers,
    immutableScope,
    attestationKeys: [...(props.attestationKeys ?? [])],
    accountDetection,
    silenceMinutes,
    watchdogEnabled:
      props.trailName !== undefined ||
      props.silenceMinutes !== undefined ||
      props.expectedAccounts !== undefined ||
      props.accountSilenceHours !== undefined ||
      // An organization trail's bucket: the per-account delivery check is what notices a member that stops delivering.
      props.trailBucketAccount !== undefined,
    expectedAccounts,
    accountSilenceHours,
    alertSuppressSeconds,
    trailPrefix: props.trailPrefix ?? '',
    liveBatchingWindow,
  };
}
