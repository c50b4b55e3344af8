import type { JsonValue } from '../json';
import type { NormalizedEvent } from '../normalized';
import { normalizeCloudTrail } from './cloudtrail';
import { classify, idOf } from './envelope';
import { NormalizeError } from './errors';
import { normalizeEventBridge } from './eventbridge';

export { NormalizeError } from './errors';
export type { NormalizeErrorCode } from './errors';
export { isCapturedApiCall, isReadOnlyCall } from './captured';
export { parseEventTime } from './time';
export { resourceFromArn } from './arn';
export { imageRef, ecrImageRef } from './images';

/**
 * Turns one delivered event (an EventBridge envelope, or a bare CloudTrail record
 * from a trail log file) into a NormalizedEvent. Throws NormalizeError when the
 * event fails validation (the caller quarantines it); never throws anything else
 * for JSON input. Unknown kinds normalize generically. The input is not modified.
 */
export function normalizeEvent(raw: JsonValue): NormalizedEvent {
  const d = classify(raw);
  switch (d.kind) {
    case 'cloudtrail':
      return normalizeCloudTrail(d.record, d.envelope, idOf(d));
    case 'eventbridge':
      return normalizeEventBridge(d.envelope);
    case 'not-an-object':
      throw new NormalizeError('NOT_AN_OBJECT', `event is ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : `a ${typeof raw}`}, not an object`);
    case 'unknown':
      throw new NormalizeError('UNKNOWN_SHAPE', 'event is neither an EventBridge envelope nor a CloudTrail record');
  }
}

/**
 * The exactly-once id of an event without normalizing it: the CloudTrail eventID
 * (also inside "... via CloudTrail" envelopes' detail, so the same API call seen
 * via EventBridge and via the trail's log file has one id), else the EventBridge
 * envelope id; null if none.
 */
export function eventIdOf(raw: JsonValue): string | null {
  return idOf(classify(raw));
}

/**
 * The time an event's id is claimed under when it cannot be normalized (a
 * quarantined delivery): the same field normalization would read, unchecked.
 */
export function eventTimeOf(raw: JsonValue): string | null {
  const d = classify(raw);
  const t = d.kind === 'cloudtrail' ? (d.record.eventTime ?? d.envelope?.time) : d.kind === 'eventbridge' ? d.envelope.time : undefined;
  return typeof t === 'string' ? t : null;
}
