import { describe, expect, it } from 'vitest';
import type { DeployerConfig, ImmutableScope } from '../../../lib/core/detect/config';
import { emptyProtectedResources } from '../../../lib/core/detect/config';
import { driftDetector } from '../../../lib/core/detect/drift';
import type { ResourceLookup } from '../../../lib/core/detect/types';
import type { JsonObject } from '../../../lib/core/json';
import type { NormalizedEvent } from '../../../lib/core/normalized';
import { assumedRole, context, ct, eventRecord, fixture } from './helpers';

interface Opts {
  deployers?: Partial<DeployerConfig>;
  scope?: ImmutableScope;
  resources?: ResourceLookup;
  event?: Partial<NormalizedEvent>;
  buckets?: string[];
}

async function detect(raw: JsonObject, o: Opts = {}) {
  const ctx = context({
    config: {
      deployers: { principals: [], services: ['cloudformation.amazonaws.com'], serviceLinkedRoles: true, ...o.deployers },
      immutableScope: o.scope ?? { mode: 'all' },
      protectedResources: { ...emptyProtectedResources(), buckets: o.buckets ?? [] },
    },
    ...(o.resources ? { resources: o.resources } : {}),
  });
  return driftDetector.detect(eventRecord(raw, { event: o.event }), ctx);
}

const sgIngress = fixture('cloudtrail/stratus-red-team-266-AuthorizeSecurityGroupIngress.json');

describe('drift: who', () => {
  it('alerts on a security group rule added by hand', async () => {
    const [alert, ...rest] = await detect(sgIngress);
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({
      kind: 'drift',
      rule: 'drift.security-group',
      severity: 'high',
      resource: 'sg-003dc7f1f1c686164',
      principal: 'arn:aws:iam::032092706103:user/christophe',
      eventId: sgIngress.eventID,
    });
    expect(alert!.id).toBe(`drift.security-group:${sgIngress.eventID as string}`);
    expect(alert!.summary).toContain('ec2:AuthorizeSecurityGroupIngress');
    expect(alert!.details).toMatchObject({ resourceType: 'AWS::EC2::SecurityGroup', succeeded: true, scope: 'all' });
  });

  it('does not alert when the caller is a deployer by exact ARN', async () => {
    expect(await detect(sgIngress, { deployers: { principals: ['arn:aws:iam::032092706103:user/christophe'] } })).toEqual([]);
  });

  it('does not alert for a session of a deployer role matched by pattern, and does for other roles', async () => {
    const egress = fixture('cloudtrail/panther-analysis-102-AuthorizeSecurityGroupEgress.json');
    expect(await detect(egress, { deployers: { principals: ['arn:aws:iam::*:role/Oper*'] } })).toEqual([]);
    expect(await detect(egress, { deployers: { principals: ['arn:aws:iam::*:role/cdk-*'] } })).toHaveLength(1);
  });

  it('does not alert for CloudFormation acting with the caller credentials or a service-linked role', async () => {
    const viaCfn = ct({
      eventSource: 'ec2.amazonaws.com',
      eventName: 'RevokeSecurityGroupIngress',
      userIdentity: assumedRole('arn:aws:iam::111122223333:role/Admin', 'alice', { invokedBy: 'cloudformation.amazonaws.com' }),
      sourceIPAddress: 'cloudformation.amazonaws.com',
      requestParameters: { groupId: 'sg-1' },
    });
    expect(await detect(viaCfn)).toEqual([]);
    const slr = ct({
      eventSource: 'ecs.amazonaws.com',
      eventName: 'UpdateService',
      userIdentity: assumedRole('arn:aws:iam::111122223333:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS', 'ecs'),
      requestParameters: { service: 'web', cluster: 'prod' },
    });
    expect(await detect(slr)).toEqual([]);
    expect(await detect(slr, { deployers: { serviceLinkedRoles: false } })).toHaveLength(1);
  });

  it('reports a failed change as a low-severity attempt under its own rule', async () => {
    const [alert] = await detect(fixture('cloudtrail/panther-analysis-104-AuthorizeSecurityGroupIngress.json'));
    expect(alert).toMatchObject({ rule: 'drift.security-group.attempt', severity: 'low', resource: 'sg-04f0b44316f7d2471' });
    expect(alert!.details).toMatchObject({ succeeded: false, errorCode: 'UnauthorizedOperation' });
    expect(alert!.summary).toContain('failed: UnauthorizedOperation');
  });
});

