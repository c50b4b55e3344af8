import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../lib/core/json';
import { normalizeEvent } from '../../../lib/core/normalize';
import type { NormalizedEvent } from '../../../lib/core/normalized';
import { fixture } from './fixtures';

const ECS_GUIDE = 'awsdocs-amazon-ecs-developer-guide.eventbridge.ndjson';
const ECR_GUIDE = 'awsdocs-amazon-ecr-user-guide.eventbridge.ndjson';
const LAMBDA_GO = 'aws-lambda-go.eventbridge.ndjson';

function idsOf(e: NormalizedEvent, type: string): string[] {
  return e.resources.filter((r) => r.type === type).map((r) => r.id);
}

describe('EventBridge state-change events', () => {
  it('EC2 Instance State-change Notification: instance (with the ARN from resources[]) and its state', () => {
    const e = normalizeEvent(fixture('cloud-custodian.eventbridge.ndjson', 4));
    expect(e).toMatchObject({
      eventId: '07a51e4f-5d35-4010-a6a3-b7646aaead30',
      eventTime: '2015-11-23T06:58:14Z',
      account: '101010101111',
      region: 'us-east-1',
      service: 'ec2',
      action: 'EC2 Instance State-change Notification',
      category: 'state-change',
      readOnly: null,
      state: 'pending',
    });
    expect(e.resources).toEqual([{ type: 'AWS::EC2::Instance', id: 'i-a2d74f12', arn: 'arn:aws:ec2:us-east-1:101010101111:instance/i-a2d74f12' }]);
    expect(normalizeEvent(fixture('powertools-python.eventbridge.ndjson', 1)).state).toBe('terminated');
  });

  it('ECS Task State Change: task, cluster, task definition, running image by digest, lastStatus', () => {
    const e = normalizeEvent(fixture(ECS_GUIDE, 2));
    expect(e).toMatchObject({ service: 'ecs', action: 'ECS Task State Change', category: 'state-change', state: 'RUNNING' });
    expect(e.resources).toEqual([
      {
        type: 'AWS::ECS::Task',
        id: 'c13b4cb40f1f4fe4a2971f76ae5a47ad',
        arn: 'arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/c13b4cb40f1f4fe4a2971f76ae5a47ad',
      },
      { type: 'AWS::ECS::Cluster', id: 'FargateCluster', arn: 'arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster' },
      {
        type: 'AWS::ECR::Image',
        id: '111122223333.dkr.ecr.us-west-2.amazonaws.com/hello-repository@sha256:74b2c688c700ec95a93e478cdb959737c148df3fbf5ea706abe0318726e885e6',
        arn: null,
      },
      { type: 'AWS::ECS::TaskDefinition', id: 'sample-fargate:1', arn: 'arn:aws:ecs:us-west-2:111122223333:task-definition/sample-fargate:1' },
    ]);
  });

  it('ECS Task State Change of a service task: the service (from group) and task tags', () => {
    const raw = fixture(ECS_GUIDE, 2);
    const detail = raw.detail as JsonObject;
    detail.group = 'service:sample-fargate-svc';
    detail.tags = [{ key: 'team', value: 'payments' }];
    const e = normalizeEvent(raw);
    expect(idsOf(e, 'AWS::ECS::Service')).toEqual(['FargateCluster/sample-fargate-svc']);
    expect(e.tags).toEqual({ team: 'payments' });
  });

  it('ECS Container Instance State Change: container instance, cluster, the EC2 instance under it, status', () => {
    const e = normalizeEvent(fixture(ECS_GUIDE, 1));
    expect(e.state).toBe('ACTIVE');
    expect(idsOf(e, 'AWS::ECS::ContainerInstance')).toEqual(['b54a2a04-046f-4331-9d74-3f6d7f6ca315']);
    expect(idsOf(e, 'AWS::ECS::Cluster')).toEqual(['default']);
    expect(idsOf(e, 'AWS::EC2::Instance')).toEqual(['i-f3a8506b']);
    expect(normalizeEvent(fixture(LAMBDA_GO, 9)).state).toBe('ACTIVE');
  });

  it('ECS Deployment State Change: the service and the deployment event name as state', () => {
    const e = normalizeEvent(fixture(ECS_GUIDE, 4));
    expect(e).toMatchObject({ action: 'ECS Deployment State Change', state: 'SERVICE_DEPLOYMENT_IN_PROGRESS' });
    expect(e.resources).toEqual([
      { type: 'AWS::ECS::Service', id: 'default/servicetest', arn: 'arn:aws:ecs:us-west-2:111122223333:service/default/servicetest' },
    ]);
  });

  it('ECS Service Action: service, cluster, the container instances named', () => {
    const e = normalizeEvent(fixture(ECS_GUIDE, 3));
    expect(e.state).toBe('SERVICE_TASK_PLACEMENT_FAILURE');
    expect(idsOf(e, 'AWS::ECS::Service')).toEqual(['default/servicetest']);
    expect(idsOf(e, 'AWS::ECS::ContainerInstance')).toEqual(['2dd1b186f39845a584488d2ef155c131']);
  });

  it.each([
    [1, 'EC2 Instance Launch Successful', 'InProgress', 'my-auto-scaling-group'],
    [2, 'EC2 Instance Launch Unsuccessful', 'Failed', 'my-auto-scaling-group'],
    [3, 'EC2 Instance-launch Lifecycle Action', 'autoscaling:EC2_INSTANCE_LAUNCHING', 'my-asg'],
    [5, 'EC2 Instance Terminate Successful', 'InProgress', 'my-auto-scaling-group'],
  ])('Auto Scaling line %i (%s): EC2InstanceId and AutoScalingGroupName', (line, action, state, group) => {
    const e = normalizeEvent(fixture(LAMBDA_GO, line));
    expect(e).toMatchObject({ service: 'autoscaling', action, state, category: 'state-change' });
    // resources[] holds doc placeholders ("auto-scaling-group-arn"), which are not ARNs and are skipped.
    expect(e.resources).toEqual([
      { type: 'AWS::EC2::Instance', id: 'i-1234567890abcdef0', arn: null },
      { type: 'AWS::AutoScaling::AutoScalingGroup', id: group, arn: null },
    ]);
  });

  it('Auto Scaling group from resources[] ARN and from the detail name is one resource', () => {
    const e = normalizeEvent(fixture('awsdocs-amazon-ec2-auto-scaling-user-guide.eventbridge.ndjson', 2));
    expect(idsOf(e, 'AWS::AutoScaling::AutoScalingGroup')).toEqual(['my-asg']);
    expect(e.resources[0]!.arn).toBe(
      'arn:aws:autoscaling:us-west-2:123456789012:autoScalingGroup:042cba90-ad2f-431c-9b4d-6d9055bcc9fb:autoScalingGroupName/my-asg',
    );
  });

  it('Auto Scaling event with an empty detail still normalizes', () => {
    const e = normalizeEvent(fixture('awsdocs-amazon-eventbridge-user-guide.eventbridge.ndjson', 2));
    expect(e).toMatchObject({ action: 'EC2 Instance Launch Successful', state: null, resources: [] });
  });

  it('ECR Image Action: repository and image as registry/repo@digest; action-type as state', () => {
    const push = normalizeEvent(fixture(ECR_GUIDE, 1));
    expect(push).toMatchObject({ service: 'ecr', action: 'ECR Image Action', state: 'PUSH', category: 'state-change' });
    expect(push.resources).toEqual([
      { type: 'AWS::ECR::Repository', id: 'my-repository-name', arn: null },
      {
        type: 'AWS::ECR::Image',
        id: '123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name@sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234',
        arn: null,
      },
    ]);
    expect(normalizeEvent(fixture(ECR_GUIDE, 3)).state).toBe('DELETE');
  });

  it('an image pushed to ECR and the same image running in an ECS task get the same resource id', () => {
    const push = normalizeEvent(fixture(ECR_GUIDE, 1));
    const pushed = idsOf(push, 'AWS::ECR::Image')[0]!;
    const task = fixture(ECS_GUIDE, 2);
    task.account = '123456789012';
    task.region = 'us-west-2';
    const container = ((task.detail as JsonObject).containers as JsonObject[])[0]!;
    container.image = '123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name:latest';
    container.imageDigest = 'sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234';
    expect(idsOf(normalizeEvent(task), 'AWS::ECR::Image')).toEqual([pushed]);
  });

  it('CloudFormation drift detection: the stack and its drift status', () => {
    const e = normalizeEvent(fixture('immutrail-handwritten.ndjson', 8));
    expect(e).toMatchObject({ service: 'cloudformation', category: 'state-change', state: 'DRIFTED' });
    expect(e.resources).toEqual([
      {
        type: 'AWS::CloudFormation::Stack',
        id: 'web-prod',
        arn: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/web-prod/0a1b2c3d-4e5f-11ef-9a8b-0c1d2e3f4a5b',
      },
    ]);
  });
});

