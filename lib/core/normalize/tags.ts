import type { JsonObject, JsonValue } from '../json';
import { isObject } from '../json-access';

// Tags come in every shape AWS has: [{key,value}] (EC2, ECS), {items:[...]} (EC2
// XML-ish sets), {Tag:[{Key,Value}]} (S3), {name: value} maps (Lambda, EventBridge).

/** Keys under which a tag collection may appear in request/response/detail objects. */
export const TAG_KEYS: ReadonlySet<string> = new Set(['tags', 'Tags', 'tagSet', 'TagSet', 'tagList', 'TagList']);

const WRAPPERS = ['items', 'Tag', 'member', 'Tags'] as const;

function setTag(into: Record<string, string>, key: string, value: JsonValue | undefined): void {
  // "__proto__" as a plain-object key would replace the prototype instead of adding a tag.
  if (key === '' || key === '__proto__') return;
  into[key] =
    typeof value === 'string' ? value : value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function readEntry(entry: JsonObject, into: Record<string, string>): boolean {
  const key = entry.key ?? entry.Key ?? entry.tagKey ?? entry.TagKey;
  if (typeof key !== 'string') return false;
  setTag(into, key, entry.value ?? entry.Value ?? entry.tagValue ?? entry.TagValue);
  return true;
}

/** Adds the tags found in `value` (any of the shapes above) to `into`; ignores anything else. */
export function readTags(value: JsonValue | undefined, into: Record<string, string>, depth = 0): void {
  if (depth > 3) return;
  if (Array.isArray(value)) {
    for (const entry of value) if (isObject(entry)) readEntry(entry, into);
    return;
  }
  if (!isObject(value)) return;
  if (readEntry(value, into)) return;
  for (const wrapper of WRAPPERS) {
    const inner = value[wrapper];
    if (inner !== undefined) {
      readTags(inner, into, depth + 1);
      return;
    }
  }
  for (const key in value) {
    const v = value[key];
    if (typeof v === 'string') setTag(into, key, v);
  }
}
