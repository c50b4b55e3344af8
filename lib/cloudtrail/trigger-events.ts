import { ImmutrailError } from '../core/errors';
import { at } from '../core/json-access';

/**
 * What started a reconcile invocation: new objects in the trail bucket (an S3
 * event notification, or S3's "Object Created" event on EventBridge), or the
 * scheduled sweep. Anything else is rejected, so a misrouted event is visible.
 */
export type ReconcileTrigger = { kind: 'objects'; objects: { bucket: string; key: string }[] } | { kind: 'sweep'; hours?: number };

export class TriggerEventError extends ImmutrailError {
  readonly code = 'UNKNOWN_TRIGGER_EVENT';
}

// S3 event notifications URL-encode keys (spaces as "+"); EventBridge events do not.
const decodeS3Key = (key: string): string => decodeURIComponent(key.replace(/\+/g, ' '));

export function parseTrigger(event: unknown): ReconcileTrigger {
  const records = at(event, 'Records');
  if (Array.isArray(records)) {
    const objects: { bucket: string; key: string }[] = [];
    for (const r of records) {
      const name = at(r, 'eventName');
      const bucket = at(r, 's3', 'bucket', 'name');
      const key = at(r, 's3', 'object', 'key');
      if (at(r, 'eventSource') !== 'aws:s3' || typeof bucket !== 'string' || typeof key !== 'string') {
        throw new TriggerEventError('a Records event whose records are not S3 event notifications');
      }
      if (typeof name === 'string' && !name.startsWith('ObjectCreated:')) continue;
      objects.push({ bucket, key: decodeS3Key(key) });
    }
    return { kind: 'objects', objects };
  }
  const source = at(event, 'source');
  const detailType = at(event, 'detail-type');
  if (source === 'aws.s3' && detailType === 'Object Created') {
    const bucket = at(event, 'detail', 'bucket', 'name');
    const key = at(event, 'detail', 'object', 'key');
    if (typeof bucket !== 'string' || typeof key !== 'string') throw new TriggerEventError('an "Object Created" event without bucket name and object key');
    return { kind: 'objects', objects: [{ bucket, key }] };
  }
  if (source === 'aws.events' && detailType === 'Scheduled Event') return { kind: 'sweep' };
  // A manual invocation: {"sweep": true, "hours": 6}.
  if (at(event, 'sweep') === true) {
    const hours = at(event, 'hours');
    return typeof hours === 'number' && Number.isFinite(hours) && hours > 0 ? { kind: 'sweep', hours } : { kind: 'sweep' };
  }
  throw new TriggerEventError('not an S3 notification, an "Object Created" event or a scheduled event');
}
