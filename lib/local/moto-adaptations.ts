import type { CfnTemplate } from './cfn-template';
import { type TemplateResourceRef, referencesAny, withoutResourceTypes, withoutResources } from './emulator-template';

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
  return removeRuleTargets(template, (arn) => isLambdaArn(arn, template));
}

/** Removes the rule targets whose Arn `drop` selects (in place); returns the rules changed. */
function removeRuleTargets(template: CfnTemplate, drop: (arn: unknown) => boolean): TemplateResourceRef[] {
  const changed: TemplateResourceRef[] = [];
  for (const [logicalId, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::Events::Rule' || !Array.isArray(r.Properties?.Targets)) continue;
    const targets = r.Properties.Targets as Array<{ Arn?: unknown }>;
    const kept = targets.filter((t) => !drop(t.Arn));
    if (kept.length === targets.length) continue;
    r.Properties = { ...r.Properties };
    if (kept.length > 0) r.Properties.Targets = kept;
    else delete r.Properties.Targets;
    changed.push({ logicalId, type: r.Type });
  }
  return changed;
}

const FIREHOSE_STREAM = 'AWS::KinesisFirehose::DeliveryStream';

/** What leaving the Firehose streams out took away besides them. */
interface FirehoseLeftOut {
  /** Rules whose Firehose targets were removed. */
  readonly rules: TemplateResourceRef[];
  /** IAM policies with statements naming a stream: trimmed, or left out when nothing else was in them. */
  readonly policies: TemplateResourceRef[];
  readonly emptyPolicies: string[];
  /** Outputs naming a stream. */
  readonly outputs: TemplateResourceRef[];
}

/**
 * moto 5.2.1's CloudFormation cannot create a Firehose delivery stream, and
 * its EventBridge cannot deliver to one (PutEvents fails when a matching rule
 * has a Firehose target). Everything that exists only for the stream goes
 * with it: the capture rules' targets (the rules stay, with their patterns),
 * the IAM statements that name it, and the outputs that name it. The caller
 * plays Firehose's part: it writes newline-delimited events into the staging
 * bucket under live/.
 */
function detachFirehose(template: CfnTemplate): FirehoseLeftOut {
  const streams = new Set(
    Object.entries(template.Resources)
      .filter(([, r]) => r.Type === FIREHOSE_STREAM)
      .map(([id]) => id),
  );
  const out: FirehoseLeftOut = { rules: [], policies: [], emptyPolicies: [], outputs: [] };
  if (streams.size === 0) return out;
  out.rules.push(...removeRuleTargets(template, (arn) => referencesAny(arn, streams)));
  for (const [logicalId, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::IAM::Policy') {
      const doc = r.Properties?.PolicyDocument as { Statement?: unknown[] } | undefined;
      const statements = doc?.Statement ?? [];
      const kept = statements.filter((st) => !referencesAny(st, streams));
      if (kept.length === statements.length) continue;
      out.policies.push({ logicalId, type: r.Type });
      if (kept.length === 0) out.emptyPolicies.push(logicalId);
      else r.Properties = { ...r.Properties, PolicyDocument: { ...doc, Statement: kept } };
    }
  }
  for (const [name, o] of Object.entries(template.Outputs ?? {})) {
    if (!referencesAny(o.Value, streams)) continue;
    delete template.Outputs![name];
    out.outputs.push({ logicalId: name, type: 'Output' });
  }
  return out;
}

/** The template as deployed on moto, with every change listed. */
export function adaptTemplateForMoto(template: CfnTemplate): { template: CfnTemplate; adaptations: TemplateAdaptation[] } {
  const { template: withoutBucketPolicies, removed } = withoutResourceTypes(template, LEFT_OUT_TYPES);
  const { template: withoutPolicies, removed: dashboards } = withoutResourceTypes(withoutBucketPolicies, ['AWS::CloudWatch::Dashboard']);
  const adaptations: TemplateAdaptation[] = [];
  const note = (resources: TemplateResourceRef[], change: string, reason: string) => {
    if (resources.length > 0) adaptations.push({ resources, change, reason });
  };
  note(removed, 'left out', 'moto reads a bucket-policy Condition as a denial: the TLS-only policies would deny every request');
  note(dashboards, 'left out', "moto's CloudFormation cannot resolve the alarms' ARNs the dashboard's alarm row names; a dashboard only displays");

  const firehose = detachFirehose(withoutPolicies);
  const { template: withoutStreams, removed: streams } = withoutResources(withoutPolicies, [
    ...Object.entries(withoutPolicies.Resources)
      .filter(([, r]) => r.Type === FIREHOSE_STREAM)
      .map(([id]) => id),
    ...firehose.emptyPolicies,
  ]);
  const copy = withoutStreams;
  const live = 'the caller writes newline-delimited events into the staging bucket under live/ instead';
  note(
    firehose.rules,
    'Firehose targets removed',
    `moto's EventBridge cannot deliver to Firehose (PutEvents fails on a matching rule with a Firehose target); the rules and their patterns stay, ${live}`,
  );
  note(
    streams,
    'left out',
    `moto's CloudFormation cannot create a Firehose delivery stream (the IAM policy that only let EventBridge put records into it goes with it); ${live}`,
  );
  note(
    firehose.policies.filter((p) => !firehose.emptyPolicies.includes(p.logicalId)),
    'statements naming the Firehose stream removed',
    'the stream is not created on moto',
  );
  note(
    firehose.outputs,
    `output ${firehose.outputs.map((o) => o.logicalId).join(', ')} left out`,
    'it names the Firehose stream, which is not created on moto',
  );
  note(
    disableEventSourceMappings(copy),
    'deployed disabled',
    'moto would invoke the function itself on each message (Docker); failed tries would push the events into the DLQ. The caller drains the queue in-process instead',
  );
  note(
    removeLambdaTargets(copy),
    'Lambda targets removed',
    'moto fails every PutEvents on a matching rule with a Lambda target, and matches schedule rules against every event; the caller runs those handlers in-process',
  );
  return { template: copy, adaptations };
}
