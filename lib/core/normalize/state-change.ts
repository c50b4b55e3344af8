import type { JsonObject } from '../json';
import type { Collected } from './context';
import { objectAt, stringAt } from '../json-access';
import { ecrImageRef } from './images';
import { collectFrom } from './resources';

/** Reads resources/tags of one known EventBridge state-change event into `c` and returns its new state. */
export type StateChangeReader = (detail: JsonObject, c: Collected) => string | null;

const ec2InstanceState: StateChangeReader = (detail, c) => {
  const id = stringAt(detail, 'instance-id');
  if (id !== null) c.resources.add('AWS::EC2::Instance', id);
  return stringAt(detail, 'state');
};

// ECS Task State Change, Container Instance State Change, Service Action, Deployment State Change.
const ecsState: StateChangeReader = (detail, c) => {
  const cluster = stringAt(detail, 'clusterArn');
  if (cluster !== null) c.ecsCluster = cluster.slice(cluster.lastIndexOf('/') + 1);
  collectFrom(detail, c);
  // A task started by a service has group "service:<name>".
  const group = stringAt(detail, 'group');
  if (group !== null && group.startsWith('service:') && group.length > 8) {
    c.resources.add('AWS::ECS::Service', `${c.ecsCluster ?? 'default'}/${group.slice(8)}`);
  }
  return stringAt(detail, 'lastStatus') ?? stringAt(detail, 'status') ?? stringAt(detail, 'eventName');
};

// Launch/terminate (un)successful, lifecycle actions, instance refresh.
const autoScalingState: StateChangeReader = (detail, c) => {
  const instance = stringAt(detail, 'EC2InstanceId');
  if (instance !== null) c.resources.add('AWS::EC2::Instance', instance);
  const group = stringAt(detail, 'AutoScalingGroupName');
  if (group !== null) c.resources.add('AWS::AutoScaling::AutoScalingGroup', group);
  return stringAt(detail, 'StatusCode') ?? stringAt(detail, 'LifecycleTransition');
};

/** ECR Image Action: the state is what happened to the image ("PUSH", "DELETE"). */
const ecrImageAction: StateChangeReader = (detail, c) => {
  const repository = stringAt(detail, 'repository-name');
  if (repository !== null) {
    c.resources.add('AWS::ECR::Repository', repository);
    const digest = stringAt(detail, 'image-digest');
    const tag = stringAt(detail, 'image-tag');
    if (digest !== null || tag !== null) c.resources.add('AWS::ECR::Image', ecrImageRef(c.account, c.region, repository, digest, tag));
  }
  return stringAt(detail, 'action-type');
};

const CFN_TYPE = /^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/;

/** Drift detection, stack and resource status changes. */
const cloudFormationState: StateChangeReader = (detail, c) => {
  const stack = stringAt(detail, 'stack-id');
  if (stack !== null && !c.resources.addArn(stack)) c.resources.add('AWS::CloudFormation::Stack', stack);
  // Resource Status Change events name the resource by its CloudFormation type and physical id.
  const resourceType = stringAt(detail, 'resource-type');
  const physicalId = stringAt(detail, 'physical-resource-id');
  if (resourceType !== null && physicalId !== null && CFN_TYPE.test(resourceType) && !c.resources.addArn(physicalId)) {
    c.resources.add(resourceType, physicalId);
  }
  const status = objectAt(detail, 'status-details');
  return stringAt(status, 'stack-drift-status') ?? stringAt(status, 'status');
};

const BY_KIND = new Map<string, StateChangeReader>([
  ['aws.ec2|EC2 Instance State-change Notification', ec2InstanceState],
  ['aws.ecr|ECR Image Action', ecrImageAction],
]);

const BY_SOURCE = new Map<string, StateChangeReader>([
  ['aws.ecs', ecsState],
  ['aws.autoscaling', autoScalingState],
  ['aws.cloudformation', cloudFormationState],
]);

/** The reader for a known state-change kind, or null for kinds read generically. */
export function stateChangeReader(source: string, detailType: string): StateChangeReader | null {
  return BY_KIND.get(`${source}|${detailType}`) ?? BY_SOURCE.get(source) ?? null;
}
