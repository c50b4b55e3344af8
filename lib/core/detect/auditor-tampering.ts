import type { JsonObject, JsonValue } from '../json';
import { alertFromFinding } from './alert-factory';
import { apiCallKey, cloudTrailRecordOf, errorCodeOf } from './cloudtrail';
import { at, stringAt } from '../json-access';
import type { DetectionConfig } from './config';
import { deployerMatcher, principalLabel } from './principals';
import { isMemberRule, MEMBER_RULE_PREFIX, protectedMatcher, type ProtectedKind } from './protected-resources';
import type { Detector } from './types';

/**
 * Tampering with the auditor itself: calls that could blind immutrail or
 * shorten its archive, aimed at the stack's own trail, rules, bucket, keys,
 * table, queue, functions or topic, or at a member account's forwarding rules
 * (`immutrail-member-*`, in any account: deleting one silences that member's
 * live lane, and only the trail lane still reports the call).
 *
 * Always critical, whoever calls and whether or not the call succeeded: a
 * failed StopLogging is still someone trying, and a change by a deployer (a
 * stack upgrade) is still a change to the auditor that people should see.
 * The alert says which of these it was.
 */

interface TamperAction {
  kind: ProtectedKind;
  /** requestParameters (or responseElements, prefixed "response.") members that name the target. */
  targets: readonly string[];
}

const trail = (...targets: string[]): TamperAction => ({ kind: 'trails', targets });
const rule = (...targets: string[]): TamperAction => ({ kind: 'rules', targets });
const bucket: TamperAction = { kind: 'buckets', targets: ['bucketName'] };
const key = (...targets: string[]): TamperAction => ({ kind: 'keys', targets });
const table = (...targets: string[]): TamperAction => ({ kind: 'tables', targets });
const queue: TamperAction = { kind: 'queues', targets: ['queueUrl'] };
const fn = (...targets: string[]): TamperAction => ({ kind: 'functions', targets });
const topic = (...targets: string[]): TamperAction => ({ kind: 'topics', targets });

export const TAMPER_ACTIONS: Readonly<Record<string, TamperAction>> = {
  'cloudtrail:StopLogging': trail('name'),
  'cloudtrail:DeleteTrail': trail('name'),
  'cloudtrail:UpdateTrail': trail('name'),
  'cloudtrail:PutEventSelectors': trail('trailName', 'name'),
  'cloudtrail:PutInsightSelectors': trail('trailName', 'name'),

  'events:DisableRule': rule('name'),
  'events:DeleteRule': rule('name'),
  'events:PutRule': rule('name'),
  'events:RemoveTargets': rule('rule'),
  'events:PutTargets': rule('rule'),

  's3:PutBucketPolicy': bucket,
  's3:DeleteBucketPolicy': bucket,
  's3:PutBucketLifecycle': bucket,
  's3:PutBucketLifecycleConfiguration': bucket,
  's3:PutLifecycleConfiguration': bucket,
  's3:DeleteBucketLifecycle': bucket,
  's3:PutBucketVersioning': bucket,
  's3:PutObjectLockConfiguration': bucket,
  's3:PutBucketAcl': bucket,
  's3:PutBucketReplication': bucket,
  's3:PutBucketPublicAccessBlock': bucket,
  's3:DeleteBucketPublicAccessBlock': bucket,
  's3:PutBucketOwnershipControls': bucket,
  's3:DeleteBucket': bucket,
  // Object-level calls only reach the archive when the trail records S3 data events.
  's3:DeleteObject': bucket,
  's3:DeleteObjects': bucket,
  's3:PutObjectRetention': bucket,
  's3:PutObjectLegalHold': bucket,

  'kms:DisableKey': key('keyId'),
  'kms:ScheduleKeyDeletion': key('keyId'),
  'kms:PutKeyPolicy': key('keyId'),
  // A grant on the signing key lets someone else sign checkpoints.
  'kms:CreateGrant': key('keyId'),
  'kms:UpdateAlias': key('aliasName', 'targetKeyId'),
  'kms:DeleteAlias': key('aliasName'),

  'dynamodb:DeleteTable': table('tableName'),
  'dynamodb:UpdateTable': table('tableName'),
  // A TTL on the table would silently expire chain heads and dedup markers.
  'dynamodb:UpdateTimeToLive': table('tableName'),
  'dynamodb:PutResourcePolicy': table('resourceArn'),
  'dynamodb:DeleteResourcePolicy': table('resourceArn'),

  'sqs:DeleteQueue': queue,
  'sqs:PurgeQueue': queue,
  'sqs:SetQueueAttributes': queue,
  'sqs:AddPermission': queue,
  'sqs:RemovePermission': queue,

  'lambda:DeleteFunction': fn('functionName'),
  'lambda:UpdateFunctionCode': fn('functionName'),
  'lambda:UpdateFunctionConfiguration': fn('functionName'),
  // Reserved concurrency 0 stops ingest without touching the code.
  'lambda:PutFunctionConcurrency': fn('functionName'),
  'lambda:AddPermission': fn('functionName'),
  'lambda:RemovePermission': fn('functionName'),
  'lambda:UpdateEventSourceMapping': fn('functionName', 'response.functionArn'),
  'lambda:DeleteEventSourceMapping': fn('functionName', 'response.functionArn'),

  'sns:DeleteTopic': topic('topicArn'),
  'sns:SetTopicAttributes': topic('topicArn'),
  'sns:RemovePermission': topic('topicArn'),
  'sns:Unsubscribe': topic('subscriptionArn'),
};

