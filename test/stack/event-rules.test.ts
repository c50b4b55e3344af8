/**
 * The two lanes' rules in the synthesized template: one capture rule per
 * (shard, family) route, all putting events into the live lane's Firehose
 * stream (the shard is chosen by the handler, by content, not by the rule);
 * the stream writing batches under live/ in the staging bucket; the objects
 * rule queueing each new staged object and trail log file; undeliverable
 * events into the delivery-failure queue.
 */
import { Duration } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/contract/runtime-config';
import { AuditTrailConfigError } from '../../lib/contract/errors';
import { type CaptureOptions, FAMILY_EVENTS, shardForEvent } from '../../lib/contract/event-patterns';
import type { EventFamily, ShardRoute } from '../../lib/contract/shards';
import { cleanupSynths, type CfnResource, type Synthesized, logicalId, resourcesOfType, synthImmutrail } from './synth-helper';

let def: Synthesized;
let custom: Synthesized;
let trail: Synthesized;
let fullCapture: Synthesized;

beforeAll(() => {
  def = synthImmutrail();
  custom = synthImmutrail({
    context: {
      shards: JSON.stringify({
        prod: { families: ['api', 'ec2'], accounts: ['111122223333'] },
        fleet: { families: ['ec2', 'ecs', 'autoscaling'] },
        control: { families: ['api', 'drift'] },
      }),
      captureReadOnlyApiCalls: 'true',
      apiCallSources: 'ec2.amazonaws.com,iam.amazonaws.com',
      liveBatchingWindowSeconds: '120',
    },
  });
  trail = synthImmutrail({ context: { trailBucketName: 'org-cloudtrail-logs', trailPrefix: 'org/' } });
  fullCapture = synthImmutrail({ context: { trailBucketName: 'org-cloudtrail-logs', captureReadOnlyApiCalls: 'true' } });
}, 120_000);

afterAll(cleanupSynths);

const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const streamId = (s: Synthesized) => s.stack.getLogicalId(s.stack.trail.liveStream.stream);
const stream = (s: Synthesized): CfnResource => s.json.Resources[streamId(s)];
const ingestEnv = (s: Synthesized): Record<string, unknown> =>
  s.json.Resources[logicalId(s.stack, s.stack.trail.ingestFunction)].Properties!.Environment.Variables;

/**
 * Capture rules (those whose targets are the live stream), keyed by
 * `${shard}/${family}`: the family from the pattern's detail-types, the shard
 * from the rule's name (<stack>-<construct>-<shard>-<family>).
 */
function captureRules(s: Synthesized): Map<string, CfnResource> {
  const streamArn = JSON.stringify(arnOf(streamId(s)));
  const out = new Map<string, CfnResource>();
  for (const [, rule] of resourcesOfType(s.json, 'AWS::Events::Rule')) {
    const targets = rule.Properties!.Targets as any[];
    if (!targets.some((t) => JSON.stringify(t.Arn) === streamArn)) continue;
    expect(targets).toHaveLength(1);
    const detailTypes: string[] = rule.Properties!.EventPattern['detail-type'];
    const family = (Object.keys(FAMILY_EVENTS) as EventFamily[]).find((f) => JSON.stringify(FAMILY_EVENTS[f].detailTypes) === JSON.stringify(detailTypes));
    expect(family, `family of ${JSON.stringify(detailTypes)}`).toBeDefined();
    const name = rule.Properties!.Name as string;
    expect(name.endsWith(`-${family}`), name).toBe(true);
    const withoutFamily = name.slice(0, -`-${family}`.length);
    const shard = withoutFamily.slice('Immutrail-AuditTrail-'.length);
    out.set(`${shard}/${family}`, rule);
  }
  return out;
}

/** An event of `family` that the rule of `route` delivers. */
function sampleEvent(route: ShardRoute): Record<string, unknown> {
  const fam = FAMILY_EVENTS[route.family];
  return {
    source: fam.sources?.[0] ?? 'aws.iam',
    'detail-type': fam.detailTypes[0],
    account: route.accounts?.[0] ?? '999988887777',
    detail: { eventSource: 'iam.amazonaws.com', eventName: 'CreateRole', readOnly: false },
  };
}

