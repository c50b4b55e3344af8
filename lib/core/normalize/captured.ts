import type { JsonObject } from '../json';
import { booleanAt } from './fields';

// Records that are not API calls made by a principal: AWS's own service events,
// Insights, and VPC endpoint network activity.
const NOT_API_CALLS: ReadonlySet<string> = new Set(['AwsServiceEvent', 'AwsCloudTrailInsight', 'AwsVpceEvent']);

// Older records (and console sign-ins) have no readOnly flag; these verbs never change anything.
const READ_VERBS = ['Get', 'Describe', 'List', 'Head', 'Lookup', 'Search', 'BatchGet', 'Select', 'Scan', 'Query'] as const;

function isReadVerb(eventName: string): boolean {
  for (const verb of READ_VERBS) {
    if (eventName.startsWith(verb)) {
      // "GetObject" is a read, "Getaway" would not be: the verb must end a word.
      const next = eventName.charCodeAt(verb.length);
      if (Number.isNaN(next) || (next >= 65 && next <= 90)) return true;
    }
  }
  return false;
}

/** CloudTrail's readOnly flag, or a verb-based guess when the record has none. */
export function isReadOnlyCall(record: JsonObject): boolean {
  const flag = booleanAt(record, 'readOnly');
  if (flag !== null) return flag;
  return typeof record.eventName === 'string' && isReadVerb(record.eventName);
}

/**
 * Whether a CloudTrail API-call record is captured under the stack's settings:
 * write calls (including console sign-ins and failed calls) always, read-only
 * calls only when captureReadOnly. Service events, Insights and network-activity
 * records are not API calls and are not captured.
 */
export function isCapturedApiCall(record: JsonObject, opts: { captureReadOnly: boolean }): boolean {
  if (typeof record.eventName !== 'string' || typeof record.eventSource !== 'string') return false;
  const type = record.eventType;
  if (typeof type === 'string' && NOT_API_CALLS.has(type)) return false;
  return opts.captureReadOnly || !isReadOnlyCall(record);
}
