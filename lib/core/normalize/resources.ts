import type { JsonObject, JsonValue } from '../json';
import { parseArn } from './arn';
import type { Collected } from './context';
import { isObject, stringAt } from '../json-access';
import { imageRef } from './images';
import { readTags, TAG_KEYS } from './tags';

// Resource extraction from requestParameters / responseElements / event details.
// One pass over the object tree; each key is looked up in a table of readers, then
// by suffix (...Id, ...Arn). Ambiguous keys ("name", "userName", "service") are read
// only for the service whose API gives them that meaning, and values are checked
// before they are believed: an "imageId" is an AMI only if it starts with "ami-", a
// "groupId" is a security group only if it starts with "sg-", an "...Arn" must parse.

/** Deeper than this is payload (policies, manifests), not resource references. */
const MAX_DEPTH = 12;

const EC2_PREFIXES: ReadonlyArray<readonly [string, string | null]> = [
  ['i-', 'AWS::EC2::Instance'],
  ['ami-', 'AWS::EC2::Image'],
  ['sg-', 'AWS::EC2::SecurityGroup'],
  ['vol-', 'AWS::EC2::Volume'],
  ['snap-', 'AWS::EC2::Snapshot'],
  ['vpc-', 'AWS::EC2::VPC'],
  ['subnet-', 'AWS::EC2::Subnet'],
  ['eni-attach-', null],
  ['eni-', 'AWS::EC2::NetworkInterface'],
  ['lt-', 'AWS::EC2::LaunchTemplate'],
  ['igw-', 'AWS::EC2::InternetGateway'],
  ['rtb-', 'AWS::EC2::RouteTable'],
  ['acl-', 'AWS::EC2::NetworkAcl'],
  ['eipalloc-', 'AWS::EC2::EIP'],
  ['nat-', 'AWS::EC2::NatGateway'],
  ['vpce-', 'AWS::EC2::VPCEndpoint'],
  ['tgw-attach-', 'AWS::EC2::TransitGatewayAttachment'],
  ['tgw-', 'AWS::EC2::TransitGateway'],
  ['key-', 'AWS::EC2::KeyPair'],
  ['fl-', 'AWS::EC2::FlowLog'],
];

function ec2TypeOf(id: string): string | null {
  for (const [prefix, type] of EC2_PREFIXES) if (id.startsWith(prefix)) return id.length > prefix.length ? type : null;
  return null;
}

type Reader = (value: JsonValue, parent: JsonObject, c: Collected) => void;

/** Applies `read` to a string or to each string of an array. */
function eachString(value: JsonValue, read: (s: string) => void): void {
  if (typeof value === 'string') {
    if (value !== '') read(value);
  } else if (Array.isArray(value)) {
    for (const v of value) if (typeof v === 'string' && v !== '') read(v);
  }
}

const ec2Id: Reader = (value, _parent, c) =>
  eachString(value, (id) => {
    const type = ec2TypeOf(id);
    if (type !== null) c.resources.add(type, id);
  });

/** A name or an ARN of the given type. */
function nameOrArn(type: string): Reader {
  return (value, _parent, c) =>
    eachString(value, (s) => {
      if (!c.resources.addArn(s)) c.resources.add(type, s);
    });
}

/** Like nameOrArn, but only for events of one service (the key means something else elsewhere). */
function onlyFor(service: string, read: Reader): Reader {
  return (value, parent, c) => {
    if (c.service === service) read(value, parent, c);
  };
}

const kmsKey: Reader = (value, _parent, c) =>
  eachString(value, (s) => {
    if (c.resources.addArn(s)) return;
    c.resources.add(s.startsWith('alias/') ? 'AWS::KMS::Alias' : 'AWS::KMS::Key', s);
  });

const lambdaFunction: Reader = (value, _parent, c) =>
  eachString(value, (s) => {
    if (c.resources.addArn(s)) return;
    // "name", "name:alias" or the partial ARN "123456789012:function:name".
    const marker = s.indexOf(':function:');
    const name = marker >= 0 ? s.slice(marker + 10) : s;
    const colon = name.indexOf(':');
    c.resources.add('AWS::Lambda::Function', colon < 0 ? name : name.slice(0, colon));
  });

function clusterName(s: string): string {
  const p = parseArn(s);
  return p === null ? s : p.resource.slice(p.resource.indexOf('/') + 1);
}

/** The cluster a service name belongs to: a sibling field, else the request's, else ECS's default cluster. */
function clusterOf(parent: JsonObject, c: Collected): string {
  const sibling = stringAt(parent, 'cluster') ?? stringAt(parent, 'clusterArn') ?? stringAt(parent, 'clusterName');
  return sibling !== null ? clusterName(sibling) : (c.ecsCluster ?? 'default');
}

const ecsService: Reader = (value, parent, c) =>
  eachString(value, (s) => {
    if (!c.resources.addArn(s)) c.resources.add('AWS::ECS::Service', `${clusterOf(parent, c)}/${s}`);
  });

const containerImage: Reader = (value, parent, c) => {
  if (typeof value !== 'string' || value === '') return;
  c.resources.add('AWS::ECR::Image', imageRef(value, stringAt(parent, 'imageDigest')));
};

const ecrDigest: Reader = (value, _parent, c) => {
  if (c.service === 'ecr' && typeof value === 'string' && value !== '') c.ecrDigests.push(value);
};
const ecrTag: Reader = (value, _parent, c) => {
  if (c.service === 'ecr' && typeof value === 'string' && value !== '') c.ecrTags.push(value);
};

