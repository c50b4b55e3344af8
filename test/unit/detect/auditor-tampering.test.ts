import { describe, expect, it } from 'vitest';
import { auditorTamperingDetector } from '../../../lib/core/detect/auditor-tampering';
import { emptyProtectedResources, type ProtectedResources } from '../../../lib/core/detect/config';
import type { JsonObject } from '../../../lib/core/json';
import { assumedRole, context, ct, eventRecord, fixture } from './helpers';

const protect = (p: Partial<ProtectedResources>) => context({ config: { protectedResources: { ...emptyProtectedResources(), ...p } } });

async function detect(raw: JsonObject, p: Partial<ProtectedResources>, deployers?: string[]) {
  const ctx = protect(p);
  if (deployers) ctx.config.deployers = { principals: deployers, services: [], serviceLinkedRoles: true };
  return auditorTamperingDetector.detect(eventRecord(raw, { shard: 'main', seq: 42 }), ctx);
}

describe('auditor tampering: the trail', () => {
  const stop = fixture('cloudtrail/stratus-red-team-118-StopLogging.json');

  it('StopLogging on the stack trail is critical, with a deterministic id and the record location', async () => {
    const [alert, ...rest] = await detect(stop, { trails: ['stratus-red-team-ct-stop-trail-buykxbqejv'] });
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({
      kind: 'auditor-tampering',
      rule: 'tampering.trail',
      severity: 'critical',
      resource: 'stratus-red-team-ct-stop-trail-buykxbqejv',
      principal: 'arn:aws:iam::143434273843:user/christophe',
      eventId: stop.eventID,
      eventTime: stop.eventTime,
      record: { shard: 'main', seq: 42 },
    });
    expect(alert!.id).toBe(`tampering.trail:${stop.eventID as string}`);
    expect(alert!.summary).toContain('cloudtrail:StopLogging');
    expect(alert!.details).toMatchObject({ succeeded: true, errorCode: null, deployer: null, resourceKind: 'trails' });
  });

  it("ignores someone else's trail when the stack's trail is named", async () => {
    expect(await detect(stop, { trails: ['immutrail'] })).toEqual([]);
  });

  it('counts every trail when none is configured, since capture depends on one', async () => {
    const alerts = await detect(stop, {});
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.details.protectedAs).toBe('*');
  });

  it('names what it knows: "a trail" when none is configured, "the audited trail" when one is', async () => {
    const [any] = await detect(stop, {});
    expect(any!.summary).toBe(
      'Auditor tampering: arn:aws:iam::143434273843:user/christophe called cloudtrail:StopLogging on a trail stratus-red-team-ct-stop-trail-buykxbqejv',
    );
    const [audited] = await detect(stop, { trails: ['stratus-red-team-ct-stop-trail-buykxbqejv'] });
    expect(audited!.summary).toBe(
      'Auditor tampering: arn:aws:iam::143434273843:user/christophe called cloudtrail:StopLogging on the audited trail stratus-red-team-ct-stop-trail-buykxbqejv',
    );
    expect(`${any!.summary} ${audited!.summary}`).not.toContain("stack's");
  });

  it('matches a trail named by ARN in the request against the configured name', async () => {
    const alerts = await detect(fixture('cloudtrail/panther-analysis-48-StopLogging.json'), { trails: ['example-trail'] });
    expect(alerts.map((a) => a.resource)).toEqual(['arn:aws:cloudtrail:us-west-2:123456789012:trail/example-trail']);
  });

  it('reports a failed attempt, still critical', async () => {
    const [alert] = await detect(fixture('cloudtrail/panther-analysis-50-StopLogging.json'), { trails: ['example-trail'] });
    expect(alert!.severity).toBe('critical');
    expect(alert!.details.succeeded).toBe(false);
    expect(alert!.details.errorCode).toBe('InvalidTrailNameException');
    expect(alert!.summary).toContain('attempt failed: InvalidTrailNameException');
  });

  it('reports a deployer too, and says so', async () => {
    const [alert] = await detect(stop, { trails: [] }, ['arn:aws:iam::*:user/christophe']);
    expect(alert!.severity).toBe('critical');
    expect(alert!.details.deployer).toEqual({ by: 'principal', pattern: 'arn:aws:iam::*:user/christophe' });
    expect(alert!.summary).toContain('by a deployer');
  });

  it('covers DeleteTrail, PutEventSelectors and UpdateTrail', async () => {
    expect(
      await detect(fixture('cloudtrail/stratus-red-team-116-DeleteTrail.json'), { trails: ['stratus-red-team-cloudtraild-trail-kvrwohmiai'] }),
    ).toHaveLength(1);
    expect(
      await detect(fixture('cloudtrail/stratus-red-team-117-PutEventSelectors.json'), { trails: ['stratus-red-team-ctes-trail-khlvciwdor'] }),
    ).toHaveLength(1);
    expect(await detect(fixture('cloudtrail/stratus-red-team-117-PutEventSelectors.json'), { trails: ['immutrail'] })).toEqual([]);
    expect(await detect(fixture('cloudtrail/awsdocs-aws-cloudtrail-user-guide-16-UpdateTrail.json'), { trails: ['myTrail2'] })).toHaveLength(1);
  });

  it('reads the CloudTrail record inside an EventBridge envelope', async () => {
    const envelope = { version: '0', id: 'eb-1', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.cloudtrail', detail: stop };
    expect(await detect(envelope, { trails: ['stratus-red-team-ct-stop-trail-buykxbqejv'] })).toHaveLength(1);
  });
});

