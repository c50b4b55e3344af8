import { createHash } from 'node:crypto';
import type { Alert, AlertKind, RecordLocation, Severity } from '../alert';
import type { JsonObject } from '../json';

/**
 * The SNS message for an alert: a JSON body for programs, a subject for
 * people (e-mail subscribers see it first), and message attributes so
 * subscriptions can filter by severity, rule or kind without parsing the body.
 */

export const ALERT_MESSAGE_VERSION = 1;

/** SNS: "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100 characters long." */
export const MAX_SUBJECT_CHARS = 99;

/** SNS's limit is 256 KiB for the whole publish; the rest is left for subject and attributes. */
export const MAX_BODY_BYTES = 250_000;

export interface AlertMessageBody {
  version: typeof ALERT_MESSAGE_VERSION;
  id: string;
  rule: string;
  severity: Severity;
  kind: AlertKind;
  principal: string | null;
  resource: string | null;
  /** When the event happened. */
  time: string;
  eventId: string | null;
  /** Where the triggering record is in the archive (shard, seq): enough to fetch and prove it. */
  record: RecordLocation | null;
  summary: string;
  details: JsonObject;
  /** Repeats of this alert held back by the suppression window since the previous message. */
  suppressedRepeats: number;
}

/** Same shape as SNS MessageAttributeValue, without depending on the SDK here. */
export interface StringAttribute {
  DataType: 'String';
  StringValue: string;
}

export interface AlertMessage {
  subject: string;
  /** JSON of AlertMessageBody. */
  message: string;
  attributes: { severity: StringAttribute; rule: StringAttribute; kind: StringAttribute };
}

function clean(s: string): string {
  return s
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

/** Cuts at a code point boundary and marks the cut. */
function truncate(s: string, max: number): string {
  const cps = [...s];
  if (cps.length <= max) return s;
  return `${cps.slice(0, max - 3).join('').trimEnd()}...`;
}

/** "[immutrail] CRITICAL auditor-tampering: <summary>", one line, under SNS's limit. */
export function alertSubject(alert: Alert): string {
  return truncate(clean(`[immutrail] ${alert.severity.toUpperCase()} ${alert.kind}: ${alert.summary}`), MAX_SUBJECT_CHARS);
}

/** What repeats of "the same alert" share: rule, principal and resource. */
export function alertFingerprint(alert: Pick<Alert, 'rule' | 'principal' | 'resource'>): string {
  return createHash('sha256').update(JSON.stringify([alert.rule, alert.principal, alert.resource])).digest('hex');
}

export function alertMessageBody(alert: Alert, suppressedRepeats = 0): AlertMessageBody {
  return {
    version: ALERT_MESSAGE_VERSION,
    id: alert.id,
    rule: alert.rule,
    severity: alert.severity,
    kind: alert.kind,
    principal: alert.principal,
    resource: alert.resource,
    time: alert.eventTime,
    eventId: alert.eventId,
    record: alert.record,
    summary: clean(alert.summary),
    details: alert.details,
    suppressedRepeats,
  };
}

const attr = (v: string): StringAttribute => ({ DataType: 'String', StringValue: v === '' ? '-' : v });

export function buildAlertMessage(alert: Alert, opts: { suppressedRepeats?: number } = {}): AlertMessage {
  const body = alertMessageBody(alert, opts.suppressedRepeats ?? 0);
  let message = JSON.stringify(body);
  if (Buffer.byteLength(message, 'utf8') > MAX_BODY_BYTES) {
    // Details (embedded policies, request parameters) are what grows; the archive keeps them whole.
    const detailsBytes = Buffer.byteLength(JSON.stringify(body.details), 'utf8');
    message = JSON.stringify({ ...body, details: { truncated: true, detailsBytes } });
  }
  return {
    subject: alertSubject(alert),
    message,
    attributes: { severity: attr(alert.severity), rule: attr(alert.rule), kind: attr(alert.kind) },
  };
}
