import type { CfnTemplate } from './cfn-template';
import { type TemplateResourceRef, withoutResourceTypes } from './emulator-template';

/** One change made to the template for moto: to which resources, what, and why. */
export interface TemplateAdaptation {
  readonly resources: readonly TemplateResourceRef[];
  readonly change: string;
  readonly reason: string;
}

/**
 * moto evaluates a bucket-policy statement whose Condition it cannot read as a
 * denial of the matching actions, so the stack's TLS-only policies would deny
 * every request to their buckets. Its CloudFormation skips bucket policies
 * today; leaving them out keeps that true when a later moto applies them.
 */
const LEFT_OUT_TYPES = ['AWS::S3::BucketPolicy'];

function isLambdaArn(arn: unknown, template: CfnTemplate): boolean {
  if (typeof arn === 'string') return /^arn:[^:]+:lambda:/.test(arn);
  const getAtt = (arn as { 'Fn::GetAtt'?: unknown } | null)?.['Fn::GetAtt'];
  return Array.isArray(getAtt) && template.Resources[String(getAtt[0])]?.Type === 'AWS::Lambda::Function';
}

/**
 * moto invokes an enabled event source mapping's function itself on every
 * message sent to the queue, in Docker; without Docker each attempt fails and
 * counts as a receive, so after maxReceiveCount the events would sit in the
 * dead-letter queue before anything ingested them. Deployed disabled, the
 * mapping exists and the caller plays its part in-process (lib/local/event-source.ts).
 */
function disableEventSourceMappings(template: CfnTemplate): TemplateResourceRef[] {
  const changed: TemplateResourceRef[] = [];
  for (const [logicalId, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::EventSourceMapping' || r.Properties?.Enabled === false) continue;
    r.Properties = { ...r.Properties, Enabled: false };
    changed.push({ logicalId, type: r.Type });
  }
  return changed;
}

/**
 * moto's EventBridge cannot deliver to a Lambda function and fails the whole
 * PutEvents call (500) when a matching rule has one as a target; it also
 * matches a schedule rule (no event pattern) against every event put. So every
 * PutEvents would fail while the seal schedule targets its function. moto has
 * no scheduler either: the rules are kept, their Lambda targets removed, and
 * the caller runs those handlers in-process.
 */
function removeLambdaTargets(template: CfnTemplate): TemplateResourceRef[] {
  const changed: TemplateResourceRef[] = [];
  for (const [logicalId, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::Events::Rule' || !Array.isArray(r.Properties?.Targets)) continue;
    const targets = r.Properties.Targets as Array<{ Arn?: unknown }>;
    const kept = targets.filter((t) => !isLambdaArn(t.Arn, template));
    if (kept.length === targets.length) continue;
    r.Properties = { ...r.Properties };
    if (kept.length > 0) r.Properties.Targets = kept;
    else delete r.Properties.Targets;
    changed.push({ logicalId, type: r.Type });
  }
  return changed;
}

/** The template as deployed on moto, with every change listed. */
export function adaptTemplateForMoto(template: CfnTemplate): { template: CfnTemplate; adaptations: TemplateAdaptation[] } {
  const { template: copy, removed } = withoutResourceTypes(template, LEFT_OUT_TYPES);
  const adaptations: TemplateAdaptation[] = [];
  const note = (resources: TemplateResourceRef[], change: string, reason: string) => {
    if (resources.length > 0) adaptations.push({ resources, change, reason });
  };
  note(removed, 'left out', "moto reads a bucket-policy Condition as a denial: the TLS-only policies would deny every request");
  note(
    disableEventSourceMappings(copy),
    'deployed disabled',
    "moto would invoke the function itself on each message (Docker); failed tries would push the events into the DLQ. The caller drains the queue in-process instead",
  );
  note(
    removeLambdaTargets(copy),
    'Lambda targets removed',
    'moto fails every PutEvents on a matching rule with a Lambda target, and matches schedule rules against every event; the caller runs those handlers in-process',
  );
  return { template: copy, adaptations };
}
