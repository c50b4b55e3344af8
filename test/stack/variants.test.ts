/**
 * Configurations other than the default: existing archive bucket and alert
 * topic, e-mail alerts, retention from context, the template for accounts
 * without a CDK bootstrap, and context values that must be rejected.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/contract/runtime-config';
import { resolveAuditTrailProps } from '../../lib/construct/audit-trail-props';
import { auditTrailPropsFromContext } from '../../lib/construct/context-props';
import { AuditTrailConfigError } from '../../lib/contract/errors';
import { FUNCTION_NAME_MAX, physicalName } from '../../lib/construct/physical-names';
import { ImmutrailStack } from '../../lib/immutrail-stack';
import { cleanupSynths, type Synthesized, logicalId, resourcesOfType, synthImmutrail } from './synth-helper';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:security-alerts';

let s: Synthesized;

beforeAll(() => {
  s = synthImmutrail({
    context: {
      archiveBucketName: 'existing-worm-archive',
      archiveBucketKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      alertTopicArn: TOPIC_ARN,
      alertEmail: 'oncall@example.com',
      retentionDays: '30',
      bootstrapVersionRule: 'false',
    },
  });
}, 120_000);

afterAll(cleanupSynths);

describe('existing archive bucket and alert topic', () => {
  it('creates no archive or access-log bucket and no topic of its own', () => {
    const resultsBucket = logicalId(s.stack, s.stack.trail.queryCatalog!.resultsBucket);
    const staging = logicalId(s.stack, s.stack.trail.stagingBucket);
    // the buckets left are the live lane's staging bucket and the Athena results bucket of the query catalog
    expect(
      resourcesOfType(s.json, 'AWS::S3::Bucket')
        .map(([id]) => id)
        .sort(),
    ).toEqual([resultsBucket, staging].sort());
    expect(s.stack.trail.accessLogBucket).toBeUndefined();
    expect(resourcesOfType(s.json, 'AWS::SNS::Topic')).toEqual([]);
  });

  it('still stages the live lane in a bucket of its own, encrypted with the data key, without access logs to put it in', () => {
    const staging = s.json.Resources[logicalId(s.stack, s.stack.trail.stagingBucket)].Properties!;
    expect(staging.LoggingConfiguration).toBeUndefined();
    expect(staging.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID).toEqual({
      'Fn::GetAtt': [logicalId(s.stack, s.stack.trail.dataKey), 'Arn'],
    });
  });

  it('warns that the existing bucket policy must be set by the user', () => {
    Annotations.fromStack(s.stack).hasWarning('/Immutrail/AuditTrail/Archive', Match.stringLikeRegexp('archiveProtectionStatements'));
  });

  it('points the handlers at the existing bucket and topic and the configured retention', () => {
    const [, ingest] = resourcesOfType(s.json, 'AWS::Lambda::Function')[0];
    const env = ingest.Properties!.Environment.Variables;
    expect(env[ENV.archiveBucket]).toBe('existing-worm-archive');
    expect(env[ENV.alertTopicArn]).toBe(TOPIC_ARN);
    expect(env[ENV.retentionDays]).toBe('30');
  });

  it("lets the writers use the existing bucket's key", () => {
    const keyArn = 'arn:aws:kms:us-east-1:111122223333:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
    const ingestRole = (s.json.Resources[logicalId(s.stack, s.stack.trail.ingestFunction)].Properties!.Role['Fn::GetAtt'] as string[])[0];
    const policies = resourcesOfType(s.json, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties!.Roles).includes(ingestRole));
    const keyStatements = policies
      .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as any[])
      .filter((st) => JSON.stringify(st.Resource) === JSON.stringify(keyArn));
    expect(keyStatements.flatMap((st) => st.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('subscribes the e-mail address to the existing topic', () => {
    s.template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: TOPIC_ARN,
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('omits the CDK bootstrap version rule when asked (for accounts without a CDK bootstrap)', () => {
    expect(s.json.Rules?.CheckBootstrapVersion).toBeUndefined();
  });
});

describe('props given in code instead of context', () => {
  it('are used as given: retention, no query catalog, a custom origin, the live batching window', () => {
    const coded = synthImmutrail({
      stackProps: { trail: { retentionDays: 10, queryCatalog: false, origin: 'example.com/audit', liveBatchingWindow: Duration.minutes(2) } },
    });
    const [[, stream]] = resourcesOfType(coded.json, 'AWS::KinesisFirehose::DeliveryStream');
    expect(stream.Properties!.ExtendedS3DestinationConfiguration.BufferingHints.IntervalInSeconds).toBe(120);
    const [[, bucket]] = resourcesOfType(coded.json, 'AWS::S3::Bucket').filter(([, b]) => b.Properties!.ObjectLockEnabled);
    expect(bucket.Properties!.ObjectLockConfiguration.Rule.DefaultRetention).toEqual({ Mode: 'COMPLIANCE', Days: 10 });
    expect(resourcesOfType(coded.json, 'AWS::Glue::Table')).toEqual([]);
    expect(coded.stack.trail.queryCatalog).toBeUndefined();
    const [, fn] = resourcesOfType(coded.json, 'AWS::Lambda::Function')[0];
    expect(fn.Properties!.Environment.Variables[ENV.origin]).toBe('example.com/audit');
  });
});

describe('invalid context is rejected before anything is synthesized', () => {
  it.each<[string, Record<string, string>]>([
    ['retentionDays that is not a number', { retentionDays: 'forever' }],
    ['captureReadOnlyApiCalls that is not a boolean', { captureReadOnlyApiCalls: 'yes' }],
    ['shards that are not JSON', { shards: '{api:' }],
    ['a live batching window that is not a whole number of seconds', { liveBatchingWindowSeconds: '30s' }],
    ['accountSilenceHours that is not a number', { accountSilenceHours: '12h' }],
    ['accountOverrides that are not JSON', { accountOverrides: '{333333333333:' }],
    ['accountOverrides that are a list', { accountOverrides: '[]' }],
    ['an account override that is not an object', { accountOverrides: '{"333333333333":"arn:aws:iam::333333333333:role/d"}' }],
    ['an account override with a field the prop does not have', { accountOverrides: '{"333333333333":{"attestationKeys":["k"]}}' }],
    ['an account override whose deployers are not a list', { accountOverrides: '{"333333333333":{"deployerPrincipals":"arn:aws:iam::333333333333:role/d"}}' }],
  ])('%s', (_name, context) => {
    const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    let error: unknown;
    try {
      new ImmutrailStack(app, 'Immutrail');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AuditTrailConfigError);
    expect((error as AuditTrailConfigError).code).toBe('INVALID_CONTEXT');
  });

  it('a shard map from context is validated like the prop', () => {
    const app = new App({ context: { shards: '{"API":{"families":["api"]}}', 'aws:cdk:bundling-stacks': [] } });
    expect(() => new ImmutrailStack(app, 'Immutrail')).toThrow(expect.objectContaining({ code: 'INVALID_SHARD_ID' }));
  });
});

// Issue 14: the organization props a `cdk deploy -c` can give.
describe('organization props from context', () => {
  const KEY = 'arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const DEPLOYER = 'arn:aws:iam::333333333333:role/deploy';
  const fromContext = (context: Record<string, unknown>) => {
    const stack = new Stack(new App({ context }), 'Ctx');
    return { stack, props: auditTrailPropsFromContext(stack) };
  };

  it('reads comma lists, a whole number and the overrides JSON as -c gives them (strings)', () => {
    const { stack, props } = fromContext({
      expectedAccounts: '333333333333, 444444444444',
      accountSilenceHours: '12',
      organizationAccounts: '111111111111,333333333333,444444444444',
      accountOverrides: JSON.stringify({
        '333333333333': { deployerPrincipals: [DEPLOYER], immutableScope: { mode: 'tag', key: 'immutable' }, attestationKeyArns: [KEY] },
      }),
    });
    expect(props.expectedAccounts).toEqual(['333333333333', '444444444444']);
    expect(props.accountSilenceHours).toBe(12);
    expect(props.organizationAccounts).toEqual(['111111111111', '333333333333', '444444444444']);
    const o = props.accountOverrides!['333333333333']!;
    expect(o.deployerPrincipals).toEqual([DEPLOYER]);
    expect(o.immutableScope).toEqual({ mode: 'tag', key: 'immutable' });
    expect(o.attestationKeys!.map((k) => stack.resolve(k.keyArn))).toEqual([KEY]);
  });

  it('reads them typed as cdk.json holds them, and a field left out stays the organization-wide one', () => {
    const { props } = fromContext({
      expectedAccounts: ['333333333333'],
      accountSilenceHours: 6,
      organizationAccounts: ['333333333333'],
      accountOverrides: { '333333333333': { deployerPrincipals: [] } },
    });
    expect(props).toMatchObject({ expectedAccounts: ['333333333333'], accountSilenceHours: 6, organizationAccounts: ['333333333333'] });
    expect(props.accountOverrides).toEqual({ '333333333333': { deployerPrincipals: [] } });
    expect(fromContext({}).props).toEqual({});
  });

  it('are validated like the props: an account that is not 12 digits fails with their codes', () => {
    const code = (context: Record<string, unknown>) => {
      try {
        resolveAuditTrailProps({ ...fromContext(context).props, trailBucket: s.stack.trail.bucket });
      } catch (err) {
        return (err as AuditTrailConfigError).code;
      }
      return 'no error';
    };
    expect(code({ expectedAccounts: '3333' })).toBe('INVALID_ACCOUNT');
    expect(code({ accountSilenceHours: '0' })).toBe('INVALID_SILENCE');
    expect(code({ organizationAccounts: '3333' })).toBe('INVALID_DETECTION_CONFIG');
    expect(code({ accountOverrides: '{"3333":{"deployerPrincipals":[]}}' })).toBe('INVALID_DETECTION_CONFIG');
    expect(code({ accountOverrides: '{"333333333333":{"immutableScope":{"mode":"some"}}}' })).toBe('INVALID_DETECTION_CONFIG');
  });

  it('reach the handlers: the watchdog checks the expected accounts, the detectors get the overrides', () => {
    const app = new App({
      context: {
        'aws:cdk:bundling-stacks': [],
        trailBucketName: 'org-trail-logs',
        expectedAccounts: '333333333333',
        accountSilenceHours: '12',
        organizationAccounts: '111111111111,333333333333',
        accountOverrides: JSON.stringify({ '333333333333': { deployerPrincipals: [DEPLOYER] } }),
      },
    });
    const stack = new ImmutrailStack(app, 'Immutrail');
    const envs = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).map(
      (f) => f.Properties.Environment?.Variables as Record<string, unknown> | undefined,
    );
    const watchdog = envs.find((e) => e?.[ENV.expectedAccounts] !== undefined)!;
    expect(watchdog).toMatchObject({ [ENV.expectedAccounts]: '["333333333333"]', [ENV.accountSilenceHours]: '12' });
    const detection = JSON.stringify(envs.find((e) => e?.[ENV.accountDetection] !== undefined)![ENV.accountDetection]);
    expect(detection).toContain('333333333333');
    expect(detection).toContain('arn:aws:iam::333333333333:role/deploy');
    expect(detection).toContain('111111111111');
  });
});

describe('physical names', () => {
  it('stay within the service limit and distinct when the stack name is long', () => {
    const app = new App();
    const long = 'A'.repeat(120);
    const a = new Stack(app, long);
    const b = new Stack(app, `${long}B`);
    const na = physicalName(a, 'ingest', FUNCTION_NAME_MAX);
    const nb = physicalName(b, 'ingest', FUNCTION_NAME_MAX);
    expect(na.length).toBeLessThanOrEqual(FUNCTION_NAME_MAX);
    expect(na).toMatch(/-ingest-[0-9a-f]{8}$/);
    expect(na).not.toBe(nb);
    expect(physicalName(new Stack(app, 'Short'), 'seal', FUNCTION_NAME_MAX)).toBe('Short-Short-seal');
  });
});
