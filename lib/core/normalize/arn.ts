import type { ResourceRef } from '../normalized';

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  /** Everything after the fifth colon, e.g. "instance/i-0abc" or "function:my-fn:PROD". */
  resource: string;
}

/** Splits "arn:partition:service:region:account:resource"; null when the string is not an ARN. */
export function parseArn(arn: string): ParsedArn | null {
  if (!arn.startsWith('arn:')) return null;
  const c1 = arn.indexOf(':', 4);
  const c2 = c1 < 0 ? -1 : arn.indexOf(':', c1 + 1);
  const c3 = c2 < 0 ? -1 : arn.indexOf(':', c2 + 1);
  const c4 = c3 < 0 ? -1 : arn.indexOf(':', c3 + 1);
  if (c4 < 0 || c4 === arn.length - 1) return null;
  const service = arn.slice(c1 + 1, c2);
  if (service === '') return null;
  return {
    partition: arn.slice(4, c1),
    service,
    region: arn.slice(c2 + 1, c3),
    account: arn.slice(c3 + 1, c4),
    resource: arn.slice(c4 + 1),
  };
}

type IdRule = 'last' | 'rest' | 'first' | 'arn' | 'resource';
interface Rule {
  type: string;
  id: IdRule;
}

// ARN resource type -> CloudFormation type name and which part of the ARN is the
// stable id. Only services the audit trail cares about are listed; the rest get a
// derived type name (see fallbackType).
const RULES = new Map<string, Rule>([
  ['ec2:instance', { type: 'AWS::EC2::Instance', id: 'last' }],
  ['ec2:image', { type: 'AWS::EC2::Image', id: 'last' }],
  ['ec2:security-group', { type: 'AWS::EC2::SecurityGroup', id: 'last' }],
  ['ec2:volume', { type: 'AWS::EC2::Volume', id: 'last' }],
  ['ec2:snapshot', { type: 'AWS::EC2::Snapshot', id: 'last' }],
  ['ec2:vpc', { type: 'AWS::EC2::VPC', id: 'last' }],
  ['ec2:subnet', { type: 'AWS::EC2::Subnet', id: 'last' }],
  ['ec2:network-interface', { type: 'AWS::EC2::NetworkInterface', id: 'last' }],
  ['ec2:launch-template', { type: 'AWS::EC2::LaunchTemplate', id: 'last' }],
  ['ec2:key-pair', { type: 'AWS::EC2::KeyPair', id: 'last' }],
  ['ec2:internet-gateway', { type: 'AWS::EC2::InternetGateway', id: 'last' }],
  ['ec2:route-table', { type: 'AWS::EC2::RouteTable', id: 'last' }],
  ['ec2:network-acl', { type: 'AWS::EC2::NetworkAcl', id: 'last' }],
  ['ec2:elastic-ip', { type: 'AWS::EC2::EIP', id: 'last' }],
  ['ec2:natgateway', { type: 'AWS::EC2::NatGateway', id: 'last' }],
  ['ec2:vpc-endpoint', { type: 'AWS::EC2::VPCEndpoint', id: 'last' }],
  ['ec2:transit-gateway', { type: 'AWS::EC2::TransitGateway', id: 'last' }],
  ['ec2:transit-gateway-attachment', { type: 'AWS::EC2::TransitGatewayAttachment', id: 'last' }],
  ['ec2:vpc-flow-log', { type: 'AWS::EC2::FlowLog', id: 'last' }],
  ['ec2:fleet', { type: 'AWS::EC2::EC2Fleet', id: 'last' }],
  ['ec2:spot-fleet-request', { type: 'AWS::EC2::SpotFleet', id: 'last' }],
  ['iam:user', { type: 'AWS::IAM::User', id: 'last' }],
  ['iam:role', { type: 'AWS::IAM::Role', id: 'last' }],
  ['iam:group', { type: 'AWS::IAM::Group', id: 'last' }],
  // Managed policy names are not unique (an AWS-managed and a customer policy can share one): the ARN is the id.
  ['iam:policy', { type: 'AWS::IAM::ManagedPolicy', id: 'arn' }],
  ['iam:instance-profile', { type: 'AWS::IAM::InstanceProfile', id: 'last' }],
  ['iam:mfa', { type: 'AWS::IAM::VirtualMFADevice', id: 'rest' }],
  ['iam:saml-provider', { type: 'AWS::IAM::SAMLProvider', id: 'last' }],
  ['iam:oidc-provider', { type: 'AWS::IAM::OIDCProvider', id: 'rest' }],
  ['iam:server-certificate', { type: 'AWS::IAM::ServerCertificate', id: 'last' }],
  ['iam:root', { type: 'AWS::IAM::Root', id: 'arn' }],
  ['sts:assumed-role', { type: 'AWS::STS::AssumedRole', id: 'rest' }],
  ['sts:federated-user', { type: 'AWS::STS::FederatedUser', id: 'rest' }],
  ['lambda:function', { type: 'AWS::Lambda::Function', id: 'first' }],
  ['lambda:layer', { type: 'AWS::Lambda::LayerVersion', id: 'rest' }],
  ['kms:key', { type: 'AWS::KMS::Key', id: 'last' }],
  ['kms:alias', { type: 'AWS::KMS::Alias', id: 'resource' }],
  ['cloudtrail:trail', { type: 'AWS::CloudTrail::Trail', id: 'last' }],
  ['cloudtrail:eventdatastore', { type: 'AWS::CloudTrail::EventDataStore', id: 'last' }],
  ['cloudtrail:channel', { type: 'AWS::CloudTrail::Channel', id: 'last' }],
  ['ecs:cluster', { type: 'AWS::ECS::Cluster', id: 'last' }],
  // "service/cluster/name": service names are unique per cluster only, so the id keeps the cluster.
  ['ecs:service', { type: 'AWS::ECS::Service', id: 'rest' }],
  ['ecs:task', { type: 'AWS::ECS::Task', id: 'last' }],
  ['ecs:task-definition', { type: 'AWS::ECS::TaskDefinition', id: 'rest' }],
  ['ecs:container-instance', { type: 'AWS::ECS::ContainerInstance', id: 'last' }],
  ['ecs:capacity-provider', { type: 'AWS::ECS::CapacityProvider', id: 'last' }],
  ['ecs:task-set', { type: 'AWS::ECS::TaskSet', id: 'rest' }],
  ['ecr:repository', { type: 'AWS::ECR::Repository', id: 'rest' }],
  ['cloudformation:stack', { type: 'AWS::CloudFormation::Stack', id: 'first' }],
  ['cloudformation:stackset', { type: 'AWS::CloudFormation::StackSet', id: 'first' }],
  ['secretsmanager:secret', { type: 'AWS::SecretsManager::Secret', id: 'rest' }],
  ['ssm:parameter', { type: 'AWS::SSM::Parameter', id: 'rest' }],
  ['ssm:document', { type: 'AWS::SSM::Document', id: 'rest' }],
  ['dynamodb:table', { type: 'AWS::DynamoDB::Table', id: 'first' }],
  ['rds:db', { type: 'AWS::RDS::DBInstance', id: 'rest' }],
  ['rds:cluster', { type: 'AWS::RDS::DBCluster', id: 'rest' }],
  ['rds:snapshot', { type: 'AWS::RDS::DBSnapshot', id: 'rest' }],
  ['rds:cluster-snapshot', { type: 'AWS::RDS::DBClusterSnapshot', id: 'rest' }],
  ['events:rule', { type: 'AWS::Events::Rule', id: 'rest' }],
  ['events:event-bus', { type: 'AWS::Events::EventBus', id: 'rest' }],
  ['logs:log-group', { type: 'AWS::Logs::LogGroup', id: 'rest' }],
  ['elasticloadbalancing:loadbalancer', { type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', id: 'rest' }],
  ['elasticloadbalancing:targetgroup', { type: 'AWS::ElasticLoadBalancingV2::TargetGroup', id: 'rest' }],
  ['cloudfront:distribution', { type: 'AWS::CloudFront::Distribution', id: 'last' }],
  ['guardduty:detector', { type: 'AWS::GuardDuty::Detector', id: 'first' }],
  ['sns:', { type: 'AWS::SNS::Topic', id: 'resource' }],
  ['sqs:', { type: 'AWS::SQS::Queue', id: 'resource' }],
]);

const SERVICE_NAMES = new Map<string, string>([
  ['ec2', 'EC2'],
  ['s3', 'S3'],
  ['iam', 'IAM'],
  ['sts', 'STS'],
  ['kms', 'KMS'],
  ['ecs', 'ECS'],
  ['ecr', 'ECR'],
  ['sns', 'SNS'],
  ['sqs', 'SQS'],
  ['rds', 'RDS'],
  ['ssm', 'SSM'],
  ['lambda', 'Lambda'],
  ['cloudtrail', 'CloudTrail'],
  ['cloudformation', 'CloudFormation'],
  ['autoscaling', 'AutoScaling'],
  ['dynamodb', 'DynamoDB'],
  ['events', 'Events'],
  ['logs', 'Logs'],
  ['secretsmanager', 'SecretsManager'],
  ['cloudfront', 'CloudFront'],
  ['guardduty', 'GuardDuty'],
  ['apigateway', 'ApiGateway'],
  ['glue', 'Glue'],
  ['elasticloadbalancing', 'ElasticLoadBalancingV2'],
  ['elasticfilesystem', 'EFS'],
  ['es', 'Elasticsearch'],
  ['states', 'StepFunctions'],
  ['eks', 'EKS'],
  ['codebuild', 'CodeBuild'],
  ['codepipeline', 'CodePipeline'],
  ['codedeploy', 'CodeDeploy'],
  ['organizations', 'Organizations'],
]);

function isAlphanumeric(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** "security-group" / "autoScalingGroup" -> "SecurityGroup" / "AutoScalingGroup"; anything not [A-Za-z0-9] separates words. */
function pascal(s: string): string {
  let out = '';
  let upper = true;
  for (let i = 0; i < s.length; i++) {
    if (!isAlphanumeric(s.charCodeAt(i))) {
      upper = true;
      continue;
    }
    const ch = s[i]!;
    out += upper ? ch.toUpperCase() : ch;
    upper = false;
  }
  return out;
}

// Types of services not in RULES are derived so that they still read like CloudFormation names.
function fallbackType(service: string, resourceType: string): string {
  const svc = SERVICE_NAMES.get(service) ?? (pascal(service) || 'Unknown');
  return `AWS::${svc}::${pascal(resourceType) || 'Resource'}`;
}

function firstSeparator(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 47 /* / */ || ch === 58 /* : */) return i;
  }
  return -1;
}

function firstSegment(s: string): string {
  const i = firstSeparator(s);
  return i < 0 ? s : s.slice(0, i);
}

function lastSegment(s: string): string {
  return s.slice(s.lastIndexOf('/') + 1);
}

function autoScalingRef(arn: string, resource: string): ResourceRef | null {
  // autoScalingGroup:<uuid>:autoScalingGroupName/<name>
  const marker = resource.startsWith('autoScalingGroup:')
    ? 'autoScalingGroupName/'
    : resource.startsWith('launchConfiguration:')
      ? 'launchConfigurationName/'
      : null;
  if (marker === null) return null;
  const i = resource.indexOf(marker);
  if (i < 0 || i + marker.length >= resource.length) return null;
  const type = marker === 'autoScalingGroupName/' ? 'AWS::AutoScaling::AutoScalingGroup' : 'AWS::AutoScaling::LaunchConfiguration';
  return { type, id: resource.slice(i + marker.length), arn };
}

/** The resource an ARN names, typed with CloudFormation type names; null when it is not an ARN. */
export function resourceFromArn(arn: string): ResourceRef | null {
  const p = parseArn(arn);
  if (p === null) return null;
  const { service, resource } = p;
  if (service === 's3' && p.account === '') {
    // Bucket ARNs have no region or account; "bucket/key" names an object.
    return resource.includes('/') ? { type: 'AWS::S3::Object', id: resource, arn } : { type: 'AWS::S3::Bucket', id: resource, arn };
  }
  if (service === 'autoscaling') {
    const ref = autoScalingRef(arn, resource);
    if (ref !== null) return ref;
  }
  const sep = firstSeparator(resource);
  const resourceType = sep < 0 ? '' : resource.slice(0, sep);
  const rest = sep < 0 ? resource : resource.slice(sep + 1);
  const rule = RULES.get(`${service}:${resourceType}`);
  if (rule === undefined) return { type: fallbackType(service, resourceType), id: rest, arn };
  let id: string;
  switch (rule.id) {
    case 'last':
      id = lastSegment(rest);
      break;
    case 'first':
      id = firstSegment(rest);
      break;
    case 'rest':
      id = rest;
      break;
    case 'resource':
      id = resource;
      break;
    case 'arn':
      id = arn;
      break;
  }
  // A trailing ":*" (log groups, IAM-style wildcards) is not part of the name.
  if (id.endsWith(':*')) id = id.slice(0, -2);
  return id === '' ? null : { type: rule.type, id, arn };
}
