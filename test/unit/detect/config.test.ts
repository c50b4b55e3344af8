import { describe, expect, it } from 'vitest';
import { ENV } from '../../../lib/contract/runtime-config';
import { DetectionConfigError, parseDetectionConfig } from '../../../lib/core/detect/config';
import { deployerMatcher } from '../../../lib/core/detect/principals';
import { canonicalResourceName, protectedMatcher } from '../../../lib/core/detect/protected-resources';
import { actorOf, assumedRole, ct, fixture, NO_ACTOR } from './helpers';

function configError(env: Record<string, string>): DetectionConfigError {
  try {
    parseDetectionConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(DetectionConfigError);
    return e as DetectionConfigError;
  }
  throw new Error('expected a DetectionConfigError');
}

describe('parseDetectionConfig', () => {
  it('defaults: no deployers but CloudFormation, everything immutable, nothing protected', () => {
    const c = parseDetectionConfig({});
    expect(c.deployers).toEqual({ principals: [], services: ['cloudformation.amazonaws.com'], serviceLinkedRoles: true });
    expect(c.immutableScope).toEqual({ mode: 'all' });
    expect(c.attestationKeyIds).toEqual([]);
    expect(c.protectedResources.buckets).toEqual([]);
  });

  it('reads every variable the CDK construct sets', () => {
    const c = parseDetectionConfig({
      [ENV.deployerPrincipals]: JSON.stringify(['arn:aws:iam::*:role/cdk-*', 'arn:aws:iam::111122223333:role/ci', 'codepipeline.amazonaws.com']),
      [ENV.immutableScope]: JSON.stringify({ mode: 'tag', key: 'immutable', value: 'true' }),
      [ENV.attestationKeyIds]: JSON.stringify(['arn:aws:kms:us-east-1:111122223333:key/k1']),
      [ENV.protectedResources]: JSON.stringify({ buckets: ['archive'], trails: 'immutrail', functions: ['ingest', 'seal'] }),
    });
    expect(c.deployers.principals).toEqual(['arn:aws:iam::*:role/cdk-*', 'arn:aws:iam::111122223333:role/ci']);
    expect(c.deployers.services).toEqual(['cloudformation.amazonaws.com', 'codepipeline.amazonaws.com']);
    expect(c.immutableScope).toEqual({ mode: 'tag', key: 'immutable', value: 'true', unknownTags: 'in-scope' });
    expect(c.attestationKeyIds).toEqual(['arn:aws:kms:us-east-1:111122223333:key/k1']);
    expect(c.protectedResources.trails).toEqual(['immutrail']);
    expect(c.protectedResources.functions).toEqual(['ingest', 'seal']);
  });

  it('accepts the object form of deployers, which replaces the default services', () => {
    const c = parseDetectionConfig({
      [ENV.deployerPrincipals]: JSON.stringify({ principals: ['arn:aws:iam::1:role/ci'], services: [], serviceLinkedRoles: false }),
    });
    expect(c.deployers).toEqual({ principals: ['arn:aws:iam::1:role/ci'], services: [], serviceLinkedRoles: false });
  });

  it('parses the type scope and tag scope without value', () => {
    expect(parseDetectionConfig({ [ENV.immutableScope]: '{"mode":"types","types":["AWS::EC2::*","AWS::ECS::Service"]}' }).immutableScope).toEqual({
      mode: 'types',
      types: ['AWS::EC2::*', 'AWS::ECS::Service'],
    });
    expect(parseDetectionConfig({ [ENV.immutableScope]: '{"mode":"tag","key":"immutable","unknownTags":"out-of-scope"}' }).immutableScope).toEqual({
      mode: 'tag',
      key: 'immutable',
      value: null,
      unknownTags: 'out-of-scope',
    });
  });

  it('names the variable and the problem in errors', () => {
    const bad = [
      [{ [ENV.deployerPrincipals]: 'not json' }, ENV.deployerPrincipals, /not valid JSON/],
      [{ [ENV.deployerPrincipals]: '["ci-role"]' }, ENV.deployerPrincipals, /neither an ARN/],
      [{ [ENV.deployerPrincipals]: '{"principal":[]}' }, ENV.deployerPrincipals, /unknown key "principal"/],
      [{ [ENV.immutableScope]: '{"mode":"some"}' }, ENV.immutableScope, /unknown mode/],
      [{ [ENV.immutableScope]: '{"mode":"types","types":["ec2 instance"]}' }, ENV.immutableScope, /not a CloudFormation resource type/],
      [{ [ENV.immutableScope]: '{"mode":"tag"}' }, ENV.immutableScope, /needs a non-empty "key"/],
      [{ [ENV.attestationKeyIds]: '"arn:aws:kms:..."' }, ENV.attestationKeyIds, /array of non-empty strings/],
      [{ [ENV.protectedResources]: '{"bucket":"x"}' }, ENV.protectedResources, /unknown key "bucket"/],
    ] as const;
    for (const [env, variable, message] of bad) {
      const e = configError(env);
      expect(e.code).toBe('DETECTION_CONFIG_INVALID');
      expect(e.variable).toBe(variable);
      expect(e.message).toMatch(message);
      expect(e.message.startsWith(variable)).toBe(true);
    }
  });
});

