import type { Alert } from '../alert';
import { oneLine } from './alert-factory';
import { principalLabel } from './principals';
import type { EventRecord } from './types';
import { ImmutrailError } from '../errors';

/** A detector threw on an event: says which one, keeps what it threw. */
export class DetectorError extends ImmutrailError {
  readonly code = 'DETECTOR_FAILED';
  constructor(
    readonly detector: string,
    cause: unknown,
  ) {
    super(`detector ${detector} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'DetectorError';
  }
}

/** The name of the detector that threw `err`, or "detectors" when the error does not say (a detector function that is not runDetectors). */
export function failedDetectorOf(err: unknown): string {
  return err instanceof DetectorError ? err.detector : 'detectors';
}

/** What the detector threw, under its DetectorError wrapper. */
export function detectorCause(err: unknown): unknown {
  return err instanceof DetectorError ? err.cause : err;
}

export const DETECTOR_FAILURE_RULE = 'detector-failure';

/** Longest error message kept in the alert: enough to recognise a bug, not a stack dump in every mail. */
const MAX_ERROR_CHARS = 500;

/**
 * The alert committed in place of the alerts a detector could not raise
 * (issue 17, "fail loudly"). Its id depends only on the detector and the
 * event, so a redelivery that fails again commits it once. Repeats of one
 * detector failing on the same call by the same principal in one account
 * share a fingerprint (resource = the detector, action = the call), so a
 * detector bug that fails on every such event sends one message per
 * suppression window and a digest naming the rest.
 */
export function detectorFailureAlert(record: EventRecord, err: unknown): Alert {
  const event = record.data.event;
  const detector = failedDetectorOf(err);
  const cause = detectorCause(err);
  const message = oneLine((cause as Error)?.message ?? String(cause)).slice(0, MAX_ERROR_CHARS);
  const action = `${event.service}:${event.action}`;
  return {
    id: `${DETECTOR_FAILURE_RULE}:${detector}:${event.eventId}`,
    kind: 'detector-failure',
    rule: DETECTOR_FAILURE_RULE,
    severity: 'high',
    summary: oneLine(
      `Detector ${detector} failed on event ${event.eventId} (${action}${event.account ? ` in ${event.account}` : ''}); the event was archived without detection: ${message}`,
    ),
    principal: principalLabel(event.actor),
    resource: detector,
    account: event.account,
    eventTime: event.eventTime,
    eventId: event.eventId,
    record: { shard: record.chain.shard, seq: record.chain.seq },
    details: { detector, action, error: message, errorName: (cause as Error)?.name ?? typeof cause },
  };
}
