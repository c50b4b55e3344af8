import type { JsonObject } from '../json';
import type { NormalizedEvent, ResourceRef } from '../normalized';
import { itemsOf } from './cloudtrail';
import { at, stringAt } from '../json-access';
import type { ImmutableScope } from './config';
import { anyGlob } from './glob';
import type { ResourceLookup } from './types';

export interface ScopeDecision {
  inScope: boolean;
  /** Why, for alert details: "all", "type AWS::EC2::Instance", "tag immutable=true", "tags unknown". */
  reason: string;
}

/**
 * Whether a resource belongs to the immutable part of the account.
 *
 * Tag scope: most mutating calls do not carry the resource's tags. The tags
 * on the event (creation requests) are used first, then the archive's index
 * when a lookup is given, and otherwise the configured `unknownTags` policy
 * decides (default in scope: a hand change is reported rather than missed).
 */
export async function immutableScopeOf(
  scope: ImmutableScope,
  target: { types: readonly string[]; tags: Record<string, string>; resources: readonly ResourceRef[] },
  lookup: ResourceLookup | undefined,
): Promise<ScopeDecision> {
  switch (scope.mode) {
    case 'all':
      return { inScope: true, reason: 'all' };
    case 'types': {
      const m = anyGlob(scope.types);
      const hit = target.types.find(m);
      return hit ? { inScope: true, reason: `type ${hit}` } : { inScope: false, reason: `type not in ${scope.types.join(', ')}` };
    }
    case 'tag': {
      const wanted = scope.value === null ? scope.key : `${scope.key}=${scope.value}`;
      const decide = (tags: Record<string, string>): ScopeDecision | null => {
        if (!(scope.key in tags)) return null;
        const ok = scope.value === null || tags[scope.key] === scope.value;
        return { inScope: ok, reason: ok ? `tag ${wanted}` : `tag ${scope.key}=${tags[scope.key]}` };
      };
      const fromEvent = decide(target.tags);
      if (fromEvent) return fromEvent;
      if (lookup?.tagsOf) {
        for (const r of target.resources) {
          const tags = await lookup.tagsOf(r);
          if (tags === null) continue;
          return decide(tags) ?? { inScope: false, reason: `no tag ${scope.key}` };
        }
      }
      return { inScope: scope.unknownTags === 'in-scope', reason: 'tags unknown' };
    }
  }
}

/** Tags a creation request sets (EC2 tagSpecificationSet, ECS/Lambda `tags`), merged over the normalized event's. */
export function requestTags(event: NormalizedEvent, ct: JsonObject | null): Record<string, string> {
  const tags: Record<string, string> = { ...event.tags };
  const params = ct ? at(ct, 'requestParameters') : undefined;
  for (const spec of itemsOf(at(params, 'tagSpecificationSet'))) {
    for (const t of itemsOf(at(spec, 'tags'))) {
      const k = stringAt(t, 'key');
      if (k !== null) tags[k] = stringAt(t, 'value') ?? '';
    }
  }
  const plain = at(params, 'tags');
  if (Array.isArray(plain)) {
    for (const t of plain) {
      const k = stringAt(t, 'key');
      if (k !== null) tags[k] = stringAt(t, 'value') ?? '';
    }
  } else if (plain && typeof plain === 'object') {
    for (const [k, v] of Object.entries(plain)) if (typeof v === 'string') tags[k] = v;
  }
  return tags;
}
