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
  /** The AWS account the event happened in; null for alerts about no one event (silence, trail health). */
  account: string | null;
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
  /** `account` is "-" for alerts that name none, so a filter policy on it never sees a missing attribute. */
  attributes: { severity: StringAttribute; rule: StringAttribute; kind: StringAttribute; account: StringAttribute };
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
  return `${cps
    .slice(0, max - 3)
    .join('')
    .trimEnd()}...`;
}

/**
 * "[immutrail] CRITICAL auditor-tampering in 111122223333: <summary>", one
 * line, under SNS's limit. The account comes before the summary so that an
 * organization's alerts say whose they are even when the summary is cut.
 */
export function alertSubject(alert: Alert): string {
  const where = alert.account ? ` in ${alert.account}` : '';
  return truncate(clean(`[immutrail] ${alert.severity.toUpperCase()} ${alert.kind}${where}: ${alert.summary}`), MAX_SUBJECT_CHARS);
}

/**
 * What an alert did: the API call ("cloudtrail:DeleteTrail") or, for events
 * that are not calls, the state reported (a stack DRIFTED). Null when neither.
 */
export function alertAction(details: JsonObject | undefined): string | null {
  for (const k of ['action', 'eventName', 'state', 'stackDriftStatus']) {
    const v = details?.[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return null;
}

/** How it ended: "success", or the error code of a failed call ("failure" when the code is unknown). */
export function alertOutcome(details: JsonObject | undefined): string {
  const code = details?.errorCode;
  if (typeof code === 'string' && code !== '') return `error:${code}`;
  return details?.succeeded === false ? 'failure' : 'success';
}

/** `account` may be absent in alerts archived before alerts named their account: it then counts as null. */
type FingerprintFields = Pick<Alert, 'rule' | 'principal' | 'resource'> & { account?: string | null; details?: JsonObject };

/**
 * What repeats of "the same alert" share: rule, principal, resource, account,
 * action and outcome. A different call on the same resource (DeleteTrail after
 * PutEventSelectors), the same call ending differently (a success after
 * AccessDenied), or the same change in another account of the organization
 * (resource names repeat across accounts: one stack deployed to each) is a
 * different alert and is never suppressed by this one.
 */
export function alertFingerprint(alert: FingerprintFields): string {
  const key = [alert.rule, alert.principal, alert.resource, alert.account ?? null, alertAction(alert.details), alertOutcome(alert.details)];
  return createHash('sha256').update(JSON.stringify(key)).digest('hex');
}

/**
 * For a failed call, the fingerprint the same call would have had had it
 * succeeded (drift files failures under "<rule>.attempt"); null for a success.
 * The publisher marks that fingerprint so the next success is always sent.
 */
export function successFingerprint(alert: FingerprintFields): string | null {
  if (alertOutcome(alert.details) === 'success') return null;
  const details: JsonObject = { ...alert.details, succeeded: true, errorCode: null };
  return alertFingerprint({ ...alert, rule: alert.rule.replace(/\.attempt$/, ''), details });
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
    account: alert.account ?? null,
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
    attributes: { severity: attr(alert.severity), rule: attr(alert.rule), kind: attr(alert.kind), account: attr(alert.account ?? '') },
  };
}
