import type { Alert, Severity } from '../alert';
import type { JsonObject, JsonValue } from '../json';
import { alertFromFinding } from './alert-factory';
import { tamperTargetOf } from './auditor-tampering';
import { apiCallKey, cloudTrailRecordOf, errorCodeOf, eventBridgeDetailOf, itemsOf } from './cloudtrail';
import { at, stringAt } from '../json-access';
import { deployerMatcher, principalLabel } from './principals';
import { immutableScopeOf, requestTags } from './scope';
import type { DetectionContext, Detector, EventRecord } from './types';

/**
 * Drift: infrastructure changed by hand. A mutating call from the table below
 * made by a principal that is not a configured deployer, on a resource in the
 * immutable scope; interactive access to hosts (SSM sessions and commands,
 * EC2 Instance Connect, the serial console, ECS Exec); and CloudFormation
 * drift detection reporting DRIFTED.
 *
 * Failed calls changed nothing, so they are not drift; they are still someone
 * trying to change infrastructure by hand, so they are reported at low
 * severity under a separate rule (`<rule>.attempt`), which keeps them out of
 * the suppression window of a later successful change.
 *
 * Calls on the auditor's own resources are left to the auditor-tampering
 * detector, which reports them at critical severity.
 */

interface DriftAction {
  rule: string;
  /** CloudFormation type of what the call changes, for the immutable scope. */
  resourceType: string;
  severity: Severity;
  /** What changed, in words. */
  what: string;
  /** requestParameters members naming the resource, first present wins. */
  resourceParams: readonly string[];
  /** A more precise type when the resource was named by a given member (iam userName -> AWS::IAM::User). */
  typeByParam?: Readonly<Record<string, string>>;
}

const act = (rule: string, resourceType: string, severity: Severity, what: string, ...resourceParams: string[]): DriftAction => ({
  rule,
  resourceType,
  severity,
  what,
  resourceParams,
});

const table = (entries: [readonly string[], DriftAction][]): Record<string, DriftAction> => {
  const out: Record<string, DriftAction> = {};
  for (const [keys, a] of entries) for (const k of keys) out[k] = a;
  return out;
};

