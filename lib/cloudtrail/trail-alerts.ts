import type { Alert, RecordLocation } from '../core/alert';
import type { JsonObject } from '../core/json';
import { parseTrailKey } from '../contract/key-layout';

/** Deterministic ids: reconciling the same file again can never raise a second alert for it. */
export const missedEventsAlertId = (bucket: string, key: string): string => `missed-events:${bucket}/${key}`;
export const digestMismatchAlertId = (bucket: string, key: string): string => `trail-health:digest-mismatch:${bucket}/${key}`;
export const corruptLogFileAlertId = (bucket: string, key: string): string => `trail-health:corrupt-log-file:${bucket}/${key}`;

/** The account whose log file it is (AWSLogs/[<org-id>/]<account>/...); null for a key outside CloudTrail's layout. */
const accountOfLogFile = (key: string): string | null => parseTrailKey(key)?.account ?? null;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function missedEventsAlert(input: {
  bucket: string;
  key: string;
  missed: number;
  eventIds: readonly string[];
  eventTime: string;
  record: RecordLocation | null;
}): Alert {
  return {
    id: missedEventsAlertId(input.bucket, input.key),
    kind: 'missed-events',
    rule: 'reconcile.missed-events',
    severity: 'high',
    summary: `EventBridge missed ${plural(input.missed, 'event')} in s3://${input.bucket}/${input.key}`,
    principal: null,
    resource: `s3://${input.bucket}/${input.key}`,
    account: accountOfLogFile(input.key),
    eventTime: input.eventTime,
    eventId: null,
    record: input.record,
    // The ids name what was recovered; a long list is cut, the records themselves say via.logFile.
    details: { logFile: input.key, bucket: input.bucket, missed: input.missed, eventIds: input.eventIds.slice(0, 100) } as JsonObject,
  };
}

export function digestMismatchAlert(input: { bucket: string; key: string; expected: string; actual: string; digestKey: string; now: Date }): Alert {
  return {
    id: digestMismatchAlertId(input.bucket, input.key),
    kind: 'trail-health',
    rule: 'reconcile.digest-mismatch',
    severity: 'critical',
    summary: `CloudTrail log file s3://${input.bucket}/${input.key} does not match the hash in CloudTrail's digest: it was changed after delivery`,
    principal: null,
    resource: `s3://${input.bucket}/${input.key}`,
    account: accountOfLogFile(input.key),
    eventTime: input.now.toISOString(),
    eventId: null,
    record: null,
    details: { logFile: input.key, bucket: input.bucket, digestFile: input.digestKey, digestSha256: input.expected, actualSha256: input.actual },
  };
}

export function corruptLogFileAlert(input: { bucket: string; key: string; reason: string; code: string; now: Date }): Alert {
  return {
    id: corruptLogFileAlertId(input.bucket, input.key),
    kind: 'trail-health',
    rule: 'reconcile.corrupt-log-file',
    severity: 'critical',
    summary: `CloudTrail log file s3://${input.bucket}/${input.key} cannot be read (${input.code}); its events cannot be reconciled`,
    principal: null,
    resource: `s3://${input.bucket}/${input.key}`,
    account: accountOfLogFile(input.key),
    eventTime: input.now.toISOString(),
    eventId: null,
    record: null,
    details: { logFile: input.key, bucket: input.bucket, code: input.code, reason: input.reason },
  };
}
