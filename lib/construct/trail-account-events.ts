import { Aws } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { AuditTrailConfigError } from '../contract/errors';

/**
 * The organization trail's bucket is in another account (log archive): a rule
 * there forwards the bucket's "Object Created" events to this account's default
 * bus, which accepts them from that one account, for PutEvents only. What the
 * log-archive account adds is printed by `immutrail org-policy` (org-access.ts).
 */
export class TrailAccountEvents extends Construct {
  constructor(scope: Construct, id: string, account: string) {
    super(scope, id);
    if (!/^\d{12}$/.test(account)) throw new AuditTrailConfigError('INVALID_ACCOUNT', `trailBucketAccount "${account}" is not a 12-digit account id`);
    new events.CfnEventBusPolicy(this, 'Policy', {
      eventBusName: 'default',
      statementId: `immutrail-trail-events-${account}`,
      statement: {
        Effect: 'Allow',
        Principal: { AWS: `arn:${Aws.PARTITION}:iam::${account}:root` },
        Action: 'events:PutEvents',
        Resource: `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:event-bus/default`,
      },
    });
  }
}
