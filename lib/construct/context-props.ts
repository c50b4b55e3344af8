import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { AccountDetectionOverride } from './account-detection';
import type { AuditTrailProps, ImmutableScopeInput } from './audit-trail-props';
import { AuditTrailConfigError } from '../contract/errors';
import type { ShardMap } from '../contract/shards';

/**
 * AuditTrail props from CDK context, so `cdk deploy -c key=value` configures a
 * deployment without code. `-c` values arrive as strings, cdk.json values may
 * be typed: both are accepted.
 *
 *   alertEmail=ops@example.com          alertTopicArn=arn:aws:sns:...
 *   retentionDays=2555                  silenceMinutes=30
 *   deployerPrincipals=arn1,arn2        apiCallSources=ec2.amazonaws.com,iam.amazonaws.com
 *   captureReadOnlyApiCalls=true        attestationKeyArns=arn1,arn2
 *   shards='{"api":{"families":["api"]},"infra":{"families":["ec2","ecs"]}}'
 *   immutableScope='{"mode":"tag","key":"immutable","value":"true"}'
 *   archiveBucketName=...               witnessBucketArn=arn:aws:s3:::...
 *   trailBucketName=... trailPrefix=... trailName=... trailKeyArn=...
 *   trailBucketAccount=222222222222    trailNotifications=queue|eventbridge
 *   organizationId=o-a1b2c3d4e5        memberAccounts=333333333333,444444444444
 *   liveBatchingWindowSeconds=60
 *   expectedAccounts=333333333333,444444444444    accountSilenceHours=12
 *   organizationAccounts=111111111111,222222222222,333333333333
 *   accountOverrides='{"333333333333":{"deployerPrincipals":["arn:aws:iam::333333333333:role/deploy"],
 *     "immutableScope":{"mode":"all"},"attestationKeyArns":["arn:aws:kms:..."]}}'
 */
export const CONTEXT_KEYS = [
  'alertEmail',
  'alertTopicArn',
  'retentionDays',
  'silenceMinutes',
  'deployerPrincipals',
  'apiCallSources',
  'captureReadOnlyApiCalls',
  'attestationKeyArns',
  'shards',
  'immutableScope',
  'archiveBucketName',
  'archiveBucketKeyArn',
  'witnessBucketArn',
  'trailBucketName',
  'trailPrefix',
  'trailName',
  'trailKeyArn',
  'trailBucketAccount',
  'trailNotifications',
  'organizationId',
  'memberAccounts',
  'liveBatchingWindowSeconds',
  'expectedAccounts',
  'accountSilenceHours',
  'organizationAccounts',
  'accountOverrides',
] as const;

function raw(scope: Construct, key: string): unknown {
  const v: unknown = scope.node.tryGetContext(key);
  return v === '' ? undefined : v;
}