const READERS = new Map<string, Reader>();
// Keys ending in Id/Ids (instanceId, TransitGatewayAttachmentId, ...) are read as EC2 ids
// by isIdKey below; these are the EC2-id keys that do not end that way.
for (const key of ['instance-id', 'securityGroups', 'SecurityGroups', 'subnets', 'Subnets']) READERS.set(key, ec2Id);
for (const key of ['bucketName', 'BucketName', 's3BucketName', 'S3BucketName']) READERS.set(key, nameOrArn('AWS::S3::Bucket'));
READERS.set('userName', onlyFor('iam', nameOrArn('AWS::IAM::User')));
READERS.set('roleName', onlyFor('iam', nameOrArn('AWS::IAM::Role')));
READERS.set('groupName', onlyFor('iam', nameOrArn('AWS::IAM::Group')));
READERS.set('policyName', onlyFor('iam', nameOrArn('AWS::IAM::Policy')));
READERS.set('instanceProfileName', onlyFor('iam', nameOrArn('AWS::IAM::InstanceProfile')));
READERS.set('functionName', onlyFor('lambda', lambdaFunction));
READERS.set('FunctionName', onlyFor('lambda', lambdaFunction));
READERS.set('keyId', onlyFor('kms', kmsKey));
READERS.set('targetKeyId', onlyFor('kms', kmsKey));
for (const key of ['kmsKeyId', 'KmsKeyId', 'KMSKeyId', 'kmsKeyArn', 'SSEKMSKeyId', 'x-amz-server-side-encryption-aws-kms-key-id']) READERS.set(key, kmsKey);
READERS.set('name', onlyFor('cloudtrail', nameOrArn('AWS::CloudTrail::Trail')));
READERS.set('trailName', onlyFor('cloudtrail', nameOrArn('AWS::CloudTrail::Trail')));
READERS.set('cluster', onlyFor('ecs', nameOrArn('AWS::ECS::Cluster')));
READERS.set('clusterName', onlyFor('ecs', nameOrArn('AWS::ECS::Cluster')));
READERS.set('service', onlyFor('ecs', ecsService));
READERS.set('serviceName', onlyFor('ecs', ecsService));
READERS.set('taskDefinition', onlyFor('ecs', nameOrArn('AWS::ECS::TaskDefinition')));
READERS.set('task', onlyFor('ecs', nameOrArn('AWS::ECS::Task')));
READERS.set('tasks', onlyFor('ecs', nameOrArn('AWS::ECS::Task')));
READERS.set('containerInstance', onlyFor('ecs', nameOrArn('AWS::ECS::ContainerInstance')));
READERS.set('containerInstances', onlyFor('ecs', nameOrArn('AWS::ECS::ContainerInstance')));
READERS.set('image', onlyFor('ecs', containerImage));
READERS.set('imageUri', containerImage);
READERS.set('repositoryName', onlyFor('ecr', nameOrArn('AWS::ECR::Repository')));
READERS.set('imageDigest', ecrDigest);
READERS.set('imageTag', ecrTag);
// Per-container ARNs of a task are not resources anyone asks about; the task is.
const IGNORED_ARN_KEYS: ReadonlySet<string> = new Set(['containerArn']);

function isIdKey(key: string): boolean {
  return key.endsWith('Id') || key.endsWith('Ids') || key.endsWith('ID') || key.endsWith('IDs') || key === 'id';
}

function isArnKey(key: string): boolean {
  return key === 'arn' || key === 'ARN' || key.endsWith('Arn') || key.endsWith('ARN') || key.endsWith('Arns') || key.endsWith('ARNs');
}

/**
 * Collects resources and tags from a request, response or detail object.
 * Never throws on odd shapes; recursion is bounded by MAX_DEPTH.
 */
export function collectFrom(value: JsonValue | undefined, c: Collected, depth = 0): void {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) if (item !== null && typeof item === 'object') collectFrom(item, c, depth + 1);
    return;
  }
  for (const key in value) {
    const v = value[key]!;
    if (v === null) continue;
    if (TAG_KEYS.has(key)) {
      readTags(v, c.tags);
      continue;
    }
    const read = READERS.get(key);
    if (read !== undefined) read(v, value, c);
    else if (isIdKey(key)) ec2Id(v, value, c);
    else if (isArnKey(key) && !IGNORED_ARN_KEYS.has(key)) eachString(v, (s) => void c.resources.addArn(s));
    if (typeof v === 'object') collectFrom(v, c, depth + 1);
  }
}

/** EventBridge envelope resources[]: ARN strings. Anything else (doc placeholders) is skipped. */
export function collectEnvelopeResources(resources: JsonValue | undefined, c: Collected): void {
  if (!Array.isArray(resources)) return;
  for (const r of resources) if (typeof r === 'string') c.resources.addArn(r);
}

/** CloudTrail resources[]: [{ARN, accountId, type}]. The type is re-derived from the ARN so ids match other sources. */
export function collectCloudTrailResources(resources: JsonValue | undefined, c: Collected): void {
  if (!Array.isArray(resources)) return;
  for (const r of resources) {
    if (!isObject(r)) continue;
    const arn = stringAt(r, 'ARN') ?? stringAt(r, 'arn');
    if (arn !== null) c.resources.addArn(arn);
  }
}
