import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlertChannelProps {
  readonly dataKey: kms.IKey;
  /** Publish to this topic instead of creating one. */
  readonly existingTopic?: sns.ITopic;
  /** Subscribe this address (it must confirm the subscription). */
  readonly email?: string;
}

/**
 * Where humans hear about drift, unsigned launches, tampering and a stuck
 * pipeline: an SNS topic encrypted with the data key and reachable only over
 * TLS, plus the CloudWatch alarms that publish operational failures to it.
 */
export class AlertChannel extends Construct {
  readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, props: AlertChannelProps) {
    super(scope, id);
    this.topic =
      props.existingTopic ??
      new sns.Topic(this, 'Topic', {
        displayName: 'immutrail alerts',
        masterKey: props.dataKey,
        enforceSSL: true,
      });
    if (props.email) this.topic.addSubscription(new subs.EmailSubscription(props.email));
  }

  /**
   * An alarm that fires as soon as `metric` exceeds `threshold` in one
   * one-minute period and notifies the topic; missing data (an idle queue
   * reports nothing) is not a breach.
   */
  alarmAbove(id: string, metric: cloudwatch.IMetric, threshold: number, description: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    return alarm;
  }
}

export const ALARM_PERIOD = Duration.minutes(1);
