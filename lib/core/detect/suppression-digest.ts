import type { Alert, AlertKind, Severity } from '../alert';
import { alertAction, alertOutcome, MAX_SUBJECT_CHARS, type StringAttribute } from './alert-message';

/**
 * When a suppression window closes with repeats held back, one digest
 * message says how many and which (issue 17): a count that only rode on the
 * next alert was never told when no next alert came.
 *
 * A window is known by its fingerprint and the time it ends (the last send
 * plus the window length); every repeat held back in it is added to that
 * window's digest, and a scheduled sweep publishes the digests of windows
 * that have ended.
 */

/** Repeats named one by one in a digest; the rest are only counted, so a burst cannot outgrow an item or a message. */
export const DIGEST_SAMPLE_LIMIT = 50;

export const DIGEST_MESSAGE_VERSION = 1;

/** One repeat held back. */
export interface SuppressedSample {
  alertId: string;
  eventId: string | null;
  eventTime: string;
}

/** What every repeat of a window shares: the fields the fingerprint is made of, and how the first one was labelled. */
export interface DigestSubject {
  rule: string;
  kind: AlertKind;
  severity: Severity;
  account: string | null;
  principal: string | null;
  resource: string | null;
  action: string | null;
  outcome: string;
}

/** A repeat held back inside the window that ends at `windowEnd`. */
export interface HeldBackRepeat {
  fingerprint: string;
  /** When the last alert with this fingerprint was sent (ISO 8601): the window's start. */
  windowStart: string;
  /** windowStart plus the window's length: from then on the digest is due. */
  windowEnd: string;
  subject: DigestSubject;
  sample: SuppressedSample;
}

/** Everything held back in one window, as the sweep publishes it. */
export interface SuppressionDigest extends DigestSubject {
  fingerprint: string;
  windowStart: string;
  windowEnd: string;
  /** How many repeats were held back (may exceed samples.length). */
  suppressed: number;
  /** The first DIGEST_SAMPLE_LIMIT repeats, in the order they were held back. */
  samples: SuppressedSample[];
}

export function heldBackRepeat(fingerprint: string, windowStart: string, windowSeconds: number, alert: Alert): HeldBackRepeat {
  return {
    fingerprint,
    windowStart,
    windowEnd: new Date(Date.parse(windowStart) + windowSeconds * 1000).toISOString(),
    subject: {
      rule: alert.rule,
      kind: alert.kind,
      severity: alert.severity,
      account: alert.account ?? null,
      principal: alert.principal,
      resource: alert.resource,
      action: alertAction(alert.details),
      outcome: alertOutcome(alert.details),
    },
    sample: { alertId: alert.id, eventId: alert.eventId, eventTime: alert.eventTime },
  };
}

export interface DigestMessageBody extends DigestSubject {
  version: typeof DIGEST_MESSAGE_VERSION;
  type: 'suppression-digest';
  windowStart: string;
  windowEnd: string;
  suppressed: number;
  alerts: SuppressedSample[];
  /** Repeats counted but not listed (beyond DIGEST_SAMPLE_LIMIT). */
  notListed: number;
}

export interface DigestMessage {
  subject: string;
  message: string;
  /** The same attributes as an alert's, plus `type`, so subscription filters route a digest like the alerts it summarises. */
  attributes: { severity: StringAttribute; rule: StringAttribute; kind: StringAttribute; account: StringAttribute; type: StringAttribute };
}

/** "2026-11-27 03:00-03:15Z" (the date once when both ends share it): short enough for a subject; the body has both times in full. */
function span(startIso: string, endIso: string): string {
  const day = (iso: string) => iso.slice(0, 10);
  const hm = (iso: string) => iso.slice(11, 16);
  if (day(startIso) === day(endIso)) return `${day(startIso)} ${hm(startIso)}-${hm(endIso)}Z`;
  return `${day(startIso)} ${hm(startIso)}Z-${day(endIso)} ${hm(endIso)}Z`;
}

function subjectLine(d: SuppressionDigest): string {
  const where = d.account ? ` in ${d.account}` : '';
  // "[immutrail] digest: 7 suppressed <rule> in <account> <window>": the count and the rule first, so a cut loses the least.
  const line = `[immutrail] digest: ${d.suppressed} suppressed ${d.rule}${where} ${span(d.windowStart, d.windowEnd)}`;
  const clean = line.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  const cps = [...clean];
  return cps.length <= MAX_SUBJECT_CHARS ? clean : `${cps.slice(0, MAX_SUBJECT_CHARS - 3).join('')}...`;
}

const attr = (v: string): StringAttribute => ({ DataType: 'String', StringValue: v === '' ? '-' : v });

export function buildDigestMessage(d: SuppressionDigest): DigestMessage {
  const alerts = d.samples.slice(0, DIGEST_SAMPLE_LIMIT);
  const body: DigestMessageBody = {
    version: DIGEST_MESSAGE_VERSION,
    type: 'suppression-digest',
    rule: d.rule,
    kind: d.kind,
    severity: d.severity,
    account: d.account,
    principal: d.principal,
    resource: d.resource,
    action: d.action,
    outcome: d.outcome,
    windowStart: d.windowStart,
    windowEnd: d.windowEnd,
    suppressed: d.suppressed,
    alerts,
    notListed: Math.max(0, d.suppressed - alerts.length),
  };
  return {
    subject: subjectLine(d),
    message: JSON.stringify(body),
    attributes: {
      severity: attr(d.severity),
      rule: attr(d.rule),
      kind: attr(d.kind),
      account: attr(d.account ?? ''),
      type: attr('suppression-digest'),
    },
  };
}
