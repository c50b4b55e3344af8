/**
 * The environment the construct gives each function, read back with the
 * handlers' own parsers (detection config, capture filter, watchdog and
 * suppression settings), after substituting plausible values for the
 * CloudFormation tokens. A change on either side of the contract that the
 * other side cannot read fails here instead of in a Lambda cold start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV, requireEnv } from '../../lib/contract/runtime-config';
import { parseDetectionConfig } from '../../lib/core/detect/config';
import { parseSuppressSeconds } from '../../lib/core/detect/suppression';
import { captureFromEnv } from '../../lib/cloudtrail/runtime';
import { silenceMinutesFrom } from '../../lib/watchdog/runtime';
import { type FullStack, synthFullStack } from './full-stack';
import { type CfnTemplate, cleanupSynths, logicalId } from './synth-helper';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';

/** What CloudFormation would substitute, in the shape each resource type really has. */
function resolver(t: CfnTemplate): (v: unknown) => string {
  const arnOf = (id: string): string => {
    const type = t.Resources[id]?.Type;
    const name = t.Resources[id]?.Properties?.QueueName ?? t.Resources[id]?.Properties?.FunctionName ?? id.toLowerCase();
    switch (type) {
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${id.toLowerCase()}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${id}`;
      default:
        throw new Error(`no ARN shape for ${id} (${type})`);
    }
  };
  const resolve = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const o = v as Record<string, any>;
    if (o['Fn::Join']) return (o['Fn::Join'][1] as unknown[]).map(resolve).join(o['Fn::Join'][0]);
    if (o.Ref === 'AWS::AccountId') return ACCOUNT;
    if (o.Ref === 'AWS::Region') return REGION;
    if (o.Ref === 'AWS::Partition') return 'aws';
    if (o.Ref) {
      const type = t.Resources[o.Ref]?.Type;
      if (type === 'AWS::SNS::Topic') return `arn:aws:sns:${REGION}:${ACCOUNT}:${o.Ref}`;
      return String(o.Ref).toLowerCase();
    }
    if (o['Fn::GetAtt'] && o['Fn::GetAtt'][1] === 'Arn') return arnOf(o['Fn::GetAtt'][0]);
    throw new Error(`cannot resolve ${JSON.stringify(v)}`);
  };
  return resolve;
}

let s: FullStack;
let envs: Map<string, Record<string, string>>;

beforeAll(() => {
  s = synthFullStack();
  const resolve = resolver(s.json);
  envs = new Map();
  const t = s.stack.trail;
  for (const [kind, fn] of [
    ['ingest', t.ingestFunction],
    ['seal', t.sealFunction],
    ['reconcile', t.reconcileFunction!],
    ['watchdog', t.watchdogFunction!],
  ] as const) {
    const vars = s.json.Resources[logicalId(s.stack, fn)].Properties!.Environment.Variables as Record<string, unknown>;
    envs.set(kind, Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, resolve(v)])));
  }
}, 120_000);

afterAll(cleanupSynths);

describe('what every handler reads at init', () => {
  it.each(['ingest', 'seal', 'reconcile', 'watchdog'])('%s: the required variables are set', (kind) => {
    const env = envs.get(kind)!;
    for (const name of [ENV.archiveBucket, ENV.table, ENV.origin, ENV.signingKeyId, ENV.alertTopicArn, ENV.retentionDays]) {
      expect(requireEnv(name, env), name).not.toBe('');
    }
    expect(env[ENV.retentionDays]).toBe('2555');
  });

  it('the detectors parse the deployers, scope, attestation keys and protected resources', () => {
    const config = parseDetectionConfig(envs.get('ingest')!);
    expect(config.deployers.principals).toEqual(['arn:aws:iam::111122223333:role/deploy', 'arn:aws:iam::*:role/cdk-*-cfn-exec-role-*']);
    expect(config.immutableScope).toEqual({ mode: 'tag', key: 'immutable', value: 'true', unknownTags: 'in-scope' });
    expect(config.attestationKeyIds).toEqual([s.stack.trail.attestationKeys[0].keyArn]);
    const p = config.protectedResources;
    // archive, its access logs, the live lane's staging bucket
    expect(p.buckets).toHaveLength(3);
    expect(p.tables).toHaveLength(1);
    expect(p.queues).toHaveLength(3);
    expect(p.keys).toHaveLength(2);
    expect(p.topics).toHaveLength(1);
    expect(p.trails).toEqual(['org-trail']);
    const functionNames = s.json.Resources;
    const deployed = Object.values(functionNames)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => r.Properties!.FunctionName as string)
      .sort();
    expect([...p.functions].sort()).toEqual(deployed);
    const ruleNames = Object.values(s.json.Resources)
      .filter((r) => r.Type === 'AWS::Events::Rule')
      .map((r) => r.Properties!.Name as string)
      .sort();
    expect([...p.rules].sort()).toEqual(ruleNames);
    expect(p.rules).toContain(s.json.Resources[logicalId(s.stack, s.stack.trail.objectsRule)].Properties!.Name);
  });

  it('ingest reads both lanes: the staged objects under live/ and the trail log files under the trail prefix', () => {
    const env = envs.get('ingest')!;
    expect(env[ENV.stagingBucket]).toBe(logicalId(s.stack, s.stack.trail.stagingBucket).toLowerCase());
    expect(env[ENV.stagingPrefix]).toBe('live/');
    expect(env[ENV.trailBucket]).toBe('org-cloudtrail-logs');
    expect(env[ENV.trailPrefix]).toBe('org/');
  });

  it('reconcile routes trail log records with the same capture filter and shards as the rules', () => {
    const { route, coverageShard } = captureFromEnv(envs.get('reconcile')!);
    const call = {
      eventVersion: '1.09',
      eventType: 'AwsApiCall',
      eventSource: 'ec2.amazonaws.com',
      eventName: 'AuthorizeSecurityGroupIngress',
      recipientAccountId: ACCOUNT,
      readOnly: false,
    };
    expect(route(call)).toBe('api');
    expect(route({ ...call, eventName: 'DescribeInstances', readOnly: true })).toBeNull();
    expect(coverageShard).toBe('api');
    expect(envs.get('reconcile')![ENV.trailBucket]).toBe('org-cloudtrail-logs');
    expect(envs.get('reconcile')![ENV.trailPrefix]).toBe('org/');
  });

  it('the watchdog and the alert publishers read their windows', () => {
    expect(silenceMinutesFrom(envs.get('watchdog')!)).toBe(30);
    expect(envs.get('watchdog')![ENV.trailName]).toBe('org-trail');
    expect(parseSuppressSeconds(envs.get('ingest')!)).toBe(300);
  });

  it('the seal function knows the witness bucket', () => {
    expect(envs.get('seal')![ENV.witnessBucket]).toBe('witness-bucket-in-another-account');
  });
});
