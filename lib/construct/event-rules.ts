import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type CaptureOptions, routePattern, ruleState } from './event-patterns';
import { RULE_NAME_MAX, physicalName } from './physical-names';
import type { ShardRoute } from './shards';

export interface CaptureRulesProps {
  readonly plan: readonly ShardRoute[];
  readonly capture: CaptureOptions;
  readonly queue: sqs.IQueue;
  readonly deliveryFailureQueue: sqs.IQueue;
}

/**
 * One rule per shard route on the default event bus, each targeting the FIFO
 * queue with MessageGroupId = its shard. EventBridge retries a failed delivery
 * for up to a day; what still fails lands in the delivery-failure queue.
 */
export class CaptureRules extends Construct {
  readonly rules: events.Rule[] = [];
  /** The rules' physical names, as plain strings (rule.ruleName is a deploy-time reference). */
  readonly ruleNames: string[] = [];

  constructor(scope: Construct, id: string, props: CaptureRulesProps) {
    super(scope, id);
    for (const route of props.plan) {
      const ruleName = physicalName(scope, `${route.shard}-${route.family}`, RULE_NAME_MAX);
      const rule = new events.Rule(this, `${route.shard}-${route.family}`, {
        ruleName,
        description: `immutrail: ${route.family} events into shard ${route.shard}`,
        eventPattern: toCdkPattern(routePattern(route, props.capture)),
      });
      const state = ruleState(route, props.capture);
      if (state !== 'ENABLED') (rule.node.defaultChild as events.CfnRule).state = state;
      rule.addTarget(
        new targets.SqsQueue(props.queue, {
          messageGroupId: route.shard,
          deadLetterQueue: props.deliveryFailureQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      );
      this.rules.push(rule);
      this.ruleNames.push(ruleName);
    }
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
