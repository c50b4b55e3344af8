import { Aws, Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type CaptureOptions, routePattern, ruleState } from '../contract/event-patterns';
import { type ObjectSource, objectsRulePattern } from './objects-pattern';
import type { LiveStream } from './live-stream';
import { RULE_NAME_MAX, physicalName } from './physical-names';
import type { ShardRoute } from '../contract/shards';

/**
 * How every rule of the stack hands an event to its target: EventBridge
 * retries a failed delivery for up to a day, and what still fails lands in
 * the delivery-failure queue (alarmed), from which it can be replayed.
 */
function deliveryPolicy(deliveryFailureQueue: sqs.IQueue): targets.TargetBaseProps {
  return { deadLetterQueue: deliveryFailureQueue, retryAttempts: 185, maxEventAge: Duration.hours(24) };
}

/**
 * A Firehose delivery stream as a rule target, with a dead-letter queue and
 * a retry policy (aws-events-targets' FirehoseDeliveryStream takes neither).
 * All rules share one role that may put records into this stream only.
 */
class LiveStreamTarget implements events.IRuleTarget {
  constructor(
    private readonly stream: LiveStream,
    private readonly role: iam.IRole,
    private readonly delivery: targets.TargetBaseProps,
  ) {}

  bind(rule: events.IRule): events.RuleTargetConfig {
    if (this.delivery.deadLetterQueue) targets.addToDeadLetterQueueResourcePolicy(rule, this.delivery.deadLetterQueue);
    return {
      ...targets.bindBaseTargetConfig(this.delivery),
      arn: this.stream.streamArn,
      role: this.role,
      targetResource: this.stream.stream,
    };
  }
}

export interface CaptureRulesProps {
  readonly plan: readonly ShardRoute[];
  readonly capture: CaptureOptions;
  /** The live lane: every captured event is put into this stream. */
  readonly stream: LiveStream;
  readonly deliveryFailureQueue: sqs.IQueue;
}

/**
 * One rule per shard route on the default event bus, all putting their events
 * into the live lane's Firehose stream. The rule no longer decides the shard:
 * the ingest function routes each event by content with the same plan
 * (shardForEvent), so one rule per route only keeps each family's pattern
 * (and its rule state) separate and visible.
 */
export class CaptureRules extends Construct {
  readonly rules: events.Rule[] = [];
  /** The rules' physical names, as plain strings (rule.ruleName is a deploy-time reference). */
  readonly ruleNames: string[] = [];
  /** The role EventBridge assumes to put records into the stream. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: CaptureRulesProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'PutRecordsRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'immutrail capture rules: put events into the live lane stream',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        resources: [props.stream.streamArn],
      }),
    );
    const target = new LiveStreamTarget(props.stream, this.role, deliveryPolicy(props.deliveryFailureQueue));
    for (const route of props.plan) {
      const ruleName = physicalName(scope, `${route.shard}-${route.family}`, RULE_NAME_MAX);
      const rule = new events.Rule(this, `${route.shard}-${route.family}`, {
        ruleName,
        description: `immutrail: ${route.family} events (shard ${route.shard}) into the live lane`,
        eventPattern: toCdkPattern(routePattern(route, props.capture)),
      });
      const state = ruleState(route, props.capture);
      if (state !== 'ENABLED') (rule.node.defaultChild as events.CfnRule).state = state;
      rule.addTarget(target);
      this.rules.push(rule);
      this.ruleNames.push(ruleName);
    }
  }
}

export interface ObjectsRuleProps {
  /** The buckets (and prefixes) whose new objects are ingested: the staging bucket's live/, the trail's log files. */
  readonly sources: readonly ObjectSource[];
  readonly queue: sqs.IQueue;
  readonly deliveryFailureQueue: sqs.IQueue;
}

/**
 * The "objects" rule: S3 reports each new staged object and each new trail
 * log file to EventBridge ("Object Created"), and the rule puts that
 * notification, not the events themselves, on the objects queue.
 */
export class ObjectsRule extends Construct {
  readonly rule: events.Rule;
  readonly ruleName: string;

  constructor(scope: Construct, id: string, props: ObjectsRuleProps) {
    super(scope, id);
    this.ruleName = physicalName(scope, 'objects', RULE_NAME_MAX);
    const pattern = objectsRulePattern(props.sources);
    this.rule = new events.Rule(this, 'Rule', {
      ruleName: this.ruleName,
      description: 'immutrail: each new staged object and trail log file to the ingest queue',
      eventPattern: { source: pattern.source, detailType: pattern['detail-type'], detail: pattern.detail },
      targets: [new targets.SqsQueue(props.queue, deliveryPolicy(props.deliveryFailureQueue))],
    });
  }
}

function toCdkPattern(p: ReturnType<typeof routePattern>): events.EventPattern {
  return {
    ...(p.source ? { source: p.source } : {}),
    detailType: p['detail-type'],
    // CDK's EventPattern types `account` as string[]; the JSON it renders is passed through unchanged.
    ...(p.account ? { account: p.account as string[] } : {}),
    ...(p.detail ? { detail: p.detail } : {}),
  };
}
