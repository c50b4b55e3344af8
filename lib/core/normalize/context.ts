import { ecrImageRef } from './images';
import { ResourceSet } from './resource-set';

/** What one normalization collects while it reads an event's fields. */
export interface Collected {
  /** Short service name of the event, which decides how ambiguous keys ("name", "userName") are read. */
  readonly service: string;
  readonly account: string | null;
  readonly region: string | null;
  readonly resources: ResourceSet;
  readonly tags: Record<string, string>;
  /** ECS cluster the request is about (requestParameters.cluster or detail.clusterArn), to qualify service names. */
  ecsCluster: string | null;
  /** ECR repository and registry of the request, to turn digests/tags into image references. */
  ecrRepository: string | null;
  ecrRegistry: string | null;
  ecrDigests: string[];
  ecrTags: string[];
}

export function newCollected(service: string, account: string | null, region: string | null): Collected {
  return {
    service,
    account,
    region,
    resources: new ResourceSet(),
    tags: {},
    ecsCluster: null,
    ecrRepository: null,
    ecrRegistry: null,
    ecrDigests: [],
    ecrTags: [],
  };
}

/** Turns the ECR digests/tags seen into image resources: digests when there are any, tags only otherwise. */
export function finishEcrImages(c: Collected): void {
  if (c.ecrRepository === null) return;
  const registry = c.ecrRegistry ?? c.account;
  if (c.ecrDigests.length > 0) {
    for (const d of c.ecrDigests) c.resources.add('AWS::ECR::Image', ecrImageRef(registry, c.region, c.ecrRepository, d, null));
  } else {
    for (const t of c.ecrTags) c.resources.add('AWS::ECR::Image', ecrImageRef(registry, c.region, c.ecrRepository, null, t));
  }
}
