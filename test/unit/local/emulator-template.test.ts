/** The template edits that let the stack deploy on moto, checked without an emulator (the deployment itself: test/integration/deploy-template.test.ts). */
import { describe, expect, it } from 'vitest';
import { LocalDeployError } from '../../../lib/local/deploy-errors';
import { withResourceReplaced, withoutResourceTypes } from '../../../lib/local/emulator-template';
import { adaptTemplateForMoto } from '../../../lib/local/moto-adaptations';
import { type DeployedResource, type DeployedScope, resolveTemplateJson, resolveTemplateValue } from '../../../lib/local/resolve-deployed';

/** A deployed stack of one resource whose attributes read `<physical id>#<attribute>`. */
function deployedScope(resource: DeployedResource): DeployedScope {
  return {
    stackName: 's',
    stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/s/1',
    region: 'eu-west-1',
    accountId: '123456789012',
    partition: 'aws',
    urlSuffix: 'amazonaws.com',
    resources: new Map([[resource.logicalId, resource]]),
    attribute: async (r, name) => `${r.physicalId}#${name}`,
  };
}

describe('template edits for the emulator', () => {
  const template = {
    Resources: {
      Key: { Type: 'AWS::KMS::Key', Properties: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' } },
      Fn: {
        Type: 'AWS::Lambda::Function',
        DependsOn: ['Key'],
        Properties: {
          Environment: {
            Variables: {
              ARN: { 'Fn::GetAtt': ['Key', 'Arn'] },
              ID: { Ref: 'Key' },
              SUB: { 'Fn::Sub': 'key ${Key} at ${Key.Arn} in ${AWS::Region}' },
            },
          },
        },
      },
      Schedule: {
        Type: 'AWS::Events::Rule',
        Properties: { ScheduleExpression: 'rate(5 minutes)', Targets: [{ Id: 't', Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] } }] },
      },
      Mapping: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { FunctionName: { Ref: 'Fn' } } },
      Policy: { Type: 'AWS::S3::BucketPolicy', Properties: {} },
    },
    Outputs: { KeyArn: { Value: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
  };

  it('puts an existing resource in place of a template resource, in Ref, GetAtt, Sub and outputs', () => {
    const arn = 'arn:aws:kms:us-east-1:123456789012:key/k-1';
    const out = withResourceReplaced(template, 'Key', { ref: 'k-1', attributes: { Arn: arn } });
    expect(out.Resources.Key).toBeUndefined();
    expect(out.Resources.Fn.DependsOn).toBeUndefined();
    expect((out.Resources.Fn.Properties as any).Environment.Variables).toEqual({
      ARN: arn,
      ID: 'k-1',
      SUB: { 'Fn::Sub': `key k-1 at ${arn} in \${AWS::Region}` },
    });
    expect(out.Outputs!.KeyArn.Value).toBe(arn);
    expect(() => withResourceReplaced(template, 'Key', { ref: 'k-1', attributes: {} })).toThrow(LocalDeployError);
  });

  it('leaves out bucket policies, disables event source mappings and removes Lambda targets, and says so', () => {
    const { template: out, adaptations } = adaptTemplateForMoto(template);
    expect(out.Resources.Policy).toBeUndefined();
    expect(out.Resources.Mapping.Properties!.Enabled).toBe(false);
    expect(out.Resources.Schedule.Properties!.Targets).toBeUndefined();
    expect(adaptations.map((a) => a.resources.map((r) => r.logicalId))).toEqual([['Policy'], ['Mapping'], ['Schedule']]);
    // The input is not modified.
    expect(template.Resources.Mapping.Properties).toEqual({ FunctionName: { Ref: 'Fn' } });
  });

  it("leaves out the pipeline dashboard, whose alarm row moto's CloudFormation cannot resolve, and says so", () => {
    const withDashboard = {
      ...template,
      Resources: {
        ...template.Resources,
        Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: {} },
        Dashboard: { Type: 'AWS::CloudWatch::Dashboard', Properties: { DashboardBody: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Alarm', 'Arn'] }]] } } },
      },
    } as typeof template;
    const { template: out, adaptations } = adaptTemplateForMoto(withDashboard);
    expect(out.Resources.Dashboard).toBeUndefined();
    expect(out.Resources.Alarm).toBeDefined();
    expect(adaptations.find((a) => a.resources.some((r) => r.logicalId === 'Dashboard'))!.change).toBe('left out');
  });

  it('leaves out the Firehose stream with everything that exists only for it, keeps the rules and the other targets, and says so', () => {
    const streamArn = { 'Fn::GetAtt': ['Stream', 'Arn'] };
    const withStream = {
      Resources: {
        Stream: { Type: 'AWS::KinesisFirehose::DeliveryStream', DependsOn: ['StreamRole'], Properties: { DeliveryStreamType: 'DirectPut' } },
        StreamRole: { Type: 'AWS::IAM::Role', Properties: {} },
        Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
        Capture: {
          Type: 'AWS::Events::Rule',
          Properties: { EventPattern: { source: ['aws.ec2'] }, Targets: [{ Id: 'Target0', Arn: streamArn, RoleArn: 'arn:aws:iam::1:role/r' }] },
        },
        Both: {
          Type: 'AWS::Events::Rule',
          Properties: {
            EventPattern: { source: ['aws.ecs'] },
            Targets: [
              { Id: 'f', Arn: streamArn },
              { Id: 'q', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
            ],
          },
        },
        PutRecords: {
          Type: 'AWS::IAM::Policy',
          Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'firehose:PutRecord', Resource: streamArn }] }, Roles: [] },
        },
        Mixed: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyDocument: {
              Statement: [
                { Effect: 'Allow', Action: 'firehose:PutRecord', Resource: streamArn },
                { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
              ],
            },
            Roles: [],
          },
        },
      },
      Outputs: { LiveStreamName: { Value: { Ref: 'Stream' } }, QueueUrl: { Value: { Ref: 'Queue' } } },
    };
    const { template: out, adaptations } = adaptTemplateForMoto(withStream);
    expect(Object.keys(out.Resources).sort()).toEqual(['Both', 'Capture', 'Mixed', 'Queue', 'StreamRole']);
    expect(out.Resources.Capture.Properties).toEqual({ EventPattern: { source: ['aws.ec2'] } });
    expect(out.Resources.Both.Properties!.Targets).toEqual([{ Id: 'q', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } }]);
    expect((out.Resources.Mixed.Properties as any).PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
    ]);
    expect(Object.keys(out.Outputs!)).toEqual(['QueueUrl']);
    expect(adaptations.map((a) => [a.change, a.resources.map((r) => r.logicalId).sort()])).toEqual([
      ['Firehose targets removed', ['Both', 'Capture']],
      ['left out', ['PutRecords', 'Stream']],
      ['statements naming the Firehose stream removed', ['Mixed']],
      ['output LiveStreamName left out', ['LiveStreamName']],
    ]);
    for (const a of adaptations) expect(a.reason.length).toBeGreaterThan(20);
    // The input is not modified.
    expect(withStream.Resources.Capture.Properties.Targets).toHaveLength(1);
    expect(withStream.Outputs.LiveStreamName).toBeDefined();
  });

  it('resolves the intrinsic functions inside a structure such as an event pattern, and nothing else', async () => {
    const scope = deployedScope({ logicalId: 'Staging', type: 'AWS::S3::Bucket', physicalId: 's-staging-abc' });
    const pattern = {
      source: ['aws.s3'],
      detail: { $or: [{ bucket: { name: [{ Ref: 'Staging' }] }, object: { key: [{ prefix: 'live/' }] } }, { account: [{ Ref: 'AWS::AccountId' }] }] },
    };
    expect(await resolveTemplateJson(pattern, scope)).toEqual({
      source: ['aws.s3'],
      detail: { $or: [{ bucket: { name: ['s-staging-abc'] }, object: { key: [{ prefix: 'live/' }] } }, { account: ['123456789012'] }] },
    });
  });

  it('resolves Ref, Fn::GetAtt, Fn::Join and Fn::Sub against deployed resources, and refuses the rest', async () => {
    const scope = deployedScope({ logicalId: 'Queue', type: 'AWS::SQS::Queue', physicalId: 'https://q/1' });
    const value = {
      'Fn::Join': ['|', [{ Ref: 'Queue' }, { 'Fn::GetAtt': ['Queue', 'Arn'] }, { 'Fn::Sub': '${AWS::AccountId}/${Queue.Arn}/${!Literal}' }]],
    };
    expect(await resolveTemplateValue(value, scope)).toBe('https://q/1|https://q/1#Arn|123456789012/https://q/1#Arn/${Literal}');
    await expect(resolveTemplateValue({ Ref: 'Gone' }, scope)).rejects.toMatchObject({ code: 'NOT_DEPLOYED' });
    await expect(resolveTemplateValue({ 'Fn::Select': [0, ['a']] }, scope)).rejects.toMatchObject({ code: 'UNRESOLVABLE_VALUE' });
  });

  it('refuses to leave out a resource something else still references', () => {
    expect(() => withoutResourceTypes(template, ['AWS::KMS::Key'])).toThrow(/reference/);
  });
});
