import { isDeepStrictEqual } from 'node:util';
import { DescribeRuleCommand, type EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { S3_OBJECT_CREATED } from '../construct/objects-pattern';
import type { CfnTemplate } from './cfn-template';
import { LocalDeployError } from './deploy-errors';
import { type DeployedScope, resolveTemplateJson, resolveTemplateValue } from './resolve-deployed';

/** A deployed capture rule: its pattern as the emulator holds it. */
export interface DeployedCaptureRule {
  readonly rule: string;
  readonly pattern: unknown;
}

/** The deployed objects rule: which objects it matches, and the queue it puts their notifications on. */
export interface DeployedObjectsRule {
  readonly rule: string;
  readonly pattern: unknown;
  readonly queueArn: string;
}

export interface DeployedRules {
  readonly captureRules: readonly DeployedCaptureRule[];
  readonly objectsRule: DeployedObjectsRule;
}

interface TemplateTarget {
  Id: string;
  Arn: unknown;
}

function isObjectsPattern(pattern: Record<string, unknown>): boolean {
  return isDeepStrictEqual(pattern.source, [S3_OBJECT_CREATED.source]) && isDeepStrictEqual(pattern['detail-type'], [S3_OBJECT_CREATED.detailType]);
}

/**
 * Compares each deployed EventBridge rule that has an event pattern with the
 * (adapted) template: the same pattern, resolved against the deployed
 * resources, the same state, and every target the template still gives it.
 * The rule of S3 "Object Created" events is the objects rule, and it must put
 * them on `objectsQueueArn`; every other one is a capture rule. An emulator
 * that changed a pattern or dropped a target would otherwise make the demo
 * fail far from the cause.
 */
export async function checkDeployedRules(
  events: EventBridgeClient,
  template: CfnTemplate,
  scope: DeployedScope,
  objectsQueueArn: string,
): Promise<DeployedRules> {
  const captureRules: DeployedCaptureRule[] = [];
  const objectsRules: DeployedObjectsRule[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Events::Rule' || resource.Properties?.EventPattern === undefined) continue;
    const rule = scope.resources.get(logicalId)?.physicalId;
    if (!rule) throw new LocalDeployError('NOT_DEPLOYED', `rule ${logicalId} was not created`);
    const expected = (await resolveTemplateJson(resource.Properties.EventPattern, scope)) as Record<string, unknown>;
    const described = await events.send(new DescribeRuleCommand({ Name: rule }));
    const deployed: unknown = described.EventPattern ? JSON.parse(described.EventPattern) : undefined;
    if (!isDeepStrictEqual(deployed, expected)) {
      throw new LocalDeployError(
        'ROUTE_MISMATCH',
        `rule ${rule}: expected the pattern ${JSON.stringify(expected)}, deployed ${described.EventPattern ?? '(none)'}`,
      );
    }
    const state = (resource.Properties.State as string | undefined) ?? 'ENABLED';
    if (described.State !== state) {
      throw new LocalDeployError('ROUTE_MISMATCH', `rule ${rule}: expected state ${state}, deployed ${described.State ?? '(none)'}`);
    }
    const targets = (resource.Properties.Targets ?? []) as TemplateTarget[];
    const deployedTargets = (await events.send(new ListTargetsByRuleCommand({ Rule: rule }))).Targets ?? [];
    const targetArns: string[] = [];
    for (const t of targets) {
      const arn = await resolveTemplateValue(t.Arn, scope);
      const got = deployedTargets.find((d) => d.Id === t.Id);
      if (got?.Arn !== arn) {
        throw new LocalDeployError('ROUTE_MISMATCH', `rule ${rule} target ${t.Id}: expected ${arn}, deployed ${got?.Arn ?? 'no such target'}`);
      }
      targetArns.push(arn);
    }
    if (!isObjectsPattern(expected)) {
      captureRules.push({ rule, pattern: deployed });
      continue;
    }
    if (!isDeepStrictEqual(targetArns, [objectsQueueArn])) {
      throw new LocalDeployError(
        'ROUTE_MISMATCH',
        `objects rule ${rule}: expected one target, the objects queue ${objectsQueueArn}; deployed ${targetArns.join(', ') || 'none'}`,
      );
    }
    objectsRules.push({ rule, pattern: deployed, queueArn: objectsQueueArn });
  }
  if (objectsRules.length !== 1) {
    throw new LocalDeployError('NOT_DEPLOYED', `expected one objects rule (S3 "Object Created"), found ${objectsRules.length}`);
  }
  return { captureRules, objectsRule: objectsRules[0] };
}
