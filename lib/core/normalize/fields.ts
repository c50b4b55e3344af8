import type { JsonObject } from '../json';
import { NormalizeError } from './errors';

// The readers normalizing adds to lib/core/json-access.ts: CloudTrail's own
// quirks (numeric account ids, string booleans) and required fields.

/** Account ids sometimes arrive as numbers (anonymised fixtures); they are ids, so keep them as text. */
export function accountAt(o: JsonObject | null, key: string): string | null {
  if (o === null) return null;
  const v = o[key];
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return String(v);
  return null;
}

/** CloudTrail booleans are sometimes strings: "true"/"false" from AWS, "True" from some exporters. */
export function booleanAt(o: JsonObject | null, key: string): boolean | null {
  if (o === null) return null;
  const v = o[key];
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string' || (v.length !== 4 && v.length !== 5)) return null;
  const lower = v.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : null;
}

/** A required identifier-like field: MISSING_FIELD when absent or empty, BAD_FIELD when not a string. */
export function requireString(o: JsonObject, key: string, label: string = key): string {
  const v = o[key];
  if (v === undefined || v === null || v === '') {
    throw new NormalizeError('MISSING_FIELD', `event has no ${label}`, label);
  }
  if (typeof v !== 'string') {
    throw new NormalizeError('BAD_FIELD', `${label} is a ${Array.isArray(v) ? 'array' : typeof v}, not a string`, label);
  }
  return v;
}