describe('deployer matching', () => {
  const matcher = (principals: string[], services = ['cloudformation.amazonaws.com'], serviceLinkedRoles = true) =>
    deployerMatcher({ principals, services, serviceLinkedRoles });

  it('matches an exact role ARN through the session issuer of an assumed role', () => {
    const actor = actorOf(ct({ eventSource: 'ec2.amazonaws.com', eventName: 'X', userIdentity: assumedRole('arn:aws:iam::111122223333:role/ci') }));
    expect(matcher(['arn:aws:iam::111122223333:role/ci']).match(actor)).toEqual({ by: 'principal', pattern: 'arn:aws:iam::111122223333:role/ci' });
    expect(matcher(['arn:aws:iam::111122223333:role/c']).match(actor)).toBeNull();
    expect(matcher(['arn:aws:iam::111122223333:role/CI']).match(actor)).toBeNull();
  });

  it('matches glob patterns across accounts', () => {
    const cdk = actorOf(
      ct({
        eventSource: 'ec2.amazonaws.com',
        eventName: 'X',
        userIdentity: assumedRole('arn:aws:iam::444455556666:role/cdk-hnb659fds-cfn-exec-role-444455556666-us-east-1'),
      }),
    );
    const human = actorOf(ct({ eventSource: 'ec2.amazonaws.com', eventName: 'X', userIdentity: assumedRole('arn:aws:iam::444455556666:role/Admin') }));
    const m = matcher(['arn:aws:iam::*:role/cdk-*']);
    expect(m.match(cdk)).toEqual({ by: 'principal', pattern: 'arn:aws:iam::*:role/cdk-*' });
    expect(m.match(human)).toBeNull();
  });

  it('matches an IAM user by its ARN and a session by an assumed-role pattern', () => {
    const user = actorOf(fixture('cloudtrail/stratus-red-team-118-StopLogging.json'));
    expect(matcher(['arn:aws:iam::143434273843:user/christophe']).match(user)?.by).toBe('principal');
    const session = actorOf(fixture('cloudtrail/panther-analysis-102-AuthorizeSecurityGroupEgress.json'));
    expect(matcher(['arn:aws:sts::*:assumed-role/ContinousDeployment/*']).match(session)?.by).toBe('principal');
  });

  it('counts CloudFormation acting with the caller credentials as a deployer, configurably', () => {
    const viaCfn = actorOf(
      ct({
        eventSource: 'ec2.amazonaws.com',
        eventName: 'X',
        userIdentity: assumedRole('arn:aws:iam::1:role/Admin', 's', { invokedBy: 'cloudformation.amazonaws.com' }),
      }),
    );
    expect(matcher([]).match(viaCfn)).toEqual({ by: 'service', service: 'cloudformation.amazonaws.com' });
    expect(matcher([], []).match(viaCfn)).toBeNull();
  });

  it('treats service-linked roles and AWS services as automation unless disabled', () => {
    const asg = actorOf(
      ct({
        eventSource: 'ec2.amazonaws.com',
        eventName: 'X',
        userIdentity: assumedRole('arn:aws:iam::1:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling', 'AutoScaling'),
      }),
    );
    expect(matcher([]).match(asg)).toEqual({ by: 'service-linked-role' });
    expect(matcher([], [], false).match(asg)).toBeNull();
    expect(matcher([]).match({ ...NO_ACTOR, type: 'AWSService' })).toEqual({ by: 'aws-service' });
  });
});

describe('protected resource names', () => {
  it('reduces every form a request may use to one name', () => {
    expect(canonicalResourceName('buckets', 'arn:aws:s3:::archive')).toBe('archive');
    expect(canonicalResourceName('tables', 'arn:aws:dynamodb:us-east-1:1:table/immutrail/stream/2024')).toBe('immutrail');
    expect(canonicalResourceName('queues', 'https://sqs.us-east-1.amazonaws.com/1/ingest.fifo')).toBe('ingest.fifo');
    expect(canonicalResourceName('queues', 'arn:aws:sqs:us-east-1:1:ingest.fifo')).toBe('ingest.fifo');
    expect(canonicalResourceName('rules', 'arn:aws:events:us-east-1:1:rule/custom-bus/capture')).toBe('capture');
    expect(canonicalResourceName('keys', 'arn:aws:kms:us-east-1:1:key/1234ABCD-12ab-34cd-56ef-1234567890ab')).toBe('1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(canonicalResourceName('keys', 'arn:aws:kms:us-east-1:1:alias/immutrail-sign')).toBe('alias/immutrail-sign');
    expect(canonicalResourceName('functions', 'arn:aws:lambda:us-east-1:1:function:ingest:live')).toBe('ingest');
    expect(canonicalResourceName('functions', '1:function:ingest')).toBe('ingest');
    expect(canonicalResourceName('functions', 'ingest:3')).toBe('ingest');
    expect(canonicalResourceName('trails', 'arn:aws:cloudtrail:us-east-1:1:trail/main')).toBe('main');
    expect(canonicalResourceName('topics', 'arn:aws:sns:us-east-1:1:alerts:0b1c2d3e')).toBe('alerts');
  });

  it('matches configured ARNs against requested names and back', () => {
    const m = protectedMatcher({
      buckets: ['archive'],
      tables: ['arn:aws:dynamodb:us-east-1:1:table/immutrail'],
      queues: [],
      rules: [],
      keys: ['arn:aws:kms:us-east-1:1:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
      functions: [],
      trails: [],
      topics: [],
    });
    expect(m.match('buckets', 'arn:aws:s3:::archive')).toBe('archive');
    expect(m.match('tables', 'immutrail')).toBe('arn:aws:dynamodb:us-east-1:1:table/immutrail');
    expect(m.match('keys', '1234ABCD-12AB-34CD-56EF-1234567890AB')).toBe('arn:aws:kms:us-east-1:1:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(m.match('buckets', 'archive-copy')).toBeNull();
    expect(m.isEmpty('trails')).toBe(true);
    expect(m.isEmpty('buckets')).toBe(false);
  });
});
