import { randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

/** A realistic "AWS API Call via CloudTrail" EventBridge envelope around a CloudTrail record. */
export function apiCallEnvelope(
  opts: { eventName?: string; eventSource?: string; eventId?: string; time?: string; requestParameters?: unknown; roleArn?: string } = {},
) {
  const eventId = opts.eventId ?? randomUUID();
  const time = opts.time ?? '2026-11-20T10:15:30Z';
  const roleArn = opts.roleArn ?? 'arn:aws:iam::111122223333:role/Admin';
  const roleName = roleArn.split('/').pop();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${(opts.eventSource ?? 'ec2.amazonaws.com').split('.')[0]}`,
    account: '111122223333',
    time,
    region: 'eu-west-1',
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLE:alice',
        arn: `arn:aws:sts::111122223333:assumed-role/${roleName}/alice`,
        accountId: '111122223333',
        accessKeyId: 'ASIAEXAMPLE',
        sessionContext: {
          sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: roleArn, accountId: '111122223333', userName: roleName },
          attributes: { creationDate: time, mfaAuthenticated: 'false' },
        },
      },
      eventTime: time,
      eventSource: opts.eventSource ?? 'ec2.amazonaws.com',
      eventName: opts.eventName ?? 'AuthorizeSecurityGroupIngress',
      awsRegion: 'eu-west-1',
      sourceIPAddress: '203.0.113.10',
      userAgent: 'aws-cli/2.15.0',
      requestParameters: opts.requestParameters ?? {
        groupId: 'sg-0123456789abcdef0',
        ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22 }] },
      },
      responseElements: null,
      requestID: randomUUID(),
      eventID: eventId,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '111122223333',
    },
  };
}

export function sqsMessage(body: unknown, group: string): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: 'rh',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'events',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      MessageGroupId: group,
      MessageDeduplicationId: randomUUID(),
    } as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:ingest.fifo',
    awsRegion: 'us-east-1',
  };
}

export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}
