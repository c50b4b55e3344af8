import type { CfnTemplate } from './cfn-template';
import { LocalDeployError } from './deploy-errors';

export interface TemplateResourceRef {
  readonly logicalId: string;
  readonly type: string;
}

function referencesTo(value: unknown, ids: ReadonlySet<string>, found: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) referencesTo(v, ids, found);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, v] of Object.entries(value)) {
    if (key === 'Ref' && typeof v === 'string' && ids.has(v)) found.add(v);
    else if (key === 'Fn::GetAtt' && Array.isArray(v) && typeof v[0] === 'string' && ids.has(v[0])) found.add(v[0]);
    else if (key === 'Fn::GetAtt' && typeof v === 'string' && ids.has(v.split('.')[0])) found.add(v.split('.')[0]);
    else referencesTo(v, ids, found);
  }
}

function dropDependsOn(template: CfnTemplate, ids: ReadonlySet<string>): void {
  for (const r of Object.values(template.Resources)) {
    if (r.DependsOn === undefined) continue;
    const deps = (Array.isArray(r.DependsOn) ? r.DependsOn : [r.DependsOn]).filter((d) => !ids.has(d));
    if (deps.length > 0) r.DependsOn = deps;
    else delete r.DependsOn;
  }
}

/** True when `value` (a template fragment) refers to one of `ids` with Ref or Fn::GetAtt. */
export function referencesAny(value: unknown, ids: ReadonlySet<string>): boolean {
  const found = new Set<string>();
  referencesTo(value, ids, found);
  return found.size > 0;
}

/**
 * A copy of `template` without the resources of the given types. Nothing left
 * may reference a removed resource (that would change what the stack does,
 * not just what the emulator skips); DependsOn entries on them are dropped.
 */
export function withoutResourceTypes(template: CfnTemplate, types: readonly string[]): { template: CfnTemplate; removed: TemplateResourceRef[] } {
  const ids = Object.entries(template.Resources)
    .filter(([, r]) => types.includes(r.Type))
    .map(([logicalId]) => logicalId);
  return withoutResources(template, ids);
}

/** A copy of `template` without the resources `logicalIds`, under the same rules as withoutResourceTypes. */
export function withoutResources(template: CfnTemplate, logicalIds: readonly string[]): { template: CfnTemplate; removed: TemplateResourceRef[] } {
  const copy = structuredClone(template);
  const removed = logicalIds.map((logicalId) => {
    const r = copy.Resources[logicalId];
    if (!r) throw new LocalDeployError('NOT_DEPLOYED', `the template has no resource ${logicalId}`);
    return { logicalId, type: r.Type };
  });
  const ids = new Set(logicalIds);
  for (const id of ids) delete copy.Resources[id];
  const referenced = new Set<string>();
  referencesTo(copy.Resources, ids, referenced);
  referencesTo(copy.Outputs ?? {}, ids, referenced);
  if (referenced.size > 0) {
    throw new LocalDeployError('NOT_DEPLOYED', `cannot leave ${[...referenced].join(', ')} out of the template: other resources or outputs reference them`);
  }
  dropDependsOn(copy, ids);
  return { template: copy, removed };
}

/** A resource that exists outside the stack: what Ref and each Fn::GetAtt attribute of it return. */
export interface ExistingResource {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

function substitute(value: unknown, id: string, existing: ExistingResource): unknown {
  const attribute = (name: string): string => {
    const v = existing.attributes[name];
    if (v === undefined) throw new LocalDeployError('UNRESOLVABLE_VALUE', `no value for Fn::GetAtt ${id}.${name}`);
    return v;
  };
  if (Array.isArray(value)) return value.map((v) => substitute(v, id, existing));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [fn, arg] = entries[0];
    if (fn === 'Ref' && arg === id) return existing.ref;
    if (fn === 'Fn::GetAtt') {
      const [target, ...attr] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
      if (target === id) return attribute(attr.join('.'));
    }
    if (fn === 'Fn::Sub') {
      const [text, vars] = Array.isArray(arg) ? arg : [arg, undefined];
      if (typeof text === 'string') {
        const replaced = text.replace(/\$\{([^}!][^}]*)\}/g, (whole, name: string) => {
          if (name === id) return existing.ref;
          if (name.startsWith(`${id}.`)) return attribute(name.slice(id.length + 1));
          return whole;
        });
        const subVars = vars === undefined ? undefined : substitute(vars, id, existing);
        return { 'Fn::Sub': subVars === undefined ? replaced : [replaced, subVars] };
      }
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, substitute(v, id, existing)]));
}

/**
 * A copy of `template` in which resource `logicalId` is replaced by one that
 * already exists: the resource is removed and every Ref / Fn::GetAtt / Fn::Sub
 * reference to it becomes the existing resource's value, as if the stack had
 * been written to import it.
 */
export function withResourceReplaced(template: CfnTemplate, logicalId: string, existing: ExistingResource): CfnTemplate {
  const copy = structuredClone(template);
  if (!(logicalId in copy.Resources)) throw new LocalDeployError('NOT_DEPLOYED', `the template has no resource ${logicalId}`);
  delete copy.Resources[logicalId];
  copy.Resources = substitute(copy.Resources, logicalId, existing) as CfnTemplate['Resources'];
  if (copy.Outputs) copy.Outputs = substitute(copy.Outputs, logicalId, existing) as CfnTemplate['Outputs'];
  dropDependsOn(copy, new Set([logicalId]));
  return copy;
}

/**
 * Template resources the stack reports no physical resource for. moto's
 * CloudFormation completes a stack while skipping every resource type it does
 * not model (alarms, Glue, Athena, resource policies...): this names them.
 */
export function resourcesNotCreated(template: CfnTemplate, created: ReadonlyArray<{ LogicalResourceId?: string }>): TemplateResourceRef[] {
  const ids = new Set(created.map((r) => r.LogicalResourceId).filter((id): id is string => id !== undefined));
  return Object.entries(template.Resources)
    .filter(([id]) => !ids.has(id))
    .map(([logicalId, r]) => ({ logicalId, type: r.Type }));
}

/** "AWS::CloudWatch::Alarm x4, AWS::Glue::Table" */
export function countByType(resources: readonly TemplateResourceRef[]): string {
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, n]) => (n > 1 ? `${type} x${n}` : type))
    .join(', ');
}
