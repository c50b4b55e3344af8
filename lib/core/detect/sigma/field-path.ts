import type { JsonValue } from '../../json';
import { isObject } from '../../json-access';

/**
 * The values a Sigma field path such as `requestParameters.containerDefinitions.command`
 * names in a JSON record. Arrays on the way are walked element by element
 * (every container definition's command), arrays at the end are flattened,
 * and a key that itself contains dots wins over splitting it.
 */
export function fieldValues(record: JsonValue, path: string): JsonValue[] {
  const out: JsonValue[] = [];
  walk(record, path.split('.'), 0, out);
  return out;
}

function walk(v: JsonValue, segments: readonly string[], i: number, out: JsonValue[]): void {
  if (Array.isArray(v)) {
    for (const el of v) walk(el, segments, i, out);
    return;
  }
  if (i === segments.length) {
    out.push(v);
    return;
  }
  if (!isObject(v)) return;
  for (let j = segments.length; j > i; j--) {
    const key = segments.slice(i, j).join('.');
    if (Object.prototype.hasOwnProperty.call(v, key)) {
      walk(v[key]!, segments, j, out);
      return;
    }
  }
}

/**
 * The strings a value is compared as: scalars as JSON prints them (true,
 * 42), objects and arrays by each scalar inside them, so `requestParameters|contains`
 * looks into every request parameter. null compares as nothing.
 */
export function scalarStrings(values: readonly JsonValue[]): string[] {
  const out: string[] = [];
  const stack: JsonValue[] = [...values].reverse();
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (v === null) continue;
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
    else if (Array.isArray(v)) for (let k = v.length - 1; k >= 0; k--) stack.push(v[k]!);
    else {
      const vals = Object.values(v);
      for (let k = vals.length - 1; k >= 0; k--) stack.push(vals[k]!);
    }
  }
  return out;
}
