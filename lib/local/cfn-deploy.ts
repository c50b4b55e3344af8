import {
  type CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type StackResource,
} from '@aws-sdk/client-cloudformation';
import { LocalDeployError } from './deploy-errors';

export interface DeployedStack {
  readonly stackId: string;
  readonly outputs: Readonly<Record<string, string>>;
  /** Every resource the stack reports, with its physical id. */
  readonly resources: readonly StackResource[];
}

const POLL_MS = 250;

/** The failure reasons CloudFormation recorded for each resource that did not create. */
async function failureReasons(cfn: CloudFormationClient, stackName: string): Promise<string[]> {
  const out = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName }));
  return (out.StackEvents ?? [])
    .filter((e) => e.ResourceStatus?.endsWith('_FAILED') && e.LogicalResourceId !== stackName)
    .map((e) => `${e.LogicalResourceId} (${e.ResourceType}): ${e.ResourceStatusReason ?? 'no reason given'}`);
}

/**
 * CreateStack from a template already uploaded to S3 (as `cdk deploy` does
 * with a template over CloudFormation's inline size limit), then waits for
 * CREATE_COMPLETE. Anything else fails with the resources that caused it.
 */
export async function createStackAndWait(
  cfn: CloudFormationClient,
  input: { stackName: string; templateUrl: string; timeoutMs: number },
): Promise<DeployedStack> {
  const { StackId } = await cfn.send(
    new CreateStackCommand({
      StackName: input.stackName,
      TemplateURL: input.templateUrl,
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      OnFailure: 'DO_NOTHING',
    }),
  );
  const deadline = Date.now() + input.timeoutMs;
  for (;;) {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: StackId ?? input.stackName }))).Stacks?.[0];
    const status = stack?.StackStatus ?? 'UNKNOWN';
    if (status === 'CREATE_COMPLETE') {
      const outputs = Object.fromEntries(
        (stack!.Outputs ?? []).filter((o) => o.OutputKey && o.OutputValue !== undefined).map((o) => [o.OutputKey!, o.OutputValue!]),
      );
      const resources = (await cfn.send(new DescribeStackResourcesCommand({ StackName: input.stackName }))).StackResources ?? [];
      return { stackId: stack!.StackId ?? StackId ?? input.stackName, outputs, resources };
    }
    if (!status.endsWith('_IN_PROGRESS')) {
      const reasons = await failureReasons(cfn, input.stackName);
      throw new LocalDeployError(
        'STACK_CREATE_FAILED',
        `stack ${input.stackName} ended in ${status}${stack?.StackStatusReason ? ` (${stack.StackStatusReason})` : ''}` +
          (reasons.length > 0 ? `:\n  ${reasons.join('\n  ')}` : ''),
      );
    }
    if (Date.now() > deadline) {
      throw new LocalDeployError('STACK_TIMEOUT', `stack ${input.stackName} still ${status} after ${input.timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
