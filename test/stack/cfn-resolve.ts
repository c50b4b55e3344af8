/**
 * Resolves the few intrinsic functions an ARN in a synthesized template is
 * built with (Ref of a pseudo parameter or a parameter, Fn::Join, Fn::GetAtt
 * <id>.Arn), as CloudFormation would in one account and region, so that
 * tests can compare what two stacks name as plain strings. A GetAtt resolves
 * through `attribute`, which the test supplies (the physical name is not
 * known before deployment).
 */
export interface ResolveEnv {
  readonly account: string;
  readonly region: string;
  readonly partition?: string;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly attribute?: (logicalId: string, attribute: string) => string;
}

export function resolveCfn(value: unknown, env: ResolveEnv): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  const v = value as Record<string, unknown>;
  if ('Ref' in v) {
    const ref = v.Ref as string;
    const pseudo: Record<string, string> = {
      'AWS::AccountId': env.account,
      'AWS::Region': env.region,
      'AWS::Partition': env.partition ?? 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    };
    const out = pseudo[ref] ?? env.parameters?.[ref];
    if (out === undefined) throw new Error(`no value for Ref ${ref}`);
    return out;
  }
  if ('Fn::Join' in v) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => resolveCfn(p, env)).join(sep);
  }
  if ('Fn::GetAtt' in v) {
    const [id, attr] = v['Fn::GetAtt'] as [string, string];
    if (!env.attribute) throw new Error(`no attribute resolver for ${id}.${attr}`);
    return env.attribute(id, attr);
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}
