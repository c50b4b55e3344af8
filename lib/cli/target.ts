import { clientConfig, type AwsTarget } from '../aws/client-config';
import { UsageError } from './errors';

/** Options every command that talks to an archive accepts. */
export interface TargetOptions {
  region?: string;
  endpoint?: string;
  stack?: string;
  bucket?: string;
  table?: string;
  signingKey?: string;
  origin?: string;
}

export interface ResolvedTarget {
  aws: AwsTarget;
  bucket?: string;
  table?: string;
  signingKey?: string;
  origin?: string;
  /** The Athena workgroup and Glue database of the stack's query catalog (from --stack only). */
  workGroup?: string;
  database?: string;
  /** Every output of the stack named by --stack (absent without it). */
  outputs?: Readonly<Record<string, string>>;
}

export function awsTarget(o: TargetOptions): AwsTarget {
  const region = o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  if (o.endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(o.endpoint)) throw new UsageError(`--endpoint must be an http(s) URL, got "${o.endpoint}"`);
  return { region, endpoint: o.endpoint };
}

/**
 * Names given as flags win; `--stack` fills the rest from the deployed stack's
 * outputs (ArchiveBucketName, TableName, SigningKeyArn, Origin, and the
 * query catalog's AthenaWorkGroup and GlueDatabaseName).
 */
export async function resolveTarget(o: TargetOptions): Promise<ResolvedTarget> {
  const aws = awsTarget(o);
  const t: ResolvedTarget = { aws, bucket: o.bucket, table: o.table, signingKey: o.signingKey, origin: o.origin };
  if (o.stack) {
    // Loaded only with --stack: offline commands start without the CloudFormation client.
    const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
    const cfn = new CloudFormationClient(clientConfig(aws));
    let outputs: Record<string, string>;
    try {
      const out = await cfn.send(new DescribeStacksCommand({ StackName: o.stack }));
      outputs = Object.fromEntries((out.Stacks?.[0]?.Outputs ?? []).map((x) => [x.OutputKey ?? '', x.OutputValue ?? '']));
    } catch (err) {
      throw new UsageError(`cannot read stack ${o.stack}: ${(err as Error).message}`);
    }
    t.bucket ??= outputs.ArchiveBucketName;
    t.table ??= outputs.TableName;
    t.signingKey ??= outputs.SigningKeyArn;
    t.origin ??= outputs.Origin;
    t.workGroup = outputs.AthenaWorkGroup;
    t.database = outputs.GlueDatabaseName;
    t.outputs = outputs;
  }
  return t;
}

export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

export function parseIntOption(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new UsageError(`${name} must be a whole number, got "${v}"`);
    return Number(v);
  };
}

export function parseDateOption(name: string) {
  return (v: string): string => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) throw new UsageError(`${name} must be a date YYYY-MM-DD, got "${v}"`);
    return v;
  };
}
