import { ImmutrailError } from '../core/errors';

/**
 * What the log-archive account must add so that an immutrail stack deployed in
 * the audit account reads the organization trail's log files (issue 14): the
 * trail bucket's policy, the trail key's policy, and how new log files reach
 * the stack's ingest queue: an S3 event notification straight to the queue
 * (the default), or, for a bucket whose notifications are already taken, an
 * EventBridge rule that forwards the bucket's "Object Created" events to the
 * audit account's default bus, where the stack's objects rule queues them.
 * CDK-free, so that `immutrail org-policy` prints the same statements the
 * tests check.
 */

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: { AWS: string[] } | { Service: string };
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface OrgAccessInput {
  /** The organization trail's bucket, in the log-archive account. */
  trailBucket: string;
  /** The trail's key prefix (without AWSLogs/), '' for none. */
  trailPrefix: string;
  /** The KMS key the trail encrypts its files with, when it does. */
  trailKeyArn?: string;
  /** The audit stack's roles that read log files: ingest (the trail lane) and reconcile (the sweep). */
  readerRoleArns: readonly string[];
  /**
   * The audit stack's roles that only list the bucket's key names: the
   * watchdog's per-account delivery check (the stack's TrailListerRoleArns
   * output). Named in the ListBucket statement only: they read no log file.
   */
  listerRoleArns?: readonly string[];
  /** The audit account, where the stack runs. */
  auditAccount: string;
  /** The region of the stack and of the trail bucket (EventBridge forwards within a region). */
  region: string;
  partition?: string;
  /** The audit stack's ingest queue (its IngestQueueArn output): the bucket notification's destination. */
  queueArn?: string;
}

/** put-bucket-notification-configuration's argument: new log files under the prefix to the ingest queue. */
export interface BucketNotification {
  QueueConfigurations: Array<{
    Id: string;
    QueueArn: string;
    Events: string[];
    Filter?: { Key: { FilterRules: Array<{ Name: 'prefix'; Value: string }> } };
  }>;
}

export interface OrgAccess {
  /** Add to the trail bucket's policy (log-archive account). */
  bucketPolicyStatements: PolicyStatement[];
  /** Add to the trail key's policy (log-archive account), when the trail uses one. */
  keyPolicyStatements: PolicyStatement[];
  /** The trail bucket's notification configuration (log-archive account), when the queue is known. */
  bucketNotification?: BucketNotification;
  /** A rule on the log-archive account's default bus, and its target: the audit account's default bus. */
  forwardRule: { eventPattern: Record<string, unknown>; targetArn: string; roleTrustPolicy: unknown; rolePolicy: unknown };
  /** Add to the audit account's default bus policy (the stack does it when given trailBucketAccount). */
  auditBusPolicyStatement: (logArchiveAccount: string) => PolicyStatement;
}

const ACCOUNT = /^\d{12}$/;

export class OrgAccessError extends ImmutrailError {
  readonly code = 'ORG_ACCESS_INVALID';
}

/** The statements, from the audit stack's facts; throws OrgAccessError on a value that would make them wrong. */
export function orgAccess(i: OrgAccessInput): OrgAccess {
  if (!ACCOUNT.test(i.auditAccount)) throw new OrgAccessError(`audit account "${i.auditAccount}" is not a 12-digit account id`);
  if (i.readerRoleArns.length === 0) throw new OrgAccessError('no reader role: the audit stack must have an ingest role');
  const listerRoleArns = i.listerRoleArns ?? [];
  for (const arn of [...i.readerRoleArns, ...listerRoleArns]) {
    if (!/^arn:[a-z-]+:iam::\d{12}:role\/.+/.test(arn)) throw new OrgAccessError(`"${arn}" is not an IAM role ARN`);
  }
  const p = i.partition ?? 'aws';
  const bucketArn = `arn:${p}:s3:::${i.trailBucket}`;
  const readers = { AWS: [...i.readerRoleArns] };
  // Listing key names: reconcile's sweep (a reader) and the watchdog's delivery check (a lister).
  const listers = { AWS: [...new Set([...i.readerRoleArns, ...listerRoleArns])] };
  const auditBus = `arn:${p}:events:${i.region}:${i.auditAccount}:event-bus/default`;
  return {
    ...(i.queueArn !== undefined ? { bucketNotification: bucketNotification(i) } : {}),
    bucketPolicyStatements: [
      { Sid: 'ImmutrailReadTrailLogFiles', Effect: 'Allow', Principal: readers, Action: ['s3:GetObject'], Resource: `${bucketArn}/${i.trailPrefix}*` },
      {
        Sid: 'ImmutrailListTrailLogFiles',
        Effect: 'Allow',
        Principal: listers,
        Action: ['s3:ListBucket'],
        Resource: bucketArn,
        ...(i.trailPrefix ? { Condition: { StringLike: { 's3:prefix': `${i.trailPrefix}*` } } } : {}),
      },
    ],
    keyPolicyStatements: i.trailKeyArn
      ? [
          {
            Sid: 'ImmutrailDecryptTrailLogFiles',
            Effect: 'Allow',
            Principal: readers,
            Action: ['kms:Decrypt'],
            Resource: '*',
            Condition: { StringEquals: { 'kms:ViaService': `s3.${i.region}.amazonaws.com` } },
          },
        ]
      : [],
    forwardRule: {
      eventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [i.trailBucket] }, ...(i.trailPrefix ? { object: { key: [{ prefix: i.trailPrefix }] } } : {}) },
      },
      targetArn: auditBus,
      roleTrustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      rolePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: auditBus }] },
    },
    auditBusPolicyStatement: (logArchiveAccount) => {
      if (!ACCOUNT.test(logArchiveAccount)) throw new OrgAccessError(`log-archive account "${logArchiveAccount}" is not a 12-digit account id`);
      return {
        Sid: `ImmutrailTrailEventsFrom${logArchiveAccount}`,
        Effect: 'Allow',
        Principal: { AWS: [`arn:${p}:iam::${logArchiveAccount}:root`] },
        Action: ['events:PutEvents'],
        Resource: auditBus,
      };
    },
  };
}

function bucketNotification(i: OrgAccessInput): BucketNotification {
  const m = /^arn:[a-z-]+:sqs:([a-z0-9-]+):(\d{12}):[A-Za-z0-9_-]+$/.exec(i.queueArn ?? '');
  if (!m) throw new OrgAccessError(`"${i.queueArn}" is not an SQS queue ARN`);
  if (m[2] !== i.auditAccount) throw new OrgAccessError(`queue ${i.queueArn} is not in the audit account ${i.auditAccount}`);
  // S3 notifies a queue in its own region only: the trail bucket and the audit stack must share one.
  if (m[1] !== i.region) throw new OrgAccessError(`queue ${i.queueArn} is not in ${i.region}, the trail bucket's region`);
  return {
    QueueConfigurations: [
      {
        Id: 'immutrail-trail-log-files',
        QueueArn: i.queueArn!,
        Events: ['s3:ObjectCreated:*'],
        ...(i.trailPrefix ? { Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: i.trailPrefix }] } } } : {}),
      },
    ],
  };
}
