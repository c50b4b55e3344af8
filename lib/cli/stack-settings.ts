import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig } from '../aws/client-config';
import { UsageError } from './errors';
import type { ResolvedTarget } from './target';

/**
 * The deployed ingest function's environment: the stack's capture filter,
 * shard plan and detection settings exactly as its Lambdas read them, so a
 * command run from a laptop (backfill) applies the same ones. Null without
 * --stack; a stack deployed before the IngestFunctionName output is a usage
 * error that says so.
 */
export async function stackHandlerEnv(target: ResolvedTarget, stack: string | undefined): Promise<Record<string, string> | null> {
  if (!stack) return null;
  const name = target.outputs?.IngestFunctionName;
  if (!name)
    throw new UsageError(
      `stack ${stack} has no IngestFunctionName output (deployed by an older version): redeploy it, or give --bucket/--table instead of --stack`,
    );
  try {
    const out = await new LambdaClient(clientConfig(target.aws)).send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    return { ...(out.Environment?.Variables ?? {}) };
  } catch (err) {
    throw new UsageError(`cannot read the settings of ${name}: ${(err as Error).message}`);
  }
}
