import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AuditTrailConfigError } from '../contract/errors';

export interface TrailBucketNotificationsProps {
  /** The ingest queue, which takes S3 event notifications as they are (parseTrigger). */
  readonly queue: sqs.IQueue;
  /** The key the queue is encrypted with. */
  readonly queueKey: kms.IKey;
  /** The organization trail's bucket, in the log-archive account. */
  readonly trailBucketArn: string;
  /** The log-archive account, which owns the bucket. */
  readonly trailBucketAccount: string;
}

/**
 * The organization trail's bucket (log-archive account) sends an S3 event
 * notification for each new log file straight to the ingest queue: no
 * EventBridge in between, so nothing to pay per log file but the queue
 * request. S3 sends as the service principal, so the queue policy and the
 * queue's key policy admit s3.amazonaws.com, and only on behalf of that one
 * bucket in that one account (aws:SourceArn and aws:SourceAccount: without
 * them any bucket anywhere could queue forged notices). The notification
 * itself is configured on the bucket by the log-archive account: `immutrail
 * org-policy` prints it (org-access.ts).
 */
export class TrailBucketNotifications extends Construct {
  constructor(scope: Construct, id: string, props: TrailBucketNotificationsProps) {
    super(scope, id);
    if (!/^\d{12}$/.test(props.trailBucketAccount)) {
      throw new AuditTrailConfigError('INVALID_ACCOUNT', `trailBucketAccount "${props.trailBucketAccount}" is not a 12-digit account id`);
    }
    const s3 = new iam.ServicePrincipal('s3.amazonaws.com');
    const onlyThatBucket = {
      ArnEquals: { 'aws:SourceArn': props.trailBucketArn },
      StringEquals: { 'aws:SourceAccount': props.trailBucketAccount },
    };
    props.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'TrailBucketNotifications',
        principals: [s3],
        actions: ['sqs:SendMessage'],
        resources: [props.queue.queueArn],
        conditions: onlyThatBucket,
      }),
    );
    // SendMessage to an encrypted queue makes S3 generate a data key under the queue's key.
    props.queueKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'TrailBucketNotificationsToEncryptedQueue',
        principals: [s3],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: onlyThatBucket,
      }),
    );
  }
}
