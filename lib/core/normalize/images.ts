// Container image references. The id of an image resource is the OCI reference
// "registry/repository@sha256:..." whenever the digest is known (that is what
// gets signed and attested), else the reference exactly as the event gave it.

/** "host:5000/team/app:1.2" -> "host:5000/team/app" (a colon before the last slash is a registry port). */
function withoutTag(ref: string): string {
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(0, colon) : ref;
}

/** An image as ECS reports it: `image` may carry a tag and/or a digest; `digest` is ECS's resolved imageDigest. */
export function imageRef(image: string, digest: string | null): string {
  const at = image.indexOf('@');
  if (at >= 0) return `${withoutTag(image.slice(0, at))}${image.slice(at)}`;
  if (digest !== null) return `${withoutTag(image)}@${digest}`;
  return image;
}

/** The registry host of a private ECR registry, spelled the way ECS task definitions reference it. */
export function ecrRegistryHost(registryId: string, region: string): string {
  return `${registryId}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** An image in ECR from repository name + digest (or tag), as an ECS task would reference it. */
export function ecrImageRef(registryId: string | null, region: string | null, repository: string, digest: string | null, tag: string | null): string {
  const repo = registryId !== null && region !== null ? `${ecrRegistryHost(registryId, region)}/${repository}` : repository;
  if (digest !== null) return `${repo}@${digest}`;
  return tag !== null ? `${repo}:${tag}` : repo;
}
