import type { JsonObject, JsonValue } from './json';

// Lenient readers of parsed JSON, the one set every layer uses: each returns
// null or undefined for a missing member or a wrong type instead of throwing.
// Real events carry nulls, empty strings and the odd wrong type in optional
// fields, and none of that is a reason to quarantine an event or fail a read.

/** A JSON object (not null, not an array). */
export function isObject(v: JsonValue | undefined): v is JsonObject;
export function isObject(v: unknown): v is Record<string, unknown>;
export function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Follows a path of member names; undefined as soon as a step is missing or not an object. */
export function at(v: JsonValue | undefined, ...path: string[]): JsonValue | undefined;
export function at(v: unknown, ...path: string[]): unknown;
export function at(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const key of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** The non-empty string at the path, else null. */
export function stringAt(v: unknown, ...path: string[]): string | null {
  const s = at(v, ...path);
  return typeof s === 'string' && s !== '' ? s : null;
}

/** The object at the path, else null. */
export function objectAt(v: JsonValue | undefined | null, ...path: string[]): JsonObject | null {
  const o = at(v ?? undefined, ...path);
  return isObject(o) ? o : null;
}
