import type { JsonValue } from './json';

/**
 * Nesting deeper than this is quarantined before any detector, serializer or
 * second verifier sees it (docs/FORMAT.md section 2.3). CloudTrail's own events
 * nest a dozen levels at most; recursive code in other languages (Python's json
 * module stops near 1,000) must be able to read every record.
 */
export const MAX_JSON_DEPTH = 64;

export interface JsonTextShape {
  /** Deepest nesting of arrays and objects (a scalar is depth 0). */
  depth: number;
  /** Object members written in the text: a name repeated in one object counts twice. */
  members: number;
}

/**
 * One pass over JSON text, outside strings: the deepest nesting and the number
 * of members (each member has exactly one colon outside strings). It does not
 * validate; JSON.parse does that.
 */
export function scanJsonText(text: string): JsonTextShape {
  let depth = 0;
  let deepest = 0;
  let members = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
    else if (c === 58 /* : */) members++;
  }
  return { depth: deepest, members };
}

/** The same shape of a parsed value, walked without recursion; stops counting once deeper than `limit`. */
export function valueShape(value: JsonValue, limit = Infinity): JsonTextShape {
  let deepest = 0;
  let members = 0;
  const stack: [JsonValue, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    const depth = d + 1;
    if (depth > deepest) deepest = depth;
    if (depth > limit) return { depth, members };
    if (Array.isArray(v)) for (const x of v) stack.push([x, depth]);
    else {
      const keys = Object.keys(v);
      members += keys.length;
      for (const k of keys) stack.push([v[k], depth]);
    }
  }
  return { depth: deepest, members };
}

/** Why a JSON text cannot be archived as an event, or null: too deep, or a member name repeated in one object. */
export function textShapeProblem(text: string, parsed: JsonValue, shape: JsonTextShape = scanJsonText(text)): string | null {
  if (shape.depth > MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH} levels`;
  if (valueShape(parsed).members !== shape.members) return 'an object repeats a member name (RFC 8785 input must have unique names)';
  return null;
}

/**
 * JSON.stringify without recursion, for values too deep for it (a hostile
 * record kept whole in quarantine). Same output as JSON.stringify for JSON values.
 */
export function stringifyDeep(value: JsonValue): string {
  const out: string[] = [];
  // Work items: a value to write, or a literal piece of text.
  const stack: (JsonValue | { text: string })[] = [value];
  const isText = (x: unknown): x is { text: string } => typeof x === 'object' && x !== null && TEXT_MARK.has(x);
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (isText(v)) {
      out.push(v.text);
      continue;
    }
    if (typeof v !== 'object' || v === null) {
      out.push(JSON.stringify(v));
      continue;
    }
    const parts: (JsonValue | { text: string })[] = [];
    if (Array.isArray(v)) {
      parts.push(text('['));
      v.forEach((x, i) => parts.push(...(i > 0 ? [text(',')] : []), x));
      parts.push(text(']'));
    } else {
      parts.push(text('{'));
      Object.keys(v).forEach((k, i) => parts.push(text(`${i > 0 ? ',' : ''}${JSON.stringify(k)}:`), v[k]));
      parts.push(text('}'));
    }
    for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i]);
  }
  return out.join('');
}

const TEXT_MARK = new WeakSet<object>();
function text(t: string): { text: string } {
  const o = { text: t };
  TEXT_MARK.add(o);
  return o;
}

/**
 * The text spans of the elements of the array that is the value of top-level
 * member `name` (a CloudTrail log file's "Records"). Assumes valid JSON.
 */
export function memberArraySpans(text: string, name: string): [number, number][] {
  const spans: [number, number][] = [];
  const key = JSON.stringify(name);
  let depth = 0;
  let inArray = false;
  let start = -1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const from = i;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
      if (inArray && depth === 2 && start < 0) start = from;
      // The member name at depth 1, then its ':' and '[': the array to split.
      if (!inArray && depth === 1 && text.slice(from, i + 1) === key) {
        let j = i + 1;
        while (j < n && text.charCodeAt(j) !== 58) j++;
        j++;
        while (j < n && /\s/.test(text[j])) j++;
        if (text.charCodeAt(j) === 91) {
          inArray = true;
          depth = 2;
          i = j;
        }
      }
      continue;
    }
    if (c === 123 || c === 91) {
      if (inArray && depth === 2 && start < 0) start = i;
      depth++;
    } else if (c === 125 || c === 93) {
      depth--;
      if (inArray && depth === 1) {
        if (start >= 0) spans.push([start, trimEnd(text, i)]);
        return spans;
      }
    } else if (inArray && depth === 2 && c === 44 /* , */) {
      if (start >= 0) spans.push([start, trimEnd(text, i)]);
      start = -1;
    } else if (inArray && depth === 2 && start < 0 && !/\s/.test(text[i])) start = i;
  }
  return spans;
}

function trimEnd(text: string, end: number): number {
  while (end > 0 && /\s/.test(text[end - 1])) end--;
  return end;
}