export const DRIFT_ACTIONS: Readonly<Record<string, DriftAction>> = table([
  [
    [
      'ec2:AuthorizeSecurityGroupIngress',
      'ec2:AuthorizeSecurityGroupEgress',
      'ec2:RevokeSecurityGroupIngress',
      'ec2:RevokeSecurityGroupEgress',
      'ec2:ModifySecurityGroupRules',
      'ec2:UpdateSecurityGroupRuleDescriptionsIngress',
      'ec2:UpdateSecurityGroupRuleDescriptionsEgress',
      'ec2:DeleteSecurityGroup',
    ],
    act('drift.security-group', 'AWS::EC2::SecurityGroup', 'high', 'security group rules', 'groupId', 'groupName'),
  ],
  [
    [
      'ec2:ModifyInstanceAttribute',
      'ec2:ModifyInstanceMetadataOptions',
      'ec2:AssociateIamInstanceProfile',
      'ec2:ReplaceIamInstanceProfileAssociation',
      'ec2:DisassociateIamInstanceProfile',
    ],
    act('drift.instance', 'AWS::EC2::Instance', 'high', 'instance configuration', 'instanceId', 'associationId'),
  ],
  [['ec2:ModifyNetworkInterfaceAttribute'], act('drift.instance', 'AWS::EC2::NetworkInterface', 'high', 'network interface', 'networkInterfaceId')],
  [
    ['ec2:CreateNetworkAclEntry', 'ec2:ReplaceNetworkAclEntry', 'ec2:DeleteNetworkAclEntry', 'ec2:ReplaceNetworkAclAssociation'],
    act('drift.network', 'AWS::EC2::NetworkAcl', 'medium', 'network ACL', 'networkAclId', 'associationId'),
  ],
  [
    ['ec2:CreateRoute', 'ec2:ReplaceRoute', 'ec2:DeleteRoute', 'ec2:ReplaceRouteTableAssociation'],
    act('drift.network', 'AWS::EC2::RouteTable', 'medium', 'route table', 'routeTableId', 'associationId'),
  ],
  [['ec2:ModifyImageAttribute', 'ec2:ResetImageAttribute'], act('drift.image-sharing', 'AWS::EC2::Image', 'high', 'AMI attributes', 'imageId')],
  [['ec2:ModifySnapshotAttribute'], act('drift.image-sharing', 'AWS::EC2::Snapshot', 'high', 'snapshot attributes', 'snapshotId')],
  [
    ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate', 'ec2:DeleteLaunchTemplateVersions'],
    act('drift.launch-template', 'AWS::EC2::LaunchTemplate', 'medium', 'launch template', 'launchTemplateId', 'launchTemplateName'),
  ],
  [
    ['autoscaling:UpdateAutoScalingGroup', 'autoscaling:AttachInstances', 'autoscaling:DetachInstances'],
    act('drift.autoscaling', 'AWS::AutoScaling::AutoScalingGroup', 'medium', 'Auto Scaling group', 'autoScalingGroupName'),
  ],
  [
    [
      's3:PutBucketPolicy',
      's3:DeleteBucketPolicy',
      's3:PutBucketAcl',
      's3:PutBucketPublicAccessBlock',
      's3:DeleteBucketPublicAccessBlock',
      's3:PutBucketOwnershipControls',
    ],
    act('drift.bucket-access', 'AWS::S3::Bucket', 'high', 'bucket access (policy, ACL, public access block)', 'bucketName'),
  ],
  [
    [
      's3:PutBucketEncryption',
      's3:DeleteBucketEncryption',
      's3:PutBucketVersioning',
      's3:PutBucketLifecycle',
      's3:PutBucketLifecycleConfiguration',
      's3:PutLifecycleConfiguration',
      's3:DeleteBucketLifecycle',
      's3:PutBucketReplication',
      's3:DeleteBucketReplication',
      's3:PutBucketLogging',
      's3:PutBucketWebsite',
      's3:PutBucketCors',
      's3:PutObjectLockConfiguration',
    ],
    act('drift.bucket-config', 'AWS::S3::Bucket', 'medium', 'bucket configuration', 'bucketName'),
  ],
  [
    ['kms:PutKeyPolicy', 'kms:DisableKey', 'kms:ScheduleKeyDeletion', 'kms:DisableKeyRotation', 'kms:CancelKeyDeletion'],
    act('drift.key', 'AWS::KMS::Key', 'high', 'KMS key', 'keyId'),
  ],
  [
    [
      'lambda:UpdateFunctionCode',
      'lambda:UpdateFunctionConfiguration',
      'lambda:AddPermission',
      'lambda:RemovePermission',
      'lambda:PutFunctionConcurrency',
      'lambda:CreateFunctionUrlConfig',
      'lambda:UpdateFunctionUrlConfig',
      'lambda:PutFunctionCodeSigningConfig',
      'lambda:DeleteFunctionCodeSigningConfig',
      'lambda:UpdateAlias',
      'lambda:DeleteFunction',
    ],
    act('drift.lambda', 'AWS::Lambda::Function', 'high', 'Lambda function', 'functionName'),
  ],
  [
    ['ecs:UpdateService', 'ecs:DeleteService', 'ecs:UpdateServicePrimaryTaskSet'],
    act('drift.ecs-service', 'AWS::ECS::Service', 'high', 'ECS service', 'service'),
  ],
  [
    [
      'iam:PutRolePolicy',
      'iam:PutUserPolicy',
      'iam:PutGroupPolicy',
      'iam:DeleteRolePolicy',
      'iam:DeleteUserPolicy',
      'iam:DeleteGroupPolicy',
      'iam:AttachRolePolicy',
      'iam:AttachUserPolicy',
      'iam:AttachGroupPolicy',
      'iam:DetachRolePolicy',
      'iam:DetachUserPolicy',
      'iam:DetachGroupPolicy',
      'iam:CreatePolicyVersion',
      'iam:SetDefaultPolicyVersion',
      'iam:DeletePolicyVersion',
      'iam:DeletePolicy',
      'iam:UpdateAssumeRolePolicy',
      'iam:PutRolePermissionsBoundary',
      'iam:DeleteRolePermissionsBoundary',
      'iam:PutUserPermissionsBoundary',
      'iam:DeleteUserPermissionsBoundary',
    ],
    {
      ...act('drift.iam-policy', 'AWS::IAM::Role', 'high', 'IAM policy', 'roleName', 'userName', 'groupName', 'policyArn'),
      typeByParam: { userName: 'AWS::IAM::User', groupName: 'AWS::IAM::Group', policyArn: 'AWS::IAM::ManagedPolicy' },
    },
  ],
  [
    ['elasticloadbalancing:SetSecurityGroups', 'elasticloadbalancing:ApplySecurityGroupsToLoadBalancer'],
    {
      ...act(
        'drift.load-balancer',
        'AWS::ElasticLoadBalancingV2::LoadBalancer',
        'medium',
        'load balancer security groups',
        'loadBalancerArn',
        'loadBalancerName',
      ),
      typeByParam: { loadBalancerName: 'AWS::ElasticLoadBalancing::LoadBalancer' },
    },
  ],
  [
    ['elasticloadbalancing:ModifyListener', 'elasticloadbalancing:DeleteListener', 'elasticloadbalancing:ModifyRule'],
    act('drift.load-balancer', 'AWS::ElasticLoadBalancingV2::Listener', 'medium', 'load balancer listener', 'listenerArn', 'ruleArn'),
  ],
  [
    ['rds:ModifyDBInstance', 'rds:ModifyDBCluster'],
    {
      ...act('drift.database', 'AWS::RDS::DBInstance', 'medium', 'database configuration', 'dBInstanceIdentifier', 'dBClusterIdentifier'),
      typeByParam: { dBClusterIdentifier: 'AWS::RDS::DBCluster' },
    },
  ],
  // Interactive access to hosts and containers that nobody should log in to.
  [['ssm:StartSession'], act('drift.interactive-access', 'AWS::EC2::Instance', 'high', 'interactive session (SSM Session Manager)', 'target')],
  [['ssm:SendCommand'], act('drift.interactive-access', 'AWS::EC2::Instance', 'high', 'remote command (SSM Run Command)', 'instanceIds')],
  [
    ['ec2-instance-connect:SendSSHPublicKey'],
    act('drift.interactive-access', 'AWS::EC2::Instance', 'high', 'SSH key push (EC2 Instance Connect)', 'instanceId'),
  ],
  [
    ['ec2-instance-connect:SendSerialConsoleSSHPublicKey'],
    act('drift.interactive-access', 'AWS::EC2::Instance', 'high', 'serial console access', 'instanceId'),
  ],
  [['ec2:EnableSerialConsoleAccess'], act('drift.interactive-access', 'AWS::EC2::Instance', 'high', 'serial console enabled for the account')],
  // Read-only, but the console calls it on the way to a serial console session.
  [['ec2:GetSerialConsoleAccessStatus'], act('drift.serial-console-probe', 'AWS::EC2::Instance', 'low', 'serial console access status check')],
  [['ecs:ExecuteCommand'], act('drift.interactive-access', 'AWS::ECS::Task', 'high', 'interactive command in a container (ECS Exec)', 'task')],
]);

