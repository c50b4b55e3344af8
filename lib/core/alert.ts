import type { JsonObject } from './json';

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export type AlertKind =
  | 'drift'
  | 'unsigned-launch'
  | 'auditor-tampering'
  | 'sigma'
  | 'missed-events'
  | 'trail-health'
  | 'silence'
  | 'quarantine'
  | 'foreign-account'
  /** A detector failed on an event that was then archived without its alerts (fail-open, lib/ingest/sqs-batch.ts). */
  | 'detector-failure';

/** Where a record lives in the archive: enough to fetch and prove it. */
export interface RecordLocation {
  shard: string;
  seq: number;
}

/** An alert raised by a detector. It is archived as a record before it is published. */
export interface Alert {
  /** Deterministic: the same finding on the same event always gets the same id, so retries never double it. */
  id: string;
  kind: AlertKind;
  /** Detector or Sigma rule id, e.g. "drift.security-group" or a Sigma rule UUID. */
  rule: string;
  severity: Severity;
  /** One line a human reads first: who did what to which resource. */
  summary: string;
  principal: string | null;
  resource: string | null;
  /**
   * The AWS account the event happened in (CloudTrail recipientAccountId, or
   * the EventBridge envelope's account); null for alerts not about one event
   * (silence, trail health). Alert records archived before it existed lack it.
   */
  account: string | null;
  eventTime: string;
  eventId: string | null;
  /** The record that triggered the alert; null for alerts not caused by one record (silence, trail health). */
  record: RecordLocation | null;
  details: JsonObject;
}

/** Alerts committed in one batch: the batch's outbox item keeps them until they are published. */
export interface BatchAlerts {
  shard: string;
  firstSeq: number;
  alerts: Alert[];
  /** Sequence number of each alert's record, in the same order. */
  seqs: number[];
}