describe('drift: what', () => {
  it('covers instance attributes, IAM policies, Lambda configuration, AMI sharing and ECS services', async () => {
    const cases: [JsonObject, string, string, string][] = [
      [fixture('cloudtrail/stratus-red-team-151-ModifyInstanceAttribute.json'), 'drift.instance', 'i-DDd6c7B0e18F0E35f', 'AWS::EC2::Instance'],
      [fixture('cloudtrail/stratus-red-team-298-AttachRolePolicy.json'), 'drift.iam-policy', 'stratus-red-team-malicious-iam-role', 'AWS::IAM::Role'],
      [fixture('cloudtrail/panther-analysis-164-PutUserPolicy.json'), 'drift.iam-policy', 'test-user', 'AWS::IAM::User'],
      [fixture('cloudtrail/stratus-red-team-293-UpdateAssumeRolePolicy.json'), 'drift.iam-policy', '', 'AWS::IAM::Role'],
      [fixture('cloudtrail/stratus-red-team-304-UpdateFunctionConfiguration20150331v2.json'), 'drift.lambda', '', 'AWS::Lambda::Function'],
      [fixture('cloudtrail/stratus-red-team-267-ModifyImageAttribute.json'), 'drift.image-sharing', 'ami-de1fbCab6ccB03e6D', 'AWS::EC2::Image'],
      [fixture('cloudtrail/panther-analysis-302-PutBucketPolicy.json'), 'drift.bucket-access', 'example-bucket', 'AWS::S3::Bucket'],
      [
        ct({ eventSource: 'ecs.amazonaws.com', eventName: 'UpdateService', requestParameters: { cluster: 'prod', service: 'web', desiredCount: 3 } }),
        'drift.ecs-service',
        'web',
        'AWS::ECS::Service',
      ],
      [
        ct({
          eventSource: 'iam.amazonaws.com',
          eventName: 'CreatePolicyVersion',
          requestParameters: { policyArn: 'arn:aws:iam::1:policy/app', setAsDefault: true },
        }),
        'drift.iam-policy',
        'arn:aws:iam::1:policy/app',
        'AWS::IAM::ManagedPolicy',
      ],
    ];
    for (const [raw, rule, resource, type] of cases) {
      const alerts = await detect(raw);
      expect(
        alerts.map((a) => a.rule),
        rule,
      ).toEqual([rule]);
      if (resource) expect(alerts[0]!.resource).toBe(resource);
      expect(alerts[0]!.details.resourceType).toBe(type);
    }
  });

  it('reports interactive access to hosts', async () => {
    const cases: [string, string, string | null, string][] = [
      ['stratus-red-team-261-StartSession', 'drift.interactive-access', 'i-eA1d1296c1dE3Aa1f', 'high'],
      ['stratus-red-team-286-SendSSHPublicKey', 'drift.interactive-access', 'i-fDb357cB7e99ad973', 'high'],
      ['stratus-red-team-290-SendSerialConsoleSSHPublicKey', 'drift.interactive-access', 'i-EFCb4e480CAbc4CF9', 'high'],
      ['stratus-red-team-289-EnableSerialConsoleAccess', 'drift.interactive-access', null, 'high'],
      ['stratus-red-team-35-SendCommand', 'drift.interactive-access', 'i-786a3A8B5C0d92eF4', 'high'],
      ['panther-analysis-409-SendCommand', 'drift.interactive-access', 'i-006e4c07b5fba8ad2,i-01bf673280e708b0d,i-020001cca1a2f2628', 'high'],
    ];
    for (const [f, rule, resource, severity] of cases) {
      const alerts = await detect(fixture(`cloudtrail/${f}.json`));
      expect(
        alerts.map((a) => [a.rule, a.resource, a.severity]),
        f,
      ).toEqual([[rule, resource, severity]]);
    }
    const probe = ct({ eventSource: 'ec2.amazonaws.com', eventName: 'GetSerialConsoleAccessStatus', readOnly: true });
    expect((await detect(probe)).map((a) => [a.rule, a.severity])).toEqual([['drift.serial-console-probe', 'low']]);
  });

  it('ignores read-only and unlisted calls', async () => {
    expect(await detect(ct({ eventSource: 'ec2.amazonaws.com', eventName: 'DescribeSecurityGroups', readOnly: true }))).toEqual([]);
    expect(await detect(ct({ eventSource: 'logs.amazonaws.com', eventName: 'CreateLogStream' }))).toEqual([]);
    expect(await detect(fixture('cloudtrail/stratus-red-team-118-StopLogging.json'))).toEqual([]);
  });

  it("leaves the auditor's own bucket to the tampering detector", async () => {
    expect(await detect(fixture('cloudtrail/panther-analysis-302-PutBucketPolicy.json'), { buckets: ['example-bucket'] })).toEqual([]);
  });
});