const CFN_DRIFT_DETAIL_TYPE = 'CloudFormation Drift Detection Status Change';

function resourceFrom(ct: JsonObject, params: readonly string[]): { id: string; param: string } | null {
  for (const param of params) {
    const v: JsonValue | undefined = at(ct, 'requestParameters', param);
    if (typeof v === 'string' && v !== '') return { id: v, param };
    // instanceIds come as a plain list in SSM, as {items:[{instanceId}]} in EC2.
    const list = Array.isArray(v) ? v : itemsOf(v);
    const ids = list.map((x) => (typeof x === 'string' ? x : stringAt(x, 'instanceId'))).filter((x): x is string => x !== null);
    if (ids.length > 0) return { id: ids.join(','), param };
  }
  return null;
}

async function apiCallDrift(record: EventRecord, ctx: DetectionContext): Promise<Alert[]> {
  const { event, raw } = record.data;
  const ct = cloudTrailRecordOf(raw);
  if (!ct) return [];
  const key = apiCallKey(event, ct);
  const action = DRIFT_ACTIONS[key];
  if (!action) return [];
  if (tamperTargetOf(ct, key, ctx.config) !== null) return [];
  if (deployerMatcher(ctx.config.deployers).match(event.actor) !== null) return [];

  const named = resourceFrom(ct, action.resourceParams);
  const resource = named?.id ?? event.resources[0]?.id ?? null;
  const resourceType = (named && action.typeByParam?.[named.param]) ?? action.resourceType;
  const scope = await immutableScopeOf(
    ctx.config.immutableScope,
    { types: [resourceType, ...event.resources.map((r) => r.type)], tags: requestTags(event, ct), resources: event.resources },
    ctx.resources,
  );
  if (!scope.inScope) return [];

  const errorCode = errorCodeOf(event, ct);
  const who = principalLabel(event.actor) ?? 'unknown principal';
  const on = resource ? ` on ${resource}` : '';
  const summary = errorCode
    ? `Drift attempt (failed: ${errorCode}): ${who} tried ${key}${on} (${action.what})`
    : `Drift: ${who} called ${key}${on} (${action.what}) outside the deployment pipeline`;
  return [
    alertFromFinding(record, {
      kind: 'drift',
      rule: errorCode ? `${action.rule}.attempt` : action.rule,
      severity: errorCode ? 'low' : action.severity,
      summary,
      resource,
      details: {
        action: key,
        eventName: stringAt(ct, 'eventName'),
        what: action.what,
        resourceType,
        succeeded: errorCode === null,
        errorCode,
        scope: scope.reason,
        console: event.actor.console,
        sourceIp: event.actor.sourceIp,
        userAgent: event.actor.userAgent,
        requestParameters: at(ct, 'requestParameters') ?? null,
      },
    }),
  ];
}

