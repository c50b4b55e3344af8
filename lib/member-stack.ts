import { Aws, CfnCondition, CfnOutput, CfnParameter, CfnResource, Fn, Stack, type StackProps, Stage, type StageProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AuditTrailConfigError } from './contract/errors';
import { MemberForwarding } from './construct/member-forwarding';

export const DEFAULT_MEMBER_STACK_NAME = 'ImmutrailMember';

/** Where the audit stack runs: its account's default bus, in its region, receives the member's events. */
export interface AuditTarget {
  /** The audit account id (12 digits). */
  readonly account: string;
  /** The audit stack's region. */
  readonly region: string;
}

export interface ImmutrailMemberStackProps extends StackProps {
  /**
   * The audit account and region. Without it, the template takes them as the
   * CloudFormation parameters AuditAccountId and AuditRegion (for StackSets).
   * @default CloudFormation parameters
   */
  readonly audit?: AuditTarget;
}

/**
 * What each member account of the organization deploys (in every region it
 * uses): rules that forward the live lane's events to the audit account,
 * named `immutrail-member-<family or api-n>` so that the audit stack's
 * auditor-tampering detector knows them in every account (one member stack per
 * account and region: the names are fixed). No Lambda, no asset: the
 * template deploys without a CDK bootstrap, so StackSets can roll it out
 * everywhere.
 */
export class ImmutrailMemberStack extends Stack {
  readonly forwarding: MemberForwarding;

  constructor(scope: Construct, id: string, props: ImmutrailMemberStackProps = {}) {
    const { audit, ...stackProps } = props;
    super(scope, id, {
      description: "immutrail member: forwards state changes and detectors' write calls to the audit account",
      ...stackProps,
    });
    const target = audit ?? this.auditParameters();
    if (audit) refuseOwnBus(this, audit);
    this.forwarding = new MemberForwarding(this, 'Forwarding', { auditAccount: target.account, auditRegion: target.region });
    if (!audit) this.skipInAuditRegion(target);
    new CfnOutput(this, 'AuditBusArn', { value: this.forwarding.auditBusArn, description: "The audit account's default bus, where the rules forward events" });
  }

  private auditParameters(): AuditTarget {
    const account = new CfnParameter(this, 'AuditAccountId', {
      type: 'String',
      allowedPattern: '^\\d{12}$',
      description: 'The audit account, where the immutrail stack runs',
    });
    const region = new CfnParameter(this, 'AuditRegion', {
      type: 'String',
      allowedPattern: '^[a-z]{2}(-[a-z]+)+-\\d$',
      description: 'The region of the immutrail stack in the audit account',
    });
    return { account: account.valueAsString, region: region.valueAsString };
  }

  /**
   * A StackSet rolled out to the whole organization may include the audit
   * account itself: in the audit stack's own region the capture rules already
   * see every event, and a rule forwarding the bus to itself would loop, so
   * there every resource is left out (the condition).
   */
  private skipInAuditRegion(target: AuditTarget): void {
    const forwards = new CfnCondition(this, 'ForwardsToAnotherBus', {
      expression: Fn.conditionNot(Fn.conditionAnd(Fn.conditionEquals(Aws.ACCOUNT_ID, target.account), Fn.conditionEquals(Aws.REGION, target.region))),
    });
    for (const c of this.node.findAll()) if (c instanceof CfnResource) c.cfnOptions.condition = forwards;
  }
}

function refuseOwnBus(stack: Stack, audit: AuditTarget): void {
  if (stack.account === audit.account && stack.region === audit.region) {
    throw new AuditTrailConfigError(
      'INVALID_ACCOUNT',
      'a member stack in the audit account and region would forward the bus to itself; the audit stack already captures there',
    );
  }
}

export interface ImmutrailMemberStageProps extends StageProps {
  readonly audit: AuditTarget;
  /** @default DEFAULT_MEMBER_STACK_NAME */
  readonly stackName?: string;
}

/**
 * The member stack as a CDK Pipelines stage, one per member account and region
 * (`pipeline.addStage(new ImmutrailMemberStage(app, 'Dev', { env, audit }))`).
 * Add cdk-nag to the app as bin/app.ts does to check it at every synthesis.
 */
export class ImmutrailMemberStage extends Stage {
  readonly stack: ImmutrailMemberStack;

  constructor(scope: Construct, id: string, props: ImmutrailMemberStageProps) {
    const { audit, stackName, ...stageProps } = props;
    super(scope, id, stageProps);
    this.stack = new ImmutrailMemberStack(this, 'Member', { audit, stackName: stackName ?? DEFAULT_MEMBER_STACK_NAME });
  }
}
