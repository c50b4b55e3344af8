import type { Alert, AlertKind, Severity } from '../alert';
import type { JsonObject } from '../json';
import { principalLabel } from './principals';
import type { EventRecord } from './types';

export interface Finding {
  kind: AlertKind;
  rule: string;
  severity: Severity;
  summary: string;
  resource: string | null;
  details: JsonObject;
  /** Distinguishes several findings of one rule on one event (e.g. one per container). */
  discriminator?: string;
}

/**
 * Alert ids are `<rule>:<eventId>[:<discriminator>]`: the same finding on the
 * same event always gets the same id, so a retried batch never doubles an alert.
 */
export function alertId(rule: string, eventId: string, discriminator?: string): string {
  return discriminator === undefined ? `${rule}:${eventId}` : `${rule}:${eventId}:${discriminator}`;
}

export function alertFromFinding(record: EventRecord, f: Finding): Alert {
  const event = record.data.event;
  return {
    id: alertId(f.rule, event.eventId, f.discriminator),
    kind: f.kind,
    rule: f.rule,
    severity: f.severity,
    summary: oneLine(f.summary),
    principal: principalLabel(event.actor),
    resource: f.resource,
    account: event.account,
    eventTime: event.eventTime,
    eventId: event.eventId,
    record: { shard: record.chain.shard, seq: record.chain.seq },
    details: f.details,
  };
}

/** Summaries are read in one glance (and end up in mail subjects): one line, no control characters. */
export function oneLine(s: string): string {
  return s
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

const SEVERITY_ORDER: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export function severityRank(s: Severity): number {
  return SEVERITY_ORDER.indexOf(s);
}