describe('CloudTrail records delivered inside EventBridge envelopes', () => {
  it('"AWS API Call via CloudTrail" is normalized from its detail', () => {
    const e = normalizeEvent(fixture('cloud-custodian.eventbridge.ndjson', 3));
    expect(e).toMatchObject({
      eventId: 'c4fa3db1-2303-40e4-bde0-3b7246bdbf0b', // the CloudTrail eventID, not the envelope id
      service: 's3',
      action: 'CreateBucket',
      category: 'api-call',
      account: '619193117841',
      region: 'us-west-2',
    });
    expect(e.resources).toEqual([{ type: 'AWS::S3::Bucket', id: 'custodian-create-bucket-v4', arn: null }]);
  });

  it('"AWS Service Event via CloudTrail": category other, resources from serviceEventDetails', () => {
    const e = normalizeEvent(fixture('awsdocs-amazon-s3-developer-guide.eventbridge.ndjson', 1));
    expect(e).toMatchObject({ eventId: '7c38220f-f80b-4239-8b78-2ed867b7d3fa', action: 'JobCreated', category: 'other', account: '123456789012' });
    expect(e.resources).toEqual([
      { type: 'AWS::S3::Job', id: 'e849b567-5232-44be-9a0c-40988f14e80c', arn: 'arn:aws:s3:us-east-1:181572960644:job/e849b567-5232-44be-9a0c-40988f14e80c' },
    ]);
  });

  it('envelopes with extra keys (debug) and AMI creation', () => {
    const e = normalizeEvent(fixture('streamalert.eventbridge.ndjson', 1));
    expect(e).toMatchObject({ action: 'CreateImage', service: 'ec2' });
    expect(idsOf(e, 'AWS::EC2::Image')).toEqual(['ami-6eb72111']);
    expect(idsOf(e, 'AWS::EC2::Instance')).toEqual(['i-fffffffffffffffff']);
    expect(e.actor).toMatchObject({ mfa: true, console: true });
  });
});