/** CloudFormation's own drift detection: the stack no longer matches its template. */
function stackDrift(record: EventRecord): Alert[] {
  const eb = eventBridgeDetailOf(record.data.raw);
  if (!eb || eb.detailType !== CFN_DRIFT_DETAIL_TYPE) return [];
  const status = stringAt(eb.detail, 'status-details', 'stack-drift-status');
  if (status !== 'DRIFTED') return [];
  const stack = stringAt(eb.detail, 'stack-id');
  const count = at(eb.detail, 'drift-detection-details', 'drifted-stack-resource-count');
  const n = typeof count === 'number' && count >= 0 ? count : null;
  return [
    alertFromFinding(record, {
      kind: 'drift',
      rule: 'drift.cloudformation',
      severity: 'high',
      summary: `Drift: CloudFormation reports stack ${stack ?? '(unknown)'} DRIFTED${n !== null ? ` (${n} resource${n === 1 ? '' : 's'})` : ''}`,
      resource: stack,
      details: {
        stackDriftStatus: status,
        detectionStatus: stringAt(eb.detail, 'status-details', 'detection-status'),
        driftedResourceCount: n,
        driftDetectionId: stringAt(eb.detail, 'stack-drift-detection-id'),
      },
    }),
  ];
}

export const driftDetector: Detector = {
  name: 'drift',
  async detect(record, ctx) {
    return [...stackDrift(record), ...(await apiCallDrift(record, ctx))];
  },
};
