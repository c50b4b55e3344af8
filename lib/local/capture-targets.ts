import { type EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import type { CfnTemplate } from './cfn-template';
import { LocalDeployError } from './deploy-errors';
import { type DeployedScope, resolveTemplateValue } from './resolve-deployed';

/** A deployed capture rule: its events go to `queueArn` in message group `shard`. */
export interface DeployedCaptureRoute {
  readonly rule: string;
  readonly shard: string;
  readonly queueArn: string;
}

interface TemplateTarget {
  Id: string;
  Arn: unknown;
  SqsParameters?: { MessageGroupId?: string };
}

/**
 * Compares each deployed EventBridge rule that targets an SQS message group
 * with its template: same queue, same MessageGroupId (the shard). An emulator
 * that dropped SqsParameters would otherwise deliver every event into no
 * shard, and the demo would fail far from the cause.
 */
export async function checkCaptureTargets(
  events: EventBridgeClient,
  template: CfnTemplate,
  scope: DeployedScope,
): Promise<DeployedCaptureRoute[]> {
  const routes: DeployedCaptureRoute[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Events::Rule') continue;
    const targets = ((resource.Properties?.Targets ?? []) as TemplateTarget[]).filter(
      (t) => t.SqsParameters?.MessageGroupId !== undefined,
    );
    if (targets.length === 0) continue;
    const rule = scope.resources.get(logicalId)?.physicalId;
    if (!rule) throw new LocalDeployError('NOT_DEPLOYED', `capture rule ${logicalId} was not created`);
    const deployed = (await events.send(new ListTargetsByRuleCommand({ Rule: rule }))).Targets ?? [];
    for (const t of targets) {
      const queueArn = await resolveTemplateValue(t.Arn, scope);
      const shard = t.SqsParameters!.MessageGroupId!;
      const got = deployed.find((d) => d.Id === t.Id);
      if (got?.Arn !== queueArn || got.SqsParameters?.MessageGroupId !== shard) {
        throw new LocalDeployError(
          'ROUTE_MISMATCH',
          `rule ${rule} target ${t.Id}: expected ${queueArn} with MessageGroupId ${shard}, deployed ` +
            (got ? `${got.Arn} with MessageGroupId ${got.SqsParameters?.MessageGroupId ?? '(none)'}` : 'no such target'),
        );
      }
      routes.push({ rule, shard, queueArn });
    }
  }
  return routes;
}
