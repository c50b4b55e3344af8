import { parseTrigger } from '../cloudtrail/trigger-events';

/** An S3 object one queue message announces: a staged live-lane batch or a trail log file. */
export interface ObjectNotice {
  bucket: string;
  key: string;
}

/**
 * The objects a queue message announces (S3's "Object Created" event from the
 * objects rule, or an S3 event notification), or null when the message is an
 * event delivered on its own.
 */
export function objectNotices(body: string): ObjectNotice[] | null {
  if (isS3TestEvent(body)) return [];
  // Cheap test first: a live event never has an S3 bucket at the top of its detail.
  if (!body.includes('"bucket"')) return null;
  let msg: unknown;
  try {
    msg = JSON.parse(body);
  } catch {
    return null;
  }
  try {
    const trigger = parseTrigger(msg);
    return trigger.kind === 'objects' ? trigger.objects : null;
  } catch {
    return null;
  }
}

/**
 * S3 sends one test message to a queue when a bucket's notifications are set
 * to it (the trail bucket of another account, issue 14). It announces no
 * object, and is not an event to archive either.
 */
function isS3TestEvent(body: string): boolean {
  if (!body.includes('s3:TestEvent')) return false;
  try {
    const msg = JSON.parse(body) as { Service?: unknown; Event?: unknown };
    return msg.Service === 'Amazon S3' && msg.Event === 's3:TestEvent';
  } catch {
    return false;
  }
}
