import { LocalDeployError } from './deploy-errors';

/** One resource of a deployed stack. */
export interface DeployedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId: string;
}

/** What a template expression can refer to once the stack is deployed. */
export interface DeployedScope {
  readonly stackName: string;
  readonly stackId: string;
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly urlSuffix: string;
  /** By logical id; a resource the stack did not create is absent. */
  readonly resources: ReadonlyMap<string, DeployedResource>;
  /** The value of Fn::GetAtt on a deployed resource (asked of the service that owns it). */
  attribute(resource: DeployedResource, name: string): Promise<string>;
}

function pseudo(name: string, scope: DeployedScope): string | undefined {
  switch (name) {
    case 'AWS::AccountId':
      return scope.accountId;
    case 'AWS::Region':
      return scope.region;
    case 'AWS::Partition':
      return scope.partition;
    case 'AWS::StackName':
      return scope.stackName;
    case 'AWS::StackId':
      return scope.stackId;
    case 'AWS::URLSuffix':
      return scope.urlSuffix;
    default:
      return undefined;
  }
}

function deployed(logicalId: string, scope: DeployedScope): DeployedResource {
  const r = scope.resources.get(logicalId);
  if (!r) throw new LocalDeployError('NOT_DEPLOYED', `the template refers to ${logicalId}, which the stack did not create`);
  return r;
}

async function ref(name: string, scope: DeployedScope): Promise<string> {
  return pseudo(name, scope) ?? deployed(name, scope).physicalId;
}

async function getAtt(logicalId: string, attribute: string, scope: DeployedScope): Promise<string> {
  return scope.attribute(deployed(logicalId, scope), attribute);
}

async function sub(text: string, vars: Record<string, unknown>, scope: DeployedScope): Promise<string> {
  let out = '';
  let last = 0;
  // ${!Literal} is an escaped "${Literal}"; ${Name} and ${Name.Attribute} are references.
  for (const m of text.matchAll(/\$\{([^}]+)\}/g)) {
    out += text.slice(last, m.index);
    last = m.index + m[0].length;
    const name = m[1];
    if (name.startsWith('!')) out += `\${${name.slice(1)}}`;
    else if (name in vars) out += await resolveTemplateValue(vars[name], scope);
    else if (name.includes('.') && !name.startsWith('AWS::')) {
      const [id, ...attr] = name.split('.');
      out += await getAtt(id, attr.join('.'), scope);
    } else out += await ref(name, scope);
  }
  return out + text.slice(last);
}

/**
 * Resolves a template value (a literal, or Ref / Fn::GetAtt / Fn::Join /
 * Fn::Sub over them) to the string CloudFormation gave the deployed resource.
 * Anything else is refused rather than guessed.
 */
export async function resolveTemplateValue(value: unknown, scope: DeployedScope): Promise<string> {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [fn, arg] = entries[0];
      if (fn === 'Ref' && typeof arg === 'string') return ref(arg, scope);
      if (fn === 'Fn::GetAtt') {
        const [id, ...attr] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
        return getAtt(id, attr.join('.'), scope);
      }
      if (fn === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
        const parts = await Promise.all(arg[1].map((p: unknown) => resolveTemplateValue(p, scope)));
        return parts.join(arg[0]);
      }
      if (fn === 'Fn::Sub' && typeof arg === 'string') return sub(arg, {}, scope);
      if (fn === 'Fn::Sub' && Array.isArray(arg) && typeof arg[0] === 'string') {
        return sub(arg[0], (arg[1] ?? {}) as Record<string, unknown>, scope);
      }
    }
  }
  throw new LocalDeployError('UNRESOLVABLE_VALUE', `cannot resolve template value ${JSON.stringify(value)}`);
}

/** Resolves every value of a template map (e.g. a function's Environment.Variables). */
export async function resolveTemplateMap(values: Record<string, unknown>, scope: DeployedScope): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) out[k] = await resolveTemplateValue(v, scope);
  return out;
}

function isIntrinsic(value: object): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/**
 * Resolves every intrinsic function inside a template structure (an event
 * pattern, a policy document...) and keeps the rest as it is.
 */
export async function resolveTemplateJson(value: unknown, scope: DeployedScope): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map((v) => resolveTemplateJson(v, scope)));
  if (typeof value !== 'object' || value === null) return value;
  if (isIntrinsic(value)) return resolveTemplateValue(value, scope);
  const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveTemplateJson(v, scope)] as const));
  return Object.fromEntries(entries);
}