const KIND_LABEL: Record<ProtectedKind, { rule: string; what: string }> = {
  trails: { rule: 'tampering.trail', what: 'trail' },
  rules: { rule: 'tampering.event-rule', what: 'EventBridge rule' },
  buckets: { rule: 'tampering.archive-bucket', what: 'archive bucket' },
  keys: { rule: 'tampering.key', what: 'KMS key' },
  tables: { rule: 'tampering.table', what: 'DynamoDB table' },
  queues: { rule: 'tampering.queue', what: 'queue' },
  functions: { rule: 'tampering.function', what: 'function' },
  topics: { rule: 'tampering.topic', what: 'alert topic' },
};

export interface TamperTarget {
  kind: ProtectedKind;
  /** The resource as the request named it. */
  target: string;
  /** The configured protected entry it matched ("*" when every trail counts, "immutrail-member-*" for a member's forwarding rule). */
  protectedAs: string;
}

const MEMBER_RULES = `${MEMBER_RULE_PREFIX}*`;

function valuesOf(ct: JsonObject, member: string): string[] {
  const v: JsonValue | undefined = member.startsWith('response.')
    ? at(ct, 'responseElements', member.slice('response.'.length))
    : at(ct, 'requestParameters', member);
  if (typeof v === 'string' && v !== '') return [v];
  return [];
}

/** Which of the auditor's resources a CloudTrail call aims at, or null. */
export function tamperTargetOf(ct: JsonObject, key: string, config: DetectionConfig): TamperTarget | null {
  const action = TAMPER_ACTIONS[key];
  if (!action) return null;
  const matcher = protectedMatcher(config.protectedResources);
  for (const member of action.targets) {
    for (const value of valuesOf(ct, member)) {
      const hit = matcher.match(action.kind, value);
      if (hit !== null) return { kind: action.kind, target: value, protectedAs: hit };
      // The member stacks' rules are not in the stack's configuration: their fixed names say whose they are.
      if (action.kind === 'rules' && isMemberRule(value)) return { kind: 'rules', target: value, protectedAs: MEMBER_RULES };
      // immutrail's capture needs a trail: with none configured, every trail is the auditor's.
      if (action.kind === 'trails' && matcher.isEmpty('trails')) return { kind: 'trails', target: value, protectedAs: '*' };
    }
  }
  return null;
}

export const auditorTamperingDetector: Detector = {
  name: 'auditor-tampering',
  async detect(record, ctx) {
    const { event, raw } = record.data;
    const ct = cloudTrailRecordOf(raw);
    if (!ct) return [];
    const key = apiCallKey(event, ct);
    const hit = tamperTargetOf(ct, key, ctx.config);
    if (!hit) return [];
    const errorCode = errorCodeOf(event, ct);
    const deployer = deployerMatcher(ctx.config.deployers).match(event.actor);
    const label = KIND_LABEL[hit.kind];
    const who = principalLabel(event.actor) ?? 'unknown principal';
    const outcome = errorCode ? ` (attempt failed: ${errorCode})` : '';
    const byDeployer = deployer ? ' (by a deployer)' : '';
    // With no trail configured every trail counts, including one the caller just made: say only what is known.
    const whose =
      hit.protectedAs === '*' ? 'a' : hit.protectedAs === MEMBER_RULES ? 'a member forwarding' : hit.kind === 'trails' ? 'the audited' : "the stack's";
    return [
      alertFromFinding(record, {
        kind: 'auditor-tampering',
        rule: label.rule,
        severity: 'critical',
        summary: `Auditor tampering: ${who} called ${key} on ${whose} ${label.what} ${hit.target}${outcome}${byDeployer}`,
        resource: hit.target,
        details: {
          action: key,
          eventName: stringAt(ct, 'eventName'),
          target: hit.target,
          protectedAs: hit.protectedAs,
          resourceKind: hit.kind,
          succeeded: errorCode === null,
          errorCode,
          errorMessage: event.errorMessage ?? stringAt(ct, 'errorMessage'),
          deployer: deployer ?? null,
          sourceIp: event.actor.sourceIp,
          userAgent: event.actor.userAgent,
          requestParameters: at(ct, 'requestParameters') ?? null,
        },
      }),
    ];
  },
};