describe('drift: immutable scope', () => {
  it('by resource type, with globs', async () => {
    expect(await detect(sgIngress, { scope: { mode: 'types', types: ['AWS::ECS::Service'] } })).toEqual([]);
    const alerts = await detect(sgIngress, { scope: { mode: 'types', types: ['AWS::EC2::*'] } });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.details.scope).toBe('type AWS::EC2::SecurityGroup');
    // A user policy is not a role.
    expect(await detect(fixture('cloudtrail/panther-analysis-164-PutUserPolicy.json'), { scope: { mode: 'types', types: ['AWS::IAM::Role'] } })).toEqual([]);
  });

  it('by tag: from the event, from the index, or by the unknown-tags policy', async () => {
    const tagScope = (unknownTags: 'in-scope' | 'out-of-scope'): ImmutableScope => ({ mode: 'tag', key: 'immutable', value: 'true', unknownTags });
    // Tags unknown: the policy decides.
    expect(await detect(sgIngress, { scope: tagScope('in-scope') })).toHaveLength(1);
    expect(await detect(sgIngress, { scope: tagScope('out-of-scope') })).toEqual([]);
    // Tags on the event decide first.
    expect(await detect(sgIngress, { scope: tagScope('in-scope'), event: { tags: { immutable: 'false' } } })).toEqual([]);
    expect(await detect(sgIngress, { scope: tagScope('out-of-scope'), event: { tags: { immutable: 'true' } } })).toHaveLength(1);
    // Then the archive index.
    const sg = { type: 'AWS::EC2::SecurityGroup', id: 'sg-003dc7f1f1c686164', arn: null };
    const lookup = (tags: Record<string, string> | null): ResourceLookup => ({ tagsOf: async (r) => (r.id === sg.id ? tags : null) });
    expect(await detect(sgIngress, { scope: tagScope('out-of-scope'), event: { resources: [sg] }, resources: lookup({ immutable: 'true' }) })).toHaveLength(1);
    expect(await detect(sgIngress, { scope: tagScope('in-scope'), event: { resources: [sg] }, resources: lookup({ team: 'web' }) })).toEqual([]);
    // Tag without value: presence is enough.
    expect(
      await detect(sgIngress, { scope: { mode: 'tag', key: 'immutable', value: null, unknownTags: 'out-of-scope' }, event: { tags: { immutable: 'no' } } }),
    ).toHaveLength(1);
  });
});

describe('drift: CloudFormation drift detection', () => {
  const driftEvent = (status: string, count: number): JsonObject => ({
    version: '0',
    id: `drift-${status}`,
    'detail-type': 'CloudFormation Drift Detection Status Change',
    source: 'aws.cloudformation',
    account: '111122223333',
    time: '2024-08-01T14:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:cloudformation:us-east-1:111122223333:stack/web/1a2b'],
    detail: {
      'stack-id': 'arn:aws:cloudformation:us-east-1:111122223333:stack/web/1a2b',
      'stack-drift-detection-id': 'd-1',
      'status-details': { 'stack-drift-status': status, 'detection-status': 'DETECTION_COMPLETE' },
      'drift-detection-details': { 'drifted-stack-resource-count': count },
    },
  });

  it('alerts when a stack is DRIFTED, not when IN_SYNC', async () => {
    const [alert, ...rest] = await detect(driftEvent('DRIFTED', 2));
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({
      rule: 'drift.cloudformation',
      severity: 'high',
      resource: 'arn:aws:cloudformation:us-east-1:111122223333:stack/web/1a2b',
      principal: null,
    });
    expect(alert!.summary).toContain('2 resources');
    expect(await detect(driftEvent('IN_SYNC', 0))).toEqual([]);
  });
});
