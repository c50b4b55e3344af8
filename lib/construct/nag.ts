import { Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag acknowledgements, kept next to the resources they concern. Each one
 * must say why the finding does not apply here; a short or empty reason is a
 * programming error, not a judgement call.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < 40) {
    throw new Error(`cdk-nag acknowledgement ${id} on ${scope.node.path} needs a real reason`);
  }
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Acknowledges AwsSolutions-IAM5 for specific wildcard resources (object keys
 * under a prefix, log streams...). cdk-nag v3 identifies each finding by the
 * flattened resource, e.g. `Resource::<ArchiveBucketABC.Arn>/records/*`; the id
 * is derived from the same token the grant used, with cdk-nag's own flattener,
 * so renaming a resource cannot silently orphan an acknowledgement.
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: readonly string[], reason: string): void {
  const stack = Stack.of(scope);
  for (const resource of resources) {
    const flat = flattenCfnReference(stack.resolve(resource));
    acknowledge(scope, `AwsSolutions-IAM5[Resource::${flat}]`, reason);
  }
}
