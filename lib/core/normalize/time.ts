import type { JsonValue } from '../json';
import { NormalizeError } from './errors';

// ISO 8601 as CloudTrail and EventBridge write it, plus the Panther export form
// "YYYY-MM-DD HH:MM:SS[.fffffffff]" (space, no zone: UTC). Compiled once.
const TIME = /^(\d{4})-(\d{2})-(\d{2})([T ])(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * The event time as ISO 8601 UTC, or null when the value is not a real instant
 * (AWS doc placeholders like "yyyy-mm-ddThh:mm:ssZ", redacted "...", 2021-02-30).
 * A time already in "...T...Z" form is returned exactly as given.
 */
export function parseEventTime(value: string): string | null {
  const m = TIME.exec(value);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[5]);
  const minute = Number(m[6]);
  const second = Number(m[7]);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return null;
  // Day-of-month check without trusting Date to reject overflow (Date.UTC rolls 02-30 over to 03-02).
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCDate() !== day) return null;
  const zone = m[9];
  if (m[4] === 'T' && zone === 'Z') return value;
  const fraction = m[8] ?? '';
  const base = `${m[1]}-${m[2]}-${m[3]}T${m[5]}:${m[6]}:${m[7]}${fraction}`;
  if (zone === undefined || zone === 'Z' || zone === '+00:00' || zone === '+0000' || zone === '-00:00') return `${base}Z`;
  const shifted = Date.parse(`${base}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`);
  return Number.isNaN(shifted) ? null : new Date(shifted).toISOString();
}

/** MISSING_FIELD when there is no time at all, BAD_FIELD when it is there but not a usable instant. */
export function requireEventTime(value: JsonValue | undefined, label: string): string {
  if (value === undefined || value === null || value === '') {
    throw new NormalizeError('MISSING_FIELD', `event has no ${label}`, label);
  }
  if (typeof value !== 'string') {
    throw new NormalizeError('BAD_FIELD', `${label} is not a string`, label);
  }
  const iso = parseEventTime(value);
  if (iso === null) throw new NormalizeError('BAD_FIELD', `${label} ${JSON.stringify(value.slice(0, 40))} is not a valid time`, label);
  return iso;
}
