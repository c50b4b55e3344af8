import type { JsonObject, JsonValue } from '../json';
import { isObject, stringAt } from '../json-access';

/** What was delivered: a CloudTrail record (bare from a trail log file, or inside an EventBridge envelope), or another EventBridge event. */
export type Delivered =
  | { kind: 'cloudtrail'; record: JsonObject; envelope: JsonObject | null }
  | { kind: 'eventbridge'; envelope: JsonObject }
  | { kind: 'not-an-object' }
  | { kind: 'unknown' };

// "AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail",
// "AWS Service Event via CloudTrail", "AWS Console Action via CloudTrail".
const VIA_CLOUDTRAIL = ' via CloudTrail';

export function isViaCloudTrail(detailType: JsonValue | undefined): boolean {
  return typeof detailType === 'string' && detailType.endsWith(VIA_CLOUDTRAIL);
}

function isEnvelope(o: JsonObject): boolean {
  return o['detail-type'] !== undefined || (o.source !== undefined && o.detail !== undefined);
}

function isCloudTrailRecord(o: JsonObject): boolean {
  return o.eventSource !== undefined || o.eventName !== undefined;
}

/** Classifies without validating; cheap enough to run on every delivery. */
export function classify(raw: JsonValue): Delivered {
  if (!isObject(raw)) return { kind: 'not-an-object' };
  if (isEnvelope(raw)) {
    const detail = raw.detail;
    if (isViaCloudTrail(raw['detail-type']) && isObject(detail)) return { kind: 'cloudtrail', record: detail, envelope: raw };
    return { kind: 'eventbridge', envelope: raw };
  }
  if (isCloudTrailRecord(raw)) return { kind: 'cloudtrail', record: raw, envelope: null };
  return { kind: 'unknown' };
}

/**
 * The exactly-once id. A CloudTrail record keeps its eventID whether it arrives
 * bare or wrapped, so the same API call seen through EventBridge and through the
 * trail's log file dedups to one record.
 */
export function idOf(d: Delivered): string | null {
  switch (d.kind) {
    case 'cloudtrail':
      return stringAt(d.record, 'eventID') ?? stringAt(d.envelope, 'id');
    case 'eventbridge':
      return stringAt(d.envelope, 'id');
    default:
      return null;
  }
}
