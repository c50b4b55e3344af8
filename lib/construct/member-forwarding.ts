import { Arn, ArnFormat, Aws, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { MEMBER_RULE_PREFIX } from '../core/detect/protected-resources';
import { AuditTrailConfigError } from '../contract/errors';
import { forwardedEventSources } from './forwarded-sources';
import { memberForwardPatterns } from './member-patterns';

export interface MemberForwardingProps {
  /** The audit account (12 digits, or a CloudFormation parameter's value). */
  readonly auditAccount: string;
  /** The audit stack's region, where its default bus is (or a parameter's value). */
  readonly auditRegion: string;
  /**
   * CloudTrail eventSources whose write calls are forwarded.
   * @default forwardedEventSources(): the services the detectors and rules need
   */
  readonly apiCallSources?: readonly string[];
}

const ACCOUNT = /^\d{12}$/;
/** EventBridge's rule names: 1 to 64 of these characters. */
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;

/**
 * A forwarding rule's fixed name: the auditor-tampering detector knows every
 * member's rules by the prefix, in any account. Fixed names are unique per
 * account, region and bus, which is one member stack each (the StackSet).
 */
export function memberRuleName(patternName: string): string {
  const name = `${MEMBER_RULE_PREFIX}${patternName}`;
  if (!RULE_NAME.test(name)) throw new AuditTrailConfigError('INVALID_CONTEXT', `"${name}" is not a valid EventBridge rule name`);
  return name;
}
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * A member account's half of the organization's live lane (issue 14): rules on
 * this account's default bus forward the state-change families and the write
 * calls the detectors need to the audit account's default bus, where the audit
 * stack's capture rules take them like its own (each event keeps its
 * `account`). EventBridge assumes one role that may only put events on that
 * one bus.
 *
 * No dead-letter queue: EventBridge retries a failed delivery for 24 hours,
 * and what is still lost arrives anyway through the trail lane (the
 * organization trail records every member), within ~15 minutes of the call. A
 * queue in every member account and region would hold events nobody there
 * watches, and cost a KMS key to satisfy the encryption checks.
 */
export class MemberForwarding extends Construct {
  readonly rules: events.Rule[] = [];
  readonly role: iam.Role;
  /** The audit account's default bus: every rule's one target. */
  readonly auditBusArn: string;

  constructor(scope: Construct, id: string, props: MemberForwardingProps) {
    super(scope, id);
    validateAudit(props.auditAccount, props.auditRegion);
    this.auditBusArn = Arn.format(
      {
        service: 'events',
        account: props.auditAccount,
        region: props.auditRegion,
        resource: 'event-bus',
        resourceName: 'default',
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      },
      Stack.of(this),
    );
    this.role = new iam.Role(this, 'PutEventsRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: "immutrail member: forward the live lane's events to the audit account's default bus",
    });
    // The EventBus target adds events:PutEvents on exactly this bus to the role.
    const target = new targets.EventBus(events.EventBus.fromEventBusArn(this, 'AuditBus', this.auditBusArn), { role: this.role });
    for (const { name, pattern } of memberForwardPatterns(props.apiCallSources ?? forwardedEventSources())) {
      const rule = new events.Rule(this, name, {
        ruleName: memberRuleName(name),
        description: `immutrail member: ${name} events to the audit account`,
        eventPattern: {
          ...(pattern.source ? { source: pattern.source } : {}),
          detailType: pattern['detail-type'],
          ...(pattern.detail ? { detail: pattern.detail } : {}),
        },
      });
      rule.addTarget(target);
      this.rules.push(rule);
    }
  }
}

/** Plain values are checked now; a parameter's value is checked by its AllowedPattern. */
function validateAudit(account: string, region: string): void {
  if (!Token.isUnresolved(account) && !ACCOUNT.test(account)) {
    throw new AuditTrailConfigError('INVALID_ACCOUNT', `auditAccount "${account}" is not a 12-digit account id`);
  }
  if (!Token.isUnresolved(region) && !REGION.test(region)) {
    throw new AuditTrailConfigError('INVALID_CONTEXT', `auditRegion "${region}" is not a region name`);
  }
}
