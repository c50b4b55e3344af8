import { describe, expect, it } from 'vitest';
import { ecrImageRef, imageRef, resourceFromArn } from '../../../lib/core/normalize';

describe('resourceFromArn', () => {
  it.each([
    ['arn:aws:ec2:us-east-1:123456789012:instance/i-0abc', 'AWS::EC2::Instance', 'i-0abc'],
    ['arn:aws:ec2:us-east-1::image/ami-0abc', 'AWS::EC2::Image', 'ami-0abc'],
    ['arn:aws:ec2:us-east-1:123456789012:security-group/sg-0abc', 'AWS::EC2::SecurityGroup', 'sg-0abc'],
    ['arn:aws:s3:::my-bucket', 'AWS::S3::Bucket', 'my-bucket'],
    ['arn:aws:s3:::my-bucket/path/to/key', 'AWS::S3::Object', 'my-bucket/path/to/key'],
    ['arn:aws:iam::123456789012:role/service-role/deployer', 'AWS::IAM::Role', 'deployer'],
    ['arn:aws:iam::123456789012:user/ops/alice', 'AWS::IAM::User', 'alice'],
    ['arn:aws:iam::aws:policy/AdministratorAccess', 'AWS::IAM::ManagedPolicy', 'arn:aws:iam::aws:policy/AdministratorAccess'],
    ['arn:aws:sts::123456789012:assumed-role/deployer/session-1', 'AWS::STS::AssumedRole', 'deployer/session-1'],
    ['arn:aws:lambda:eu-west-1:123456789012:function:my-fn:PROD', 'AWS::Lambda::Function', 'my-fn'],
    ['arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'AWS::KMS::Key', '1234abcd-12ab-34cd-56ef-1234567890ab'],
    ['arn:aws:kms:eu-west-1:123456789012:alias/archive', 'AWS::KMS::Alias', 'alias/archive'],
    ['arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-trail', 'AWS::CloudTrail::Trail', 'org-trail'],
    ['arn:aws:ecs:eu-west-1:123456789012:cluster/prod', 'AWS::ECS::Cluster', 'prod'],
    ['arn:aws:ecs:eu-west-1:123456789012:service/prod/web', 'AWS::ECS::Service', 'prod/web'],
    ['arn:aws:ecs:eu-west-1:123456789012:task/prod/0f9e8d7c', 'AWS::ECS::Task', '0f9e8d7c'],
    ['arn:aws:ecs:eu-west-1:123456789012:task/0f9e8d7c', 'AWS::ECS::Task', '0f9e8d7c'],
    ['arn:aws:ecs:eu-west-1:123456789012:task-definition/web:42', 'AWS::ECS::TaskDefinition', 'web:42'],
    ['arn:aws:ecr:eu-west-1:123456789012:repository/team/app', 'AWS::ECR::Repository', 'team/app'],
    [
      'arn:aws:autoscaling:us-west-2:123456789012:autoScalingGroup:042cba90-ad2f-431c-9b4d-6d9055bcc9fb:autoScalingGroupName/my-asg',
      'AWS::AutoScaling::AutoScalingGroup',
      'my-asg',
    ],
    ['arn:aws:cloudformation:eu-west-1:123456789012:stack/web-prod/0a1b2c3d', 'AWS::CloudFormation::Stack', 'web-prod'],
    ['arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/ingest:*', 'AWS::Logs::LogGroup', '/aws/lambda/ingest'],
    ['arn:aws:sns:eu-west-1:123456789012:alerts', 'AWS::SNS::Topic', 'alerts'],
    ['arn:aws-cn:ec2:cn-north-1:123456789012:instance/i-0abc', 'AWS::EC2::Instance', 'i-0abc'],
    ['arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2', 'AWS::Bedrock::FoundationModel', 'anthropic.claude-v2'],
  ])('%s', (arn, type, id) => {
    expect(resourceFromArn(arn)).toEqual({ type, id, arn });
  });

  it.each(['', 'i-0abc', 'arn:aws:ec2', 'arn:aws::us-east-1:1:x', 'arn:aws:s3:::', 'auto-scaling-group-arn'])('%j is not a resource ARN', (s) => {
    expect(resourceFromArn(s)).toBeNull();
  });
});

describe('container image references', () => {
  it('prefers the digest, dropping the tag', () => {
    expect(imageRef('111122223333.dkr.ecr.us-west-2.amazonaws.com/app:latest', 'sha256:abc')).toBe(
      '111122223333.dkr.ecr.us-west-2.amazonaws.com/app@sha256:abc',
    );
    expect(imageRef('registry.example.com:5000/team/app:1.2@sha256:def', 'sha256:other')).toBe('registry.example.com:5000/team/app@sha256:def');
  });

  it('keeps the reference as given when there is no digest (a registry port is not a tag)', () => {
    expect(imageRef('nginx:1.27', null)).toBe('nginx:1.27');
    expect(imageRef('registry.example.com:5000/app', 'sha256:abc')).toBe('registry.example.com:5000/app@sha256:abc');
  });

  it('ECR repository + digest spelled as ECS references it', () => {
    expect(ecrImageRef('123456789012', 'eu-west-1', 'team/app', 'sha256:abc', 'v1')).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app@sha256:abc');
    expect(ecrImageRef('123456789012', 'cn-north-1', 'app', null, 'v1')).toBe('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app:v1');
    expect(ecrImageRef(null, 'eu-west-1', 'app', 'sha256:abc', null)).toBe('app@sha256:abc');
  });
});