function str(scope: Construct, key: string): string | undefined {
  const v = raw(scope, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new AuditTrailConfigError('INVALID_CONTEXT', `context ${key} must be a string`);
  return v;
}

function list(scope: Construct, key: string): string[] | undefined {
  const v = raw(scope, key);
  if (v === undefined) return undefined;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  if (typeof v === 'string') {
    const items = v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    return items.length > 0 ? items : undefined;
  }
  throw new AuditTrailConfigError('INVALID_CONTEXT', `context ${key} must be a comma-separated list`);
}

function int(scope: Construct, key: string): number | undefined {
  const v = raw(scope, key);
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw new AuditTrailConfigError('INVALID_CONTEXT', `context ${key} must be a whole number`);
  return n;
}

function bool(scope: Construct, key: string): boolean | undefined {
  const v = raw(scope, key);
  if (v === undefined || typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new AuditTrailConfigError('INVALID_CONTEXT', `context ${key} must be true or false`);
}

function json<T>(scope: Construct, key: string): T | undefined {
  const v = raw(scope, key);
  if (v === undefined || typeof v === 'object') return v as T | undefined;
  if (typeof v !== 'string') throw new AuditTrailConfigError('INVALID_CONTEXT', `context ${key} must be JSON`);
  try {
    return JSON.parse(v) as T;
  } catch {
    throw new AuditTrailConfigError('INVALID_CONTEXT', `context ${key} is not valid JSON`);
  }
}

function notificationMode(v: string | undefined): AuditTrailProps['trailNotifications'] {
  if (v === undefined || v === 'queue' || v === 'eventbridge') return v;
  throw new AuditTrailConfigError('INVALID_CONTEXT', `context trailNotifications must be queue or eventbridge, got "${v}"`);
}

/** accountOverrides as JSON: the prop's fields, with key ARNs (attestationKeyArns) where the prop takes keys. */
interface AccountOverrideContext {
  deployerPrincipals?: string[];
  immutableScope?: ImmutableScopeInput;
  attestationKeyArns?: string[];
}

const OVERRIDE_FIELDS: ReadonlySet<string> = new Set(['deployerPrincipals', 'immutableScope', 'attestationKeyArns']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * The shape only: a field left out here would be silently dropped, so an
 * unknown one is refused. Account ids, deployer forms and scopes are
 * validated with the prop (INVALID_DETECTION_CONFIG).
 */
function overridesContext(scope: Construct): Record<string, AccountOverrideContext> | undefined {
  const v = json<unknown>(scope, 'accountOverrides');
  if (v === undefined) return undefined;
  const bad = (why: string) => new AuditTrailConfigError('INVALID_CONTEXT', `context accountOverrides: ${why}`);
  if (!isObject(v)) throw bad('must be a JSON object of account id -> settings');
  for (const [account, o] of Object.entries(v)) {
    if (!isObject(o)) throw bad(`${account} must map to an object`);
    const unknown = Object.keys(o).find((k) => !OVERRIDE_FIELDS.has(k));
    if (unknown !== undefined) throw bad(`${account}: unknown field "${unknown}" (deployerPrincipals, immutableScope, attestationKeyArns)`);
    for (const field of ['deployerPrincipals', 'attestationKeyArns'] as const) {
      if (o[field] !== undefined && !isStringList(o[field])) throw bad(`${account}.${field} must be a list of strings`);
    }
  }
  return v as Record<string, AccountOverrideContext>;
}

function accountOverrides(scope: Construct): AuditTrailProps['accountOverrides'] {
  const given = overridesContext(scope);
  if (given === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(given).map(([account, o]): [string, AccountDetectionOverride] => [
      account,
      {
        ...(o.deployerPrincipals ? { deployerPrincipals: o.deployerPrincipals } : {}),
        ...(o.immutableScope ? { immutableScope: o.immutableScope } : {}),
        ...(o.attestationKeyArns
          ? { attestationKeys: o.attestationKeyArns.map((arn, i) => kms.Key.fromKeyArn(scope, `ContextAttestationKey${account}-${i}`, arn)) }
          : {}),
      },
    ]),
  );
}

/** Reads AuditTrail props from the context visible at `scope`; imported resources are created under it. */
export function auditTrailPropsFromContext(scope: Construct): AuditTrailProps {
  const alertTopicArn = str(scope, 'alertTopicArn');
  const archiveBucketName = str(scope, 'archiveBucketName');
  const archiveBucketKeyArn = str(scope, 'archiveBucketKeyArn');
  const witnessBucketArn = str(scope, 'witnessBucketArn');
  const trailBucketName = str(scope, 'trailBucketName');
  const trailKeyArn = str(scope, 'trailKeyArn');
  const attestationKeyArns = list(scope, 'attestationKeyArns');
  const liveBatchingWindowSeconds = int(scope, 'liveBatchingWindowSeconds');
  const props: AuditTrailProps = {
    alertEmail: str(scope, 'alertEmail'),
    alertTopic: alertTopicArn ? sns.Topic.fromTopicArn(scope, 'ContextAlertTopic', alertTopicArn) : undefined,
    retentionDays: int(scope, 'retentionDays'),
    silenceMinutes: int(scope, 'silenceMinutes'),
    deployerPrincipals: list(scope, 'deployerPrincipals'),
    apiCallSources: list(scope, 'apiCallSources'),
    captureReadOnlyApiCalls: bool(scope, 'captureReadOnlyApiCalls'),
    attestationKeys: attestationKeyArns?.map((arn, i) => kms.Key.fromKeyArn(scope, `ContextAttestationKey${i}`, arn)),
    shards: json<ShardMap>(scope, 'shards'),
    immutableScope: json<ImmutableScopeInput>(scope, 'immutableScope'),
    archiveBucket: archiveBucketName
      ? s3.Bucket.fromBucketAttributes(scope, 'ContextArchiveBucket', {
          bucketName: archiveBucketName,
          encryptionKey: archiveBucketKeyArn ? kms.Key.fromKeyArn(scope, 'ContextArchiveBucketKey', archiveBucketKeyArn) : undefined,
        })
      : undefined,
    witnessBucket: witnessBucketArn ? s3.Bucket.fromBucketArn(scope, 'ContextWitnessBucket', witnessBucketArn) : undefined,
    trailBucket: trailBucketName ? s3.Bucket.fromBucketName(scope, 'ContextTrailBucket', trailBucketName) : undefined,
    trailPrefix: str(scope, 'trailPrefix'),
    trailBucketAccount: str(scope, 'trailBucketAccount'),
    trailNotifications: notificationMode(str(scope, 'trailNotifications')),
    organizationId: str(scope, 'organizationId'),
    memberAccounts: list(scope, 'memberAccounts'),
    trailKey: trailKeyArn ? kms.Key.fromKeyArn(scope, 'ContextTrailKey', trailKeyArn) : undefined,
    trailName: str(scope, 'trailName'),
    liveBatchingWindow: liveBatchingWindowSeconds === undefined ? undefined : Duration.seconds(liveBatchingWindowSeconds),
    expectedAccounts: list(scope, 'expectedAccounts'),
    accountSilenceHours: int(scope, 'accountSilenceHours'),
    organizationAccounts: list(scope, 'organizationAccounts'),
    accountOverrides: accountOverrides(scope),
  };
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)) as AuditTrailProps;
}
