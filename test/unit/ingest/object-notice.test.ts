import { describe, expect, it } from 'vitest';
import { objectNotices } from '../../../lib/ingest/object-notice';

const s3Notification = (bucket: string, key: string) =>
  JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key, size: 10 } } }] });

describe('objectNotices', () => {
  it('reads an S3 event notification (the trail bucket of another account sends these)', () => {
    expect(objectNotices(s3Notification('org-trail', 'AWSLogs/o-abc/111111111111/CloudTrail/x+y.json.gz'))).toEqual([
      { bucket: 'org-trail', key: 'AWSLogs/o-abc/111111111111/CloudTrail/x y.json.gz' },
    ]);
  });

  it("reads S3's Object Created event from EventBridge", () => {
    const body = JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: 'b' }, object: { key: 'live/1' } } });
    expect(objectNotices(body)).toEqual([{ bucket: 'b', key: 'live/1' }]);
  });

  it("takes S3's test message, sent when a bucket's notifications are pointed at the queue, as announcing nothing", () => {
    const body = JSON.stringify({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2026-12-02T13:00:00.000Z',
      Bucket: 'org-trail',
      RequestId: 'R',
      HostId: 'H',
    });
    expect(objectNotices(body)).toEqual([]);
  });

  it('leaves a live event that merely mentions the test event to the live lane', () => {
    const body = JSON.stringify({ source: 'aws.s3', 'detail-type': 'AWS API Call via CloudTrail', detail: { eventName: 's3:TestEvent' } });
    expect(objectNotices(body)).toBeNull();
  });
});