describe('live lane: capture rules into one Firehose stream', () => {
  it('one rule per family by default, named after its route', () => {
    expect([...captureRules(def).keys()].sort()).toEqual(['api/api', 'autoscaling/autoscaling', 'drift/drift', 'ec2/ec2', 'ecr/ecr', 'ecs/ecs']);
  });

  it('every rule is on the default bus, enabled, puts into the stream through one role, retries for a day, then dead-letters', () => {
    const dlq = arnOf(logicalId(def.stack, def.stack.trail.deliveryFailureQueue));
    const roles = new Set<string>();
    for (const rule of captureRules(def).values()) {
      const p = rule.Properties!;
      expect(p.EventBusName).toBeUndefined();
      expect(p.State).toBe('ENABLED');
      const [t] = p.Targets;
      expect(t.Arn).toEqual(arnOf(streamId(def)));
      expect(t.DeadLetterConfig).toEqual({ Arn: dlq });
      expect(t.RetryPolicy).toEqual({ MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 });
      // the whole event goes to the stream: no transformation, no SQS parameters
      expect(t.Input ?? t.InputPath ?? t.InputTransformer ?? t.SqsParameters).toBeUndefined();
      roles.add(JSON.stringify(t.RoleArn));
    }
    expect(roles.size).toBe(1);
  });

  it('the rules role may only put records into the stream, and only EventBridge of this account may assume it', () => {
    const [rule] = captureRules(def).values();
    const roleId = rule.Properties!.Targets[0].RoleArn['Fn::GetAtt'][0] as string;
    const role = def.json.Resources[roleId].Properties!;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    const statements = resourcesOfType(def.json, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties!.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as any[]);
    expect(statements).toEqual([{ Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'], Effect: 'Allow', Resource: arnOf(streamId(def)) }]);
  });

  it('no rule and no queue of the stack is FIFO or names a message group', () => {
    for (const s of [def, custom, trail]) {
      for (const [id, q] of resourcesOfType(s.json, 'AWS::SQS::Queue')) {
        expect(q.Properties!.FifoQueue, id).toBeUndefined();
        expect(String(q.Properties!.QueueName ?? ''), id).not.toMatch(/\.fifo$/);
      }
      expect(JSON.stringify(s.json)).not.toContain('MessageGroupId');
    }
  });

  it.each<[string, Record<string, unknown>]>([
    [
      'api/api',
      {
        'detail-type': ['AWS API Call via CloudTrail', 'AWS Console Sign In via CloudTrail'],
        detail: { $or: [{ readOnly: [false] }, { readOnly: [{ exists: false }] }] },
      },
    ],
    ['ec2/ec2', { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] }],
    [
      'ecs/ecs',
      {
        source: ['aws.ecs'],
        'detail-type': ['ECS Task State Change', 'ECS Container Instance State Change', 'ECS Deployment State Change'],
      },
    ],
    ['autoscaling/autoscaling', { source: ['aws.autoscaling'], 'detail-type': ['EC2 Instance Launch Successful', 'EC2 Instance Terminate Successful'] }],
    ['ecr/ecr', { source: ['aws.ecr'], 'detail-type': ['ECR Image Action'] }],
    ['drift/drift', { source: ['aws.cloudformation'], 'detail-type': ['CloudFormation Drift Detection Status Change'] }],
  ])('%s has exactly its documented pattern', (key, pattern) => {
    expect(captureRules(def).get(key)!.Properties!.EventPattern).toEqual(pattern);
  });

  it("the ingest function routes what each rule delivers into that rule's shard, with the plan and filter in its environment", () => {
    for (const s of [def, custom]) {
      const env = ingestEnv(s);
      const plan = JSON.parse(env[ENV.shardPlan] as string) as ShardRoute[];
      const capture: CaptureOptions = {
        captureReadOnlyApiCalls: env[ENV.captureReadOnly] === 'true',
        ...(env[ENV.apiCallSources] ? { apiCallSources: JSON.parse(env[ENV.apiCallSources] as string) } : {}),
      };
      expect(plan).toEqual(JSON.parse(JSON.stringify(s.stack.trail.shardPlan)));
      const rules = captureRules(s);
      expect(rules.size).toBe(plan.length);
      for (const route of plan) {
        expect(rules.has(`${route.shard}/${route.family}`), `${route.shard}/${route.family}`).toBe(true);
        expect(shardForEvent(sampleEvent(route), plan, capture), `${route.shard}/${route.family}`).toBe(route.shard);
      }
    }
  });
});

describe('live lane and read-only calls', () => {
  it('with a trail bucket, read-only calls are left to the trail lane: the live API rule stays write-only while the handlers capture them', () => {
    const api = captureRules(fullCapture).get('api/api')!;
    expect(api.Properties!.State).toBe('ENABLED');
    expect(JSON.stringify(api.Properties!.EventPattern)).toContain('"readOnly"');
    expect(ingestEnv(fullCapture)[ENV.captureReadOnly]).toBe('true');
  });

  it('without a trail bucket, the live lane is the only one, so it captures read-only calls itself', () => {
    const api = captureRules(custom).get('control/api')!;
    expect(api.Properties!.State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    expect(JSON.stringify(api.Properties!.EventPattern)).not.toContain('"readOnly"');
  });
});

describe('live lane: the Firehose stream', () => {
  it('is Direct PUT, writes one object per buffer under live/ in the staging bucket, failures under live-errors/', () => {
    const p = stream(def).Properties!;
    expect(p.DeliveryStreamType).toBe('DirectPut');
    const dest = p.ExtendedS3DestinationConfiguration;
    expect(dest.BucketARN).toEqual(arnOf(logicalId(def.stack, def.stack.trail.stagingBucket)));
    expect(dest.Prefix).toBe('live/');
    expect(dest.ErrorOutputPrefix).toBe('live-errors/');
    expect(ingestEnv(def)[ENV.stagingPrefix]).toBe(dest.Prefix);
    expect(ingestEnv(def)[ENV.stagingBucket]).toEqual({ Ref: logicalId(def.stack, def.stack.trail.stagingBucket) });
  });

  it('buffers 30 seconds or 5 MiB by default, uncompressed, one event per line', () => {
    const dest = stream(def).Properties!.ExtendedS3DestinationConfiguration;
    expect(dest.BufferingHints).toEqual({ IntervalInSeconds: 30, SizeInMBs: 5 });
    expect(dest.CompressionFormat).toBe('UNCOMPRESSED');
    expect(dest.ProcessingConfiguration).toEqual({ Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] });
  });

  it('takes its batching window from liveBatchingWindowSeconds (context) or liveBatchingWindow (prop)', () => {
    expect(stream(custom).Properties!.ExtendedS3DestinationConfiguration.BufferingHints.IntervalInSeconds).toBe(120);
    const coded = synthImmutrail({ stackProps: { trail: { liveBatchingWindow: Duration.seconds(0), queryCatalog: false } } });
    expect(stream(coded).Properties!.ExtendedS3DestinationConfiguration.BufferingHints.IntervalInSeconds).toBe(0);
  });

  it.each([
    ['beyond Firehose’s 900 s', Duration.seconds(901)],
    ['a fraction of a second', Duration.millis(1500)],
  ])('rejects a batching window %s', (_name, window) => {
    let error: unknown;
    try {
      synthImmutrail({ stackProps: { trail: { liveBatchingWindow: window } } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AuditTrailConfigError);
    expect((error as AuditTrailConfigError).code).toBe('INVALID_BATCHING_WINDOW');
  });

  it('encrypts the stream and the objects it writes with the data key', () => {
    const p = stream(def).Properties!;
    const dataKey = arnOf(logicalId(def.stack, def.stack.trail.dataKey));
    expect(p.DeliveryStreamEncryptionConfigurationInput).toEqual({ KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: dataKey });
    expect(p.ExtendedS3DestinationConfiguration.EncryptionConfiguration).toEqual({ KMSEncryptionConfig: { AWSKMSKeyARN: dataKey } });
  });

  it('alarms when Firehose holds data it cannot deliver', () => {
    def.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Firehose',
      MetricName: 'DeliveryToS3.DataFreshness',
      Dimensions: [{ Name: 'DeliveryStreamName', Value: def.stack.trail.liveStream.streamName }],
      Threshold: 900,
      AlarmActions: [{ Ref: logicalId(def.stack, def.stack.trail.alertTopic) }],
    });
    expect(stream(def).Properties!.DeliveryStreamName).toBe(def.stack.trail.liveStream.streamName);
  });
});

describe('the objects rule', () => {
  const objectsRule = (s: Synthesized) => s.json.Resources[logicalId(s.stack, s.stack.trail.objectsRule)].Properties!;
  const stagingName = (s: Synthesized) => ({ Ref: logicalId(s.stack, s.stack.trail.stagingBucket) });

  it('without a trail: every new object under live/ in the staging bucket', () => {
    expect(objectsRule(def).EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [stagingName(def)] }, object: { key: [{ prefix: 'live/' }] } },
    });
  });

  it('with a trail bucket: also every new object under the trail prefix there, each bucket with its own prefix', () => {
    expect(objectsRule(trail).EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: {
        $or: [
          { bucket: { name: [stagingName(trail)] }, object: { key: [{ prefix: 'live/' }] } },
          { bucket: { name: ['org-cloudtrail-logs'] }, object: { key: [{ prefix: 'org/' }] } },
        ],
      },
    });
  });

  it('with a trail bucket and no prefix: every object of the trail bucket', () => {
    const noPrefix = synthImmutrail({ context: { trailBucketName: 'org-cloudtrail-logs' } });
    expect(objectsRule(noPrefix).EventPattern.detail.$or[1]).toEqual({ bucket: { name: ['org-cloudtrail-logs'] } });
  });

  it('puts the notification on the objects queue, with the same retries and dead-letter queue as the capture rules', () => {
    const p = objectsRule(trail);
    expect(p.State).toBe('ENABLED');
    expect(p.EventBusName).toBeUndefined();
    expect(p.Targets).toEqual([
      {
        Id: 'Target0',
        Arn: arnOf(logicalId(trail.stack, trail.stack.trail.queue)),
        DeadLetterConfig: { Arn: arnOf(logicalId(trail.stack, trail.stack.trail.deliveryFailureQueue)) },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      },
    ]);
  });

  it('replaces the per-log-file reconcile rule: reconcile keeps only its hourly sweep', () => {
    const reconcileId = logicalId(trail.stack, trail.stack.trail.reconcileFunction!);
    const rulesOfReconcile = resourcesOfType(trail.json, 'AWS::Events::Rule').filter(([, r]) =>
      JSON.stringify(r.Properties!.Targets).includes(`"${reconcileId}"`),
    );
    expect(rulesOfReconcile.map(([, r]) => [r.Properties!.ScheduleExpression, r.Properties!.EventPattern])).toEqual([['rate(1 hour)', undefined]]);
  });

  it('EventBridge may send to the encrypted objects queue from this account only', () => {
    const queueId = logicalId(def.stack, def.stack.trail.queue);
    const [, policy] = resourcesOfType(def.json, 'AWS::SQS::QueuePolicy').find(
      ([, p]) => JSON.stringify(p.Properties!.Queues) === JSON.stringify([{ Ref: queueId }]),
    )!;
    const allows = (policy.Properties!.PolicyDocument.Statement as any[]).filter((st) => st.Effect === 'Allow');
    expect(allows.length).toBeGreaterThan(0);
    for (const st of allows) {
      expect(st.Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect(st.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
    }
  });

  it('the delivery-failure queue admits exactly the rules that capture or queue events', () => {
    const dlqId = logicalId(trail.stack, trail.stack.trail.deliveryFailureQueue);
    const [, policy] = resourcesOfType(trail.json, 'AWS::SQS::QueuePolicy').find(
      ([, p]) => JSON.stringify(p.Properties!.Queues) === JSON.stringify([{ Ref: dlqId }]),
    )!;
    const allows = (policy.Properties!.PolicyDocument.Statement as any[]).filter((st) => st.Effect === 'Allow');
    const sources = allows.map((st) => JSON.stringify(st.Condition.ArnEquals['aws:SourceArn'])).sort();
    const ruleArns = resourcesOfType(trail.json, 'AWS::Events::Rule')
      .filter(([, r]) => r.Properties!.EventPattern)
      .map(([id]) => JSON.stringify(arnOf(id)))
      .sort();
    expect(ruleArns).toHaveLength(captureRules(trail).size + 1);
    expect(sources).toEqual(ruleArns);
  });
});

