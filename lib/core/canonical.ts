import type { JsonValue } from './json';
import { ImmutrailError } from './errors';

/**
 * RFC 8785 JSON Canonicalization Scheme.
 *
 * Strings and numbers are serialized exactly as ECMAScript's JSON.stringify does
 * (which is what RFC 8785 specifies), object keys are sorted by UTF-16 code units
 * (JavaScript's default sort), and there is no whitespace. Input that RFC 8785
 * cannot represent faithfully is rejected rather than hashed: lone surrogates,
 * non-finite numbers and anything that is not plain JSON data. Integer literals
 * beyond 2^53 never reach this point as numbers: parseJson turns them into strings.
 */
export class CanonicalizationError extends ImmutrailError {
  constructor(
    readonly code: 'LONE_SURROGATE' | 'NON_FINITE_NUMBER' | 'NOT_JSON',
    message: string,
    readonly path: string,
  ) {
    super(`${message} at ${path}`);
    this.name = 'CanonicalizationError';
  }
}

// Past this depth the serializer switches from recursion to an explicit stack,
// so hostile nesting cannot overflow the call stack.
const RECURSION_LIMIT = 400;

class TooDeep extends Error {}

function str(s: string, path: () => string): string {
  if (!s.isWellFormed()) throw new CanonicalizationError('LONE_SURROGATE', 'string contains a lone surrogate', path());
  return JSON.stringify(s);
}

function num(n: number, path: () => string): string {
  if (!Number.isFinite(n)) throw new CanonicalizationError('NON_FINITE_NUMBER', `number ${n} is not finite`, path());
  return JSON.stringify(n);
}

function notJson(v: unknown, path: () => string): never {
  throw new CanonicalizationError('NOT_JSON', `value of type ${typeof v} is not JSON`, path());
}

function isPlainObject(v: object): v is Record<string, JsonValue> {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function recursive(v: unknown, depth: number, at: string[]): string {
  const path = (): string => '$' + at.join('');
  switch (typeof v) {
    case 'string':
      return str(v, path);
    case 'number':
      return num(v, path);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (v === null) return 'null';
      if (depth >= RECURSION_LIMIT) throw new TooDeep();
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          if (i > 0) out += ',';
          at.push(`[${i}]`);
          out += recursive(v[i], depth + 1, at);
          at.pop();
        }
        return out + ']';
      }
      if (!isPlainObject(v)) return notJson(v, path);
      const keys = Object.keys(v).sort();
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        if (i > 0) out += ',';
        at.push(`.${k}`);
        out += str(k, path) + ':' + recursive(v[k], depth + 1, at);
        at.pop();
      }
      return out + '}';
    }
    default:
      return notJson(v, path);
  }
}

type Frame = { kind: 'array'; items: unknown[]; i: number } | { kind: 'object'; obj: Record<string, unknown>; keys: string[]; i: number };

/** Same output as `recursive`, with an explicit stack: used only for very deep documents. */
function iterative(root: unknown): string {
  const parts: string[] = [];
  const stack: Frame[] = [];
  const path = (): string => '$' + stack.map((f) => (f.kind === 'array' ? `[${f.i - 1}]` : `.${f.keys[f.i - 1]}`)).join('');
  const open = (v: unknown): void => {
    if (typeof v === 'string') parts.push(str(v, path));
    else if (typeof v === 'number') parts.push(num(v, path));
    else if (typeof v === 'boolean') parts.push(v ? 'true' : 'false');
    else if (v === null) parts.push('null');
    else if (typeof v === 'object' && Array.isArray(v)) {
      parts.push('[');
      stack.push({ kind: 'array', items: v, i: 0 });
    } else if (typeof v === 'object' && isPlainObject(v)) {
      parts.push('{');
      stack.push({ kind: 'object', obj: v, keys: Object.keys(v).sort(), i: 0 });
    } else notJson(v, path);
  };
  open(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.kind === 'array') {
      if (top.i === top.items.length) {
        stack.pop();
        parts.push(']');
        continue;
      }
      if (top.i > 0) parts.push(',');
      open(top.items[top.i++]);
    } else {
      if (top.i === top.keys.length) {
        stack.pop();
        parts.push('}');
        continue;
      }
      const k = top.keys[top.i++];
      if (top.i > 1) parts.push(',');
      parts.push(str(k, path), ':');
      open(top.obj[k]);
    }
  }
  return parts.join('');
}

// Strings without these characters serialize as themselves between quotes.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

class NeedsSlowPath extends Error {}

// Member names come from a small vocabulary (CloudTrail's field names and
// ours), so their quoted form is looked up instead of scanned each time. The
// bound keeps hostile input (maps with arbitrary keys) from growing it forever.
const QUOTED_KEYS = new Map<string, string>();
const QUOTED_KEYS_MAX = 20_000;

function quotedKey(k: string): string {
  let q = QUOTED_KEYS.get(k);
  if (q === undefined) {
    if (!NEEDS_ESCAPE.test(k)) q = '"' + k + '"';
    else if (k.isWellFormed()) q = JSON.stringify(k);
    else throw new NeedsSlowPath();
    if (QUOTED_KEYS.size < QUOTED_KEYS_MAX) QUOTED_KEYS.set(k, q);
  }
  return q;
}

/**
 * Member names in UTF-16 code unit order (what `<` compares). About half of
 * all objects (ours) already are; the rest are small, where an insertion sort
 * beats the built-in sort's call overhead.
 */
function sortedKeys(v: object): string[] {
  const keys = Object.keys(v);
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i];
    if (keys[i - 1] <= k) continue;
    let j = i - 1;
    while (j >= 0 && keys[j] > k) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/**
 * The common case, about twice as fast as the checked walk below: no path
 * bookkeeping, and strings that need no escaping are copied as they are. Any
 * value it is not sure of (a lone surrogate, a non-finite number, something
 * that is not JSON, deep nesting) sends the whole value to the checked walk,
 * which gives the same bytes or says exactly where the problem is.
 */
function fastWalk(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      if (!NEEDS_ESCAPE.test(v)) return '"' + v + '"';
      if (!v.isWellFormed()) throw new NeedsSlowPath();
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw new NeedsSlowPath();
      // ECMAScript Number::toString, which is RFC 8785's number form (-0 prints as 0).
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (v === null) return 'null';
      if (depth >= RECURSION_LIMIT) throw new NeedsSlowPath();
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i > 0 ? ',' : '') + fastWalk(v[i], depth + 1);
        return out + ']';
      }
      if (!isPlainObject(v)) throw new NeedsSlowPath();
      const keys = sortedKeys(v);
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        out += (i > 0 ? ',' : '') + quotedKey(k) + ':' + fastWalk(v[k], depth + 1);
      }
      return out + '}';
    }
    default:
      throw new NeedsSlowPath();
  }
}

/** The RFC 8785 canonical form of a JSON value, as a string. */
export function canonicalize(value: JsonValue): string {
  try {
    return fastWalk(value, 0);
  } catch (err) {
    if (!(err instanceof NeedsSlowPath)) throw err;
  }
  try {
    return recursive(value, 0, []);
  } catch (err) {
    if (err instanceof TooDeep) return iterative(value);
    throw err;
  }
}

/** The RFC 8785 canonical form as UTF-8 bytes: the bytes immutrail hashes. */
export function canonicalBytes(value: JsonValue): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}
