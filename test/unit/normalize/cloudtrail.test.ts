import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../lib/core/normalize';
import type { NormalizedEvent } from '../../../lib/core/normalized';
import { deepFreeze, fixture } from './fixtures';

const STRATUS = 'stratus-red-team.cloudtrail.ndjson';
const CUSTODIAN = 'cloud-custodian.cloudtrail.ndjson';
const PANTHER = 'panther-analysis.cloudtrail.ndjson';
const DATADOG = 'cloudtrail2sightings.cloudtrail.ndjson';
const CT_GUIDE = 'awsdocs-aws-cloudtrail-user-guide.cloudtrail.ndjson';
const IAM_GUIDE = 'awsdocs-iam-user-guide.cloudtrail.ndjson';
const ECR_GUIDE = 'awsdocs-amazon-ecr-user-guide.cloudtrail.ndjson';
const OURS = 'immutrail-handwritten.ndjson';

function idsOf(e: NormalizedEvent, type: string): string[] {
  return e.resources.filter((r) => r.type === type).map((r) => r.id);
}

describe('CloudTrail API calls', () => {
  it('RunInstances: launched instance from responseElements, AMI, security group, subnet, caller session', () => {
    const e = normalizeEvent(fixture(CUSTODIAN, 2));
    expect(e).toMatchObject({
      eventId: '6589a9eb-59b7-4895-b7ab-962ed3cc257c',
      eventTime: '2016-07-24T10:57:13Z',
      account: '644160558196',
      region: 'us-east-1',
      service: 'ec2',
      action: 'RunInstances',
      category: 'api-call',
      errorCode: null,
    });
    expect(e.actor).toMatchObject({
      type: 'AssumedRole',
      arn: 'arn:aws:sts::03412312600:assumed-role/GR_Dev_Developer/Radiant',
      sessionName: 'Radiant',
      sessionIssuerArn: 'arn:aws:iam::03412312600:role/GR_Dev_Developer',
      accessKeyId: 'ASIAJ355WZAOWYJXJIEA',
      mfa: false,
      console: true, // user agent signin.amazonaws.com: launched from the console
    });
    expect(idsOf(e, 'AWS::EC2::Instance')).toEqual(['i-0f7c711dc84bedda0']);
    expect(idsOf(e, 'AWS::EC2::Image')).toEqual(['ami-2d39803a']);
    expect(idsOf(e, 'AWS::EC2::SecurityGroup')).toEqual(['sg-6c7fa917']);
    expect(idsOf(e, 'AWS::EC2::Subnet')).toEqual(['subnet-914763e7']);
  });

  it('RunInstances by Auto Scaling: every launched instance, the instance profile ARN, invokedBy', () => {
    const e = normalizeEvent(fixture(CUSTODIAN, 4));
    expect(idsOf(e, 'AWS::EC2::Instance')).toEqual(['i-784cdacd', 'i-7b4cdace']);
    expect(e.resources).toContainEqual({
      type: 'AWS::IAM::InstanceProfile',
      id: 'BaseIAMRole',
      arn: 'arn:aws:iam::619193117841:instance-profile/BaseIAMRole',
    });
    expect(e.actor).toMatchObject({ type: 'Root', invokedBy: 'autoscaling.amazonaws.com', sourceIp: 'autoscaling.amazonaws.com', console: false, mfa: null });
  });

  it('RunInstances exported by Panther: "YYYY-MM-DD HH:MM:SS.fffffffff" time becomes ISO, instance tags are kept', () => {
    const e = normalizeEvent(fixture(PANTHER, 6));
    expect(e.eventTime).toBe('2024-12-16T18:41:07.000000000Z');
    expect(e.readOnly).toBe(false);
    expect(idsOf(e, 'AWS::EC2::Instance')).toEqual(['i-07d06021b0da55115']);
    expect(idsOf(e, 'AWS::EC2::Image')).toEqual(['ami-013e7d3a6659f358d']);
    expect(e.tags).toMatchObject({
      'aws:autoscaling:groupName': 'eks-ng-0ca246e9-cac9e862-bfd9-a821-c9fd-9916df5654eb',
      'eks:cluster-name': 'k8s-goat-cluster',
      Name: 'k8s-goat-cluster-ng-0ca246e9-Node',
    });
    expect(e.actor.sessionIssuerArn).toBe('arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling');
  });

  it('RunInstances denied: errorCode and the requested AMI, with no responseElements', () => {
    const e = normalizeEvent(fixture(STRATUS, 5));
    expect(e.action).toBe('RunInstances');
    expect(e.errorCode).toBe('Client.UnauthorizedOperation');
    expect(e.region).toBe('ca-south-3r'); // anonymised region, kept as given
    expect(idsOf(e, 'AWS::EC2::Image')).toEqual(['ami-aCBbfd13bdb1d1E4b']);
    expect(idsOf(e, 'AWS::EC2::Instance')).toEqual([]);
  });

  it('StopInstances from a Datadog export: vendor keys ignored, source IP and user agent recovered', () => {
    const e = normalizeEvent(fixture(DATADOG, 2));
    expect(e).toMatchObject({ service: 'ec2', action: 'StopInstances', eventId: '81f9856b-3acd-4d3f-bd34-01741e978037' });
    expect(idsOf(e, 'AWS::EC2::Instance')).toEqual(['i-0b09e9dad625e2b5b']);
    expect(e.actor).toMatchObject({
      sessionName: 'christophe.tafanidereeper',
      sessionIssuerArn: 'arn:aws:iam::677301038893:role/account-admin',
      mfa: true,
      sourceIp: '62.167.105.104',
      userAgent: 'stratus-red-team_a88d8803-6dbc-404c-848b-010d3284bd73',
    });
  });

  it('AuthorizeSecurityGroupIngress: the security group, from request and response, once', () => {
    const e = normalizeEvent(fixture(STRATUS, 7));
    expect(e.action).toBe('AuthorizeSecurityGroupIngress');
    expect(e.resources).toEqual([{ type: 'AWS::EC2::SecurityGroup', id: 'sg-003dc7f1f1c686164', arn: null }]);
    expect(e.actor).toMatchObject({ type: 'IAMUser', userName: 'christophe', accessKeyId: 'AKIAXW7UJ577KFYIAHIM', mfa: null, console: false });
  });

  it('PutBucketPolicy: the bucket (the policy document is payload, not a resource list)', () => {
    const e = normalizeEvent(fixture(PANTHER, 13));
    expect(e).toMatchObject({ service: 's3', action: 'PutBucketPolicy' });
    expect(e.resources).toEqual([{ type: 'AWS::S3::Bucket', id: 'example-bucket', arn: null }]);
    expect(e.actor.mfa).toBe(true);
  });

  it.each([
    [STRATUS, 3, 'DeleteTrail', 'stratus-red-team-cloudtraild-trail-kvrwohmiai'],
    [STRATUS, 4, 'StopLogging', 'stratus-red-team-ct-stop-trail-buykxbqejv'],
    [DATADOG, 1, 'DeleteTrail', 'my-cloudtrail-trail-2'],
    [CT_GUIDE, 6, 'UpdateTrail', 'myTrail2'],
  ])('%s line %i %s: the trail by name', (file, line, action, trail) => {
    const e = normalizeEvent(fixture(file, line));
    expect(e).toMatchObject({ service: 'cloudtrail', action });
    expect(idsOf(e, 'AWS::CloudTrail::Trail')).toEqual([trail]);
  });

  it('UpdateTrail that failed: errorCode, null responseElements', () => {
    const e = normalizeEvent(fixture(CT_GUIDE, 6));
    expect(e.errorCode).toBe('TrailNotFoundException');
    expect(e.errorMessage).toMatch(/myTrail2/);
  });

  it('StopLogging given a trail ARN: the trail keeps its ARN', () => {
    const e = normalizeEvent(fixture(PANTHER, 3));
    expect(e.resources).toEqual([
      { type: 'AWS::CloudTrail::Trail', id: 'example-trail', arn: 'arn:aws:cloudtrail:us-west-2:123456789012:trail/example-trail' },
    ]);
  });

  it('AssumeRole: the role assumed and the session created; the caller is the IAM user', () => {
    const e = normalizeEvent(fixture(STRATUS, 2));
    expect(e).toMatchObject({ service: 'sts', action: 'AssumeRole', readOnly: true });
    expect(e.resources).toContainEqual({
      type: 'AWS::IAM::Role',
      id: 'stratus-red-team-ec2-get-password-data-role',
      arn: 'arn:aws:iam::457448411975:role/stratus-red-team-ec2-get-password-data-role',
    });
    expect(idsOf(e, 'AWS::STS::AssumedRole')).toEqual(['stratus-red-team-ec2-get-password-data-role/aws-go-sdk-1722375070115152000']);
    expect(e.actor).toMatchObject({ type: 'IAMUser', arn: 'arn:aws:iam::457448411975:user/christophe', sessionName: null, sessionIssuerArn: null });
  });

  it('AssumeRole by a session with a source identity: sourceIdentity and session tags', () => {
    const e = normalizeEvent(fixture(IAM_GUIDE, 2));
    expect(e.actor).toMatchObject({ type: 'AssumedRole', sourceIdentity: 'JohnDoe', sessionName: 'JohnRole1' });
    expect(e.tags).toEqual({ Email: 'johndoe@example.com', CostCenter: '12345' });
  });

  it('IAM changes: users, roles, managed policies (by ARN), inline policies', () => {
    const attach = normalizeEvent(fixture(STRATUS, 11));
    expect(attach.action).toBe('AttachUserPolicy');
    expect(attach.resources).toEqual([
      { type: 'AWS::IAM::ManagedPolicy', id: 'arn:aws:iam::aws:policy/AdministratorAccess', arn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
      { type: 'AWS::IAM::User', id: 'malicious-iam-user', arn: null },
    ]);

    const createUser = normalizeEvent(fixture(STRATUS, 12));
    expect(createUser.resources).toEqual([{ type: 'AWS::IAM::User', id: 'malicious-iam-user', arn: 'arn:aws:iam::229654561268:user/malicious-iam-user' }]);
    expect(createUser.tags).toEqual({ StratusRedTeam: 'true' });

    const createRole = normalizeEvent(fixture(STRATUS, 13));
    expect(idsOf(createRole, 'AWS::IAM::Role')).toEqual(['stratus-red-team-malicious-iam-role']);

    const trust = normalizeEvent(fixture(STRATUS, 9));
    expect(trust.action).toBe('UpdateAssumeRolePolicy');
    expect(idsOf(trust, 'AWS::IAM::Role')).toEqual(['stratus-red-team-backdoor-r-role']);

    const inline = normalizeEvent(fixture(PANTHER, 11));
    expect(inline.resources).toEqual([
      { type: 'AWS::IAM::User', id: 'test-user', arn: null },
      { type: 'AWS::IAM::Policy', id: 'TestUserDenyAll', arn: null },
    ]);
  });

  it('a read-only call that was denied: errorCode, readOnly, the instance asked about', () => {
    const e = normalizeEvent(fixture(STRATUS, 1));
    expect(e).toMatchObject({ action: 'GetPasswordData', readOnly: true, errorCode: 'Client.UnauthorizedOperation' });
    expect(e.errorMessage).toMatch(/^You are not authorized/);
    expect(idsOf(e, 'AWS::EC2::Instance')).toEqual(['i-i2jnm5swa59p4fxg']);
  });

  it('Lambda call with a versioned eventName: function by name, layer by ARN', () => {
    const e = normalizeEvent(fixture(PANTHER, 1));
    expect(e).toMatchObject({ service: 'lambda', action: 'UpdateFunctionConfiguration20150331v2' });
    expect(idsOf(e, 'AWS::Lambda::Function')).toEqual(['production-api']);
    expect(e.actor.type).toBe('FederatedUser');
  });

  it('ECR PutImage: repository and the pushed image as registry/repo@digest', () => {
    const e = normalizeEvent(fixture(ECR_GUIDE, 2));
    expect(e.resources).toEqual([
      { type: 'AWS::ECR::Repository', id: 'testrepo', arn: 'arn:aws:ecr:us-east-2:123456789012:repository/testrepo' },
      {
        type: 'AWS::ECR::Image',
        id: '123456789012.dkr.ecr.us-east-2.amazonaws.com/testrepo@sha256:98c8b060c21d9adbb6b8c41b916e95e6307102786973ab93a41e8b86d1fc6d3e',
        arn: null,
      },
    ]);
  });

  it('AWS service event records are categorised "other", not API calls', () => {
    const e = normalizeEvent(fixture('aws-lambda-rust-runtime.cloudtrail.ndjson', 1));
    expect(e).toMatchObject({ service: 'sso', action: 'Federate', category: 'other' });
  });

  it('the account is the recipient account even when the caller is from another account', () => {
    const e = normalizeEvent(fixture(IAM_GUIDE, 1));
    expect(e.account).toBe('111122223333');
    expect(e.actor.accountId).toBe('777788889999');
  });

  it('does not modify the delivered event', () => {
    const raw = deepFreeze(fixture(PANTHER, 6));
    const before = JSON.stringify(raw);
    normalizeEvent(raw);
    expect(JSON.stringify(raw)).toBe(before);
  });
});

describe('ECS and EC2 calls we wrote from the AWS API shapes (no published records exist)', () => {
  it('RegisterTaskDefinition: task definition, images (digest-pinned and by tag), task roles, tags', () => {
    const e = normalizeEvent(fixture(OURS, 1));
    expect(e).toMatchObject({ service: 'ecs', action: 'RegisterTaskDefinition', account: '111122223333', region: 'eu-west-1' });
    expect(e.resources).toContainEqual({
      type: 'AWS::ECS::TaskDefinition',
      id: 'web:42',
      arn: 'arn:aws:ecs:eu-west-1:111122223333:task-definition/web:42',
    });
    expect(idsOf(e, 'AWS::ECR::Image')).toEqual([
      '111122223333.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:4a7b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b',
      'public.ecr.aws/aws-observability/aws-otel-collector:v0.42.0',
    ]);
    expect(idsOf(e, 'AWS::IAM::Role')).toEqual(['web-task-execution', 'web-task']);
    expect(e.tags).toEqual({ team: 'payments', immutable: 'true' });
    expect(e.actor).toMatchObject({
      sessionIssuerArn: 'arn:aws:iam::111122223333:role/immutrail-example-deployer',
      sessionName: 'gha-run-8812345678',
      sourceIdentity: 'release-bot',
      console: false,
      mfa: false,
    });
  });

  it('CreateService: service qualified by its cluster, task definition, network placement', () => {
    const e = normalizeEvent(fixture(OURS, 2));
    expect(e.resources).toContainEqual({ type: 'AWS::ECS::Service', id: 'prod/web', arn: 'arn:aws:ecs:eu-west-1:111122223333:service/prod/web' });
    expect(e.resources).toContainEqual({ type: 'AWS::ECS::Cluster', id: 'prod', arn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/prod' });
    expect(idsOf(e, 'AWS::ECS::TaskDefinition')).toEqual(['web:42']);
    expect(idsOf(e, 'AWS::EC2::Subnet')).toEqual(['subnet-0a1b2c3d4e5f60718', 'subnet-0b2c3d4e5f6071829']);
    expect(idsOf(e, 'AWS::EC2::SecurityGroup')).toEqual(['sg-0c3d4e5f60718293a']);
  });

  it('UpdateService from the console with MFA: console flag, SSO session issuer, the task definition rolled to', () => {
    const e = normalizeEvent(fixture(OURS, 3));
    expect(e.actor).toMatchObject({
      console: true,
      mfa: true,
      sessionName: 'alice@example.com',
      sessionIssuerArn: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123456789abcdef',
    });
    expect(idsOf(e, 'AWS::ECS::Service')).toEqual(['prod/web']);
    expect(idsOf(e, 'AWS::ECS::TaskDefinition')).toContain('web:41');
  });

  it('RunTask: task ARN from the response, image reference as given when there is no digest, task tags', () => {
    const e = normalizeEvent(fixture(OURS, 4));
    expect(e.resources).toContainEqual({
      type: 'AWS::ECS::Task',
      id: '0f9e8d7c6b5a49382716a5b4c3d2e1f0',
      arn: 'arn:aws:ecs:eu-west-1:111122223333:task/prod/0f9e8d7c6b5a49382716a5b4c3d2e1f0',
    });
    expect(idsOf(e, 'AWS::ECR::Image')).toEqual(['111122223333.dkr.ecr.eu-west-1.amazonaws.com/migrate:2025.03.11']);
    expect(idsOf(e, 'AWS::ECS::TaskDefinition')).toEqual(['migrate:7']);
    expect(e.tags).toEqual({ purpose: 'db-migration' });
  });

  it('UpdateService denied: errorCode, resources from the request alone', () => {
    const e = normalizeEvent(fixture(OURS, 5));
    expect(e.errorCode).toBe('AccessDeniedException');
    expect(e.resources).toEqual([
      { type: 'AWS::ECS::Cluster', id: 'prod', arn: null },
      { type: 'AWS::ECS::Service', id: 'prod/web', arn: null },
    ]);
    expect(e.actor).toMatchObject({ type: 'IAMUser', userName: 'contractor-bob', mfa: null });
  });

  it('CreateTags: tagged resources by id prefix, the tags', () => {
    const e = normalizeEvent(fixture(OURS, 6));
    expect(e.resources).toEqual([
      { type: 'AWS::EC2::Instance', id: 'i-0123456789abcdef0', arn: null },
      { type: 'AWS::EC2::Volume', id: 'vol-0fedcba9876543210', arn: null },
    ]);
    expect(e.tags).toEqual({ Environment: 'prod', immutable: 'true' });
  });
});