describe('auditor tampering: rules, bucket, keys, table, queue, functions, topic', () => {
  it('DisableRule, DeleteRule and RemoveTargets on the stack rules, not on others', async () => {
    const cases: [string, JsonObject][] = [
      ['DisableRule', { name: 'immutrail-capture' }],
      ['DeleteRule', { name: 'immutrail-capture', eventBusName: 'default' }],
      ['RemoveTargets', { rule: 'immutrail-capture', ids: ['sqs'] }],
    ];
    for (const [name, params] of cases) {
      const raw = ct({ eventSource: 'events.amazonaws.com', eventName: name, requestParameters: params });
      const mine = await detect(raw, { rules: ['arn:aws:events:us-east-1:111122223333:rule/immutrail-capture'] });
      expect(mine.map((a) => [a.rule, a.severity])).toEqual([['tampering.event-rule', 'critical']]);
      expect(await detect(raw, { rules: ['someone-elses-rule'] })).toEqual([]);
    }
  });

  it('policy, lifecycle and versioning changes on the archive bucket only', async () => {
    const policy = fixture('cloudtrail/panther-analysis-302-PutBucketPolicy.json');
    expect((await detect(policy, { buckets: ['example-bucket'] })).map((a) => a.rule)).toEqual(['tampering.archive-bucket']);
    expect(await detect(policy, { buckets: ['immutrail-archive'] })).toEqual([]);
    const lifecycle = fixture('cloudtrail/panther-analysis-43-PutBucketLifecycle.json');
    expect(await detect(lifecycle, { buckets: ['sample-cloudtrail-bucket-name'] })).toHaveLength(1);
    const versioning = fixture('cloudtrail/panther-analysis-364-PutBucketVersioning.json');
    expect(await detect(versioning, { buckets: ['arn:aws:s3:::critical-data-bucket'] })).toHaveLength(1);
    const lock = ct({ eventSource: 's3.amazonaws.com', eventName: 'PutObjectLockConfiguration', requestParameters: { bucketName: 'archive' } });
    expect(await detect(lock, { buckets: ['archive'] })).toHaveLength(1);
    // A denied attempt is reported as well.
    const denied = await detect(fixture('cloudtrail/panther-analysis-305-PutBucketPolicy.json'), { buckets: ['example-bucket'] });
    expect(denied.map((a) => a.details.errorCode)).toEqual(['AccessDenied']);
  });

  it('DisableKey, ScheduleKeyDeletion and PutKeyPolicy on the stack keys only', async () => {
    const keys = { keys: ['arn:aws:kms:us-west-2:123456789012:key/1', 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'] };
    for (const f of ['panther-analysis-205-DisableKey', 'panther-analysis-206-ScheduleKeyDeletion', 'panther-analysis-314-PutKeyPolicy']) {
      const raw = fixture(`cloudtrail/${f}.json`);
      expect((await detect(raw, keys)).map((a) => a.rule)).toEqual(['tampering.key']);
      expect(await detect(raw, { keys: ['arn:aws:kms:us-west-2:123456789012:key/2'] })).toEqual([]);
    }
  });

  it('changes to the table, the queue, the functions and the topic', async () => {
    const cases: [JsonObject, Partial<ProtectedResources>, string][] = [
      [
        ct({ eventSource: 'dynamodb.amazonaws.com', eventName: 'UpdateTimeToLive', requestParameters: { tableName: 'immutrail' } }),
        { tables: ['immutrail'] },
        'tampering.table',
      ],
      [
        ct({
          eventSource: 'dynamodb.amazonaws.com',
          eventName: 'DeleteTable',
          requestParameters: { tableName: 'arn:aws:dynamodb:us-east-1:1:table/immutrail' },
        }),
        { tables: ['immutrail'] },
        'tampering.table',
      ],
      [
        ct({
          eventSource: 'sqs.amazonaws.com',
          eventName: 'PurgeQueue',
          requestParameters: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/immutrail.fifo' },
        }),
        { queues: ['arn:aws:sqs:us-east-1:111122223333:immutrail.fifo'] },
        'tampering.queue',
      ],
      [fixture('cloudtrail/panther-analysis-229-DeleteFunction.json'), { functions: ['my-lambda-function'] }, 'tampering.function'],
      [
        fixture('cloudtrail/stratus-red-team-305-UpdateFunctionCode20150331v2.json'),
        { functions: ['stratus-red-team-olc-func-vayhjqkdav'] },
        'tampering.function',
      ],
      [
        ct({
          eventSource: 'lambda.amazonaws.com',
          eventName: 'PutFunctionConcurrency20171031',
          requestParameters: { functionName: 'ingest', reservedConcurrentExecutions: 0 },
        }),
        { functions: ['ingest'] },
        'tampering.function',
      ],
      [
        ct({ eventSource: 'sns.amazonaws.com', eventName: 'DeleteTopic', requestParameters: { topicArn: 'arn:aws:sns:us-east-1:1:immutrail-alerts' } }),
        { topics: ['immutrail-alerts'] },
        'tampering.topic',
      ],
    ];
    for (const [raw, p, rule] of cases) {
      expect((await detect(raw, p)).map((a) => a.rule)).toEqual([rule]);
      expect(await detect(raw, {})).toEqual([]);
    }
  });

  it('ignores read-only calls and other actions on protected resources', async () => {
    const get = ct({ eventSource: 's3.amazonaws.com', eventName: 'GetBucketPolicy', requestParameters: { bucketName: 'archive' } });
    const put = ct({ eventSource: 's3.amazonaws.com', eventName: 'PutObject', requestParameters: { bucketName: 'archive', key: 'x' } });
    expect(await detect(get, { buckets: ['archive'] })).toEqual([]);
    expect(await detect(put, { buckets: ['archive'] })).toEqual([]);
  });

  it('ignores events that are not CloudTrail records', async () => {
    const ecs = fixture('eventbridge/awsdocs-amazon-ecs-developer-guide-2-ecs-task-state-change.json');
    expect(await detect(ecs, { trails: [] })).toEqual([]);
  });

  it('uses the principal of the session in the alert', async () => {
    const raw = ct({
      eventSource: 'kms.amazonaws.com',
      eventName: 'ScheduleKeyDeletion',
      userIdentity: assumedRole('arn:aws:iam::111122223333:role/Admin', 'mallory'),
      requestParameters: { keyId: 'k-1', pendingWindowInDays: 7 },
    });
    const [alert] = await detect(raw, { keys: ['k-1'] });
    expect(alert!.principal).toBe('arn:aws:sts::111122223333:assumed-role/Admin/mallory');
  });
});

// Issue 14: a member account's forwarding rules (ImmutrailMemberStack) are the auditor's own, in any account.
describe('auditor tampering: member forwarding rules', () => {
  const MEMBER = '333333333333';
  const admin = assumedRole(`arn:aws:iam::${MEMBER}:role/AWSReservedSSO_AdministratorAccess_0123456789abcdef`, 'mallory@example.com');
  /** An events.amazonaws.com call in the member account, as the organization trail records it. */
  const memberCall = (eventName: string, requestParameters: JsonObject, extra: JsonObject = {}): JsonObject =>
    ct({
      eventVersion: '1.09',
      userIdentity: admin,
      eventTime: '2026-03-02T09:14:27Z',
      eventSource: 'events.amazonaws.com',
      eventName,
      awsRegion: 'eu-west-1',
      sourceIPAddress: '198.51.100.23',
      userAgent:
        'aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe command/events.' +
        eventName.toLowerCase(),
      requestParameters,
      responseElements: null,
      requestID: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b',
      eventID: `7c9e6679-7425-40de-944b-e07fc1f90ae7-${eventName}`,
      readOnly: false,
      eventType: 'AwsApiCall',
      apiVersion: '2015-10-07',
      managementEvent: true,
      recipientAccountId: MEMBER,
      eventCategory: 'Management',
      tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: 'events.eu-west-1.amazonaws.com' },
      ...extra,
    });

  it('DeleteRule, DisableRule and RemoveTargets on immutrail-member-* are critical in any account, with no rule configured', async () => {
    const calls: JsonObject[] = [
      memberCall('DeleteRule', { name: 'immutrail-member-api-1', force: false }),
      memberCall('DeleteRule', { name: 'immutrail-member-drift', eventBusName: 'default' }),
      memberCall('DisableRule', { name: 'immutrail-member-ec2', eventBusName: 'default' }),
      memberCall('RemoveTargets', { rule: 'immutrail-member-ecs', eventBusName: 'default', ids: ['Target0'], force: false }),
    ];
    for (const raw of calls) {
      const alerts = await detect(raw, {});
      expect(alerts.map((a) => [a.rule, a.severity, a.account, a.resource])).toEqual([
        ['tampering.event-rule', 'critical', MEMBER, (raw.requestParameters as JsonObject).name ?? (raw.requestParameters as JsonObject).rule],
      ]);
      expect(alerts[0]!.details).toMatchObject({ protectedAs: 'immutrail-member-*', resourceKind: 'rules', succeeded: true });
      // the stack's own rules being configured does not hide a member's
      expect(await detect(raw, { rules: ['Immutrail-capture-api'] })).toHaveLength(1);
    }
    const [deleted] = await detect(calls[0]!, {});
    expect(deleted!.summary).toBe(
      `Auditor tampering: arn:aws:sts::${MEMBER}:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/mallory@example.com called events:DeleteRule on a member forwarding EventBridge rule immutrail-member-api-1`,
    );
  });

  it('PutRule on one (a changed pattern, or the StackSet deploying it) is reported too, and says when a deployer did it', async () => {
    const stackSet = assumedRole(`arn:aws:iam::${MEMBER}:role/stacksets-exec-0123456789abcdef0123456789abcdef`, '1234567890123', {
      invokedBy: 'cloudformation.amazonaws.com',
    });
    const put = memberCall(
      'PutRule',
      {
        name: 'immutrail-member-ec2',
        eventPattern: '{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"]}',
        state: 'ENABLED',
        description: 'immutrail member: ec2 events to the audit account',
      },
      {
        userIdentity: stackSet,
        sourceIPAddress: 'cloudformation.amazonaws.com',
        userAgent: 'cloudformation.amazonaws.com',
        responseElements: { ruleArn: `arn:aws:events:eu-west-1:${MEMBER}:rule/immutrail-member-ec2` },
      },
    );
    const [alert, ...rest] = await detect(put, {}, ['arn:aws:iam::*:role/stacksets-exec-*']);
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({ severity: 'critical', rule: 'tampering.event-rule', account: MEMBER });
    expect(alert!.summary).toContain('(by a deployer)');
  });

  it('PutTargets pointing one elsewhere, and a rule named by ARN, count as well', async () => {
    const retarget = memberCall('PutTargets', {
      rule: 'immutrail-member-api-1',
      eventBusName: 'default',
      targets: [{ id: 'Target0', arn: 'arn:aws:events:eu-west-1:444455556666:event-bus/default' }],
    });
    expect((await detect(retarget, {})).map((a) => a.details.action)).toEqual(['events:PutTargets']);
    const byArn = memberCall('DeleteRule', { name: `arn:aws:events:eu-west-1:${MEMBER}:rule/immutrail-member-ecs` });
    expect((await detect(byArn, {})).map((a) => a.details.protectedAs)).toEqual(['immutrail-member-*']);
  });

  it('a refused attempt (an SCP, a missing permission) is still critical', async () => {
    const denied = memberCall(
      'DeleteRule',
      { name: 'immutrail-member-api-1' },
      {
        errorCode: 'AccessDenied',
        errorMessage: `User: arn:aws:sts::${MEMBER}:assumed-role/Dev/bob is not authorized to perform: events:DeleteRule on resource: arn:aws:events:eu-west-1:${MEMBER}:rule/immutrail-member-api-1 with an explicit deny in a service control policy`,
      },
    );
    const [alert] = await detect(denied, {});
    expect(alert!.severity).toBe('critical');
    expect(alert!.details).toMatchObject({ succeeded: false, errorCode: 'AccessDenied' });
  });

  it('reads the call inside the EventBridge envelope a member forwarded (live lane)', async () => {
    const raw = memberCall('DisableRule', { name: 'immutrail-member-ecr' });
    const envelope: JsonObject = {
      version: '0',
      id: 'b5f3e9a1-0c2d-4e6f-8a9b-1c2d3e4f5a6b',
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.events',
      account: MEMBER,
      time: '2026-03-02T09:14:27Z',
      region: 'eu-west-1',
      resources: [],
      detail: raw,
    };
    expect((await detect(envelope, {})).map((a) => [a.rule, a.account])).toEqual([['tampering.event-rule', MEMBER]]);
  });

  it('leaves rules that only look alike, and read-only calls on member rules', async () => {
    for (const name of ['immutrail-membership-sync', 'my-immutrail-member-ec2', 'immutrail-member', 'Immutrail-Member-ec2']) {
      expect(await detect(memberCall('DeleteRule', { name }), {}), name).toEqual([]);
    }
    expect(await detect(memberCall('DescribeRule', { name: 'immutrail-member-ec2' }, { readOnly: true }), {})).toEqual([]);
    expect(await detect(memberCall('ListTargetsByRule', { rule: 'immutrail-member-ec2' }, { readOnly: true }), {})).toEqual([]);
  });
});