describe('custom shards, read-only calls and service filter from context', () => {
  it('one rule per (shard, family) pair', () => {
    expect([...captureRules(custom).keys()].sort()).toEqual([
      'control/api',
      'control/drift',
      'fleet/autoscaling',
      'fleet/ec2',
      'fleet/ecs',
      'prod/api',
      'prod/ec2',
    ]);
  });

  it('an account-split family goes to the account shard or, for every other account, to the catch-all', () => {
    const rules = captureRules(custom);
    expect(rules.get('prod/ec2')!.Properties!.EventPattern.account).toEqual(['111122223333']);
    expect(rules.get('fleet/ec2')!.Properties!.EventPattern.account).toEqual([{ 'anything-but': ['111122223333'] }]);
    expect(rules.get('fleet/ecs')!.Properties!.EventPattern.account).toBeUndefined();
  });

  it('read-only calls opted in: no readOnly filter, and the rule state that receives them', () => {
    for (const key of ['prod/api', 'control/api']) {
      const p = captureRules(custom).get(key)!.Properties!;
      expect(p.EventPattern.detail).toEqual({ eventSource: ['ec2.amazonaws.com', 'iam.amazonaws.com'] });
      expect(p.State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    }
    expect(captureRules(custom).get('fleet/ec2')!.Properties!.State).toBe('ENABLED');
  });
});
