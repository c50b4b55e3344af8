import type { Command } from 'commander';
import { type OrgAccess, orgAccess, OrgAccessError } from '../../contract/org-access';
import { UsageError } from '../errors';
import { resolveTarget, type TargetOptions } from '../target';

interface OrgPolicyFlags extends TargetOptions {
  trailBucket?: string;
  trailPrefix?: string;
  trailKeyArn?: string;
  readerRoleArns?: string;
  listerRoleArns?: string;
  logArchiveAccount?: string;
  queueArn?: string;
  notifications?: string;
}

const commaList = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const accountOfRole = (arn: string): string | undefined => /^arn:[a-z-]+:iam::(\d{12}):role\//.exec(arn)?.[1];

export type NotificationMode = 'queue' | 'eventbridge';

/** What org-policy prints, from the stack's facts (outputs or flags). */
export function orgPolicyDocument(access: OrgAccess, mode: NotificationMode, logArchiveAccount?: string): Record<string, unknown> {
  const delivery =
    mode === 'queue'
      ? {
          bucketNotification: {
            note: "put-bucket-notification-configuration replaces the bucket's whole configuration: merge these QueueConfigurations with the ones it has. S3 refuses two configurations for the same events and an overlapping prefix; then deploy the audit stack with trailNotifications=eventbridge instead.",
            notificationConfiguration: access.bucketNotification,
          },
        }
      : {
          eventBridge: {
            note: "turn on the trail bucket's EventBridge notifications, then create this rule on the default bus with the target and a role EventBridge assumes",
            rule: { EventPattern: access.forwardRule.eventPattern },
            target: { Arn: access.forwardRule.targetArn },
            roleTrustPolicy: access.forwardRule.roleTrustPolicy,
            rolePolicy: access.forwardRule.rolePolicy,
          },
        };
  const busStatement =
    mode === 'eventbridge' && logArchiveAccount ? { auditAccount: { defaultBusPolicyStatement: access.auditBusPolicyStatement(logArchiveAccount) } } : {};
  return {
    logArchiveAccount: {
      trailBucketPolicyStatements: access.bucketPolicyStatements,
      trailKeyPolicyStatements: access.keyPolicyStatements,
      ...delivery,
    },
    ...busStatement,
  };
}

function notificationMode(v: string | undefined): NotificationMode {
  if (v === undefined || v === 'queue' || v === 'eventbridge') return v ?? 'queue';
  throw new UsageError(`--notifications must be queue or eventbridge, got "${v}"`);
}

/**
 * Prints what the log-archive account must add for a stack in the audit
 * account to read the organization trail (issue 14): bucket and key policy
 * statements naming the stack's reader roles (and, for listing only, the
 * watchdog's role), and how new log files reach the
 * stack: the bucket's notification configuration for the ingest queue, or
 * the EventBridge rule that forwards the bucket's "Object Created" events.
 * JSON, so that nobody writes them by hand.
 */
export function registerOrgPolicy(program: Command): void {
  program
    .command('org-policy')
    .description(
      'print the trail bucket policy, trail key policy and bucket notification (or EventBridge forwarding rule) a log-archive account adds for this audit stack (exit 0, 2 bad usage or unreachable)',
    )
    .requiredOption('--trail-bucket <name>', "the organization trail's bucket (in the log-archive account)")
    .option('--trail-prefix <prefix>', "the trail's key prefix, without AWSLogs/", '')
    .option('--trail-key-arn <arn>', 'the KMS key the trail encrypts its log files with')
    .option('--reader-role-arns <arns>', "comma list of the stack's roles that read log files (default: the stack's TrailReaderRoleArns output)")
    .option(
      '--lister-role-arns <arns>',
      "comma list of the stack's roles that only list the bucket's key names, the watchdog (default: the stack's TrailListerRoleArns output, none without it)",
    )
    .option('--notifications <mode>', "queue: S3 notifications to the ingest queue; eventbridge: the forwarding rule (the stack's trailNotifications)", 'queue')
    .option('--queue-arn <arn>', "the stack's ingest queue (default: its IngestQueueArn output)")
    .option('--log-archive-account <id>', 'with --notifications eventbridge, also print the audit bus statement for this account (the stack adds it)')
    .option('--stack <name>', 'the deployed audit stack (its TrailReaderRoleArns, TrailListerRoleArns and IngestQueueArn outputs)')
    .option('--region <region>', 'AWS region (default: AWS_REGION or us-east-1)')
    .option('--endpoint <url>', 'AWS endpoint URL (e.g. a local emulator)')
    .action(async (flags: OrgPolicyFlags) => {
      const mode = notificationMode(flags.notifications);
      const target = await resolveTarget(flags);
      const listed = flags.readerRoleArns ?? target.outputs?.TrailReaderRoleArns;
      if (!listed) throw new UsageError('give --reader-role-arns, or --stack of a stack deployed with trailBucketName (its TrailReaderRoleArns output)');
      const queueArn = flags.queueArn ?? target.outputs?.IngestQueueArn;
      if (mode === 'queue' && !queueArn)
        throw new UsageError(
          'give --queue-arn, or --stack of a stack deployed with trailBucketAccount (its IngestQueueArn output), or --notifications eventbridge',
        );
      const readerRoleArns = commaList(listed);
      const listerRoleArns = commaList(flags.listerRoleArns ?? target.outputs?.TrailListerRoleArns ?? '');
      const auditAccount = accountOfRole(readerRoleArns[0] ?? '');
      try {
        const access = orgAccess({
          trailBucket: flags.trailBucket!,
          trailPrefix: flags.trailPrefix ?? '',
          trailKeyArn: flags.trailKeyArn,
          readerRoleArns,
          listerRoleArns,
          auditAccount: auditAccount ?? '',
          region: target.aws.region,
          ...(mode === 'queue' ? { queueArn } : {}),
        });
        process.stdout.write(JSON.stringify(orgPolicyDocument(access, mode, flags.logArchiveAccount), null, 2) + '\n');
      } catch (err) {
        if (err instanceof OrgAccessError) throw new UsageError(err.message);
        throw err;
      }
    });
}
