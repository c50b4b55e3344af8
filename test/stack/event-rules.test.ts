/**
 * Each capture rule's pattern and MessageGroupId in the synthesized template:
 * one rule/target pair per (shard, family), all on the default bus, all into
 * the FIFO queue, undeliverable events into the delivery-failure queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAMILY_EVENTS } from '../../lib/construct/event-patterns';
import type { EventFamily } from '../../lib/construct/shards';
import { cleanupSynths, type CfnResource, type Synthesized, logicalId, resourcesOfType, synthImmutrail } from './synth-helper';

let def: Synthesized;
let custom: Synthesized;

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
    },
  });
}, 120_000);

afterAll(cleanupSynths);

/** Capture rules (those with an event pattern and an SQS target), keyed by `${MessageGroupId}/${family}`. */
function captureRules(s: Synthesized): Map<string, CfnResource> {
  const queueArn = { 'Fn::GetAtt': [logicalId(s.stack, s.stack.trail.queue), 'Arn'] };
  const out = new Map<string, CfnResource>();
  for (const [, rule] of resourcesOfType(s.json, 'AWS::Events::Rule')) {
    const targets = rule.Properties!.Targets as any[];
    const sqsTargets = targets.filter((t) => JSON.stringify(t.Arn) === JSON.stringify(queueArn));
    if (sqsTargets.length === 0) continue;
    expect(targets).toHaveLength(1);
    const detailTypes: string[] = rule.Properties!.EventPattern['detail-type'];
    const family = (Object.keys(FAMILY_EVENTS) as EventFamily[]).find(
      (f) => JSON.stringify(FAMILY_EVENTS[f].detailTypes) === JSON.stringify(detailTypes),
    );
    expect(family, `family of ${JSON.stringify(detailTypes)}`).toBeDefined();
    out.set(`${sqsTargets[0].SqsParameters.MessageGroupId}/${family}`, rule);
  }
  return out;
}

describe('default shards', () => {
  it('one rule per family, each into the message group named after it', () => {
    expect([...captureRules(def).keys()].sort()).toEqual([
      'api/api',
      'autoscaling/autoscaling',
      'drift/drift',
      'ec2/ec2',
      'ecr/ecr',
      'ecs/ecs',
    ]);
  });

  it('rules are on the default bus, enabled, with a dead-letter queue for undeliverable events', () => {
    const dlq = { 'Fn::GetAtt': [logicalId(def.stack, def.stack.trail.deliveryFailureQueue), 'Arn'] };
    for (const rule of captureRules(def).values()) {
      expect(rule.Properties!.EventBusName).toBeUndefined();
      expect(rule.Properties!.State).toBe('ENABLED');
      expect(rule.Properties!.Targets[0].DeadLetterConfig).toEqual({ Arn: dlq });
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
    [
      'autoscaling/autoscaling',
      { source: ['aws.autoscaling'], 'detail-type': ['EC2 Instance Launch Successful', 'EC2 Instance Terminate Successful'] },
    ],
    ['ecr/ecr', { source: ['aws.ecr'], 'detail-type': ['ECR Image Action'] }],
    ['drift/drift', { source: ['aws.cloudformation'], 'detail-type': ['CloudFormation Drift Detection Status Change'] }],
  ])('%s has exactly its documented pattern', (key, pattern) => {
    expect(captureRules(def).get(key)!.Properties!.EventPattern).toEqual(pattern);
  });

  it('EventBridge may send to the encrypted FIFO queue from this account only', () => {
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

  it('the delivery-failure queue admits exactly the capture rules', () => {
    const dlqId = logicalId(def.stack, def.stack.trail.deliveryFailureQueue);
    const [, policy] = resourcesOfType(def.json, 'AWS::SQS::QueuePolicy').find(
      ([, p]) => JSON.stringify(p.Properties!.Queues) === JSON.stringify([{ Ref: dlqId }]),
    )!;
    const allows = (policy.Properties!.PolicyDocument.Statement as any[]).filter((st) => st.Effect === 'Allow');
    const sources = allows.map((st) => JSON.stringify(st.Condition.ArnEquals['aws:SourceArn'])).sort();
    const ruleArns = resourcesOfType(def.json, 'AWS::Events::Rule')
      .filter(([, r]) => r.Properties!.EventPattern)
      .map(([id]) => JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }))
      .sort();
    expect(sources).toEqual(ruleArns);
  });
});

describe('custom shards, read-only calls and service filter from context', () => {
  it('one rule per (shard, family) pair, each with its shard as MessageGroupId', () => {
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
