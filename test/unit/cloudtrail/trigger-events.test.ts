import { describe, expect, it } from 'vitest';
import { parseTrigger, TriggerEventError } from '../../../lib/cloudtrail/trigger-events';

describe('parseTrigger', () => {
  it('reads S3 event notifications, decoding their URL-encoded keys', () => {
    const event = {
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'trail' }, object: { key: 'my+prefix/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/11/a%3Ab.json.gz' } },
        },
        { eventSource: 'aws:s3', eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: 'trail' }, object: { key: 'gone.json.gz' } } },
      ],
    };
    expect(parseTrigger(event)).toEqual({
      kind: 'objects',
      objects: [{ bucket: 'trail', key: 'my prefix/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/11/a:b.json.gz' }],
    });
  });

  it('reads S3 "Object Created" events from EventBridge (keys not encoded)', () => {
    const event = {
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: 'trail' }, object: { key: 'AWSLogs/a+b.json.gz', size: 10 } },
    };
    expect(parseTrigger(event)).toEqual({ kind: 'objects', objects: [{ bucket: 'trail', key: 'AWSLogs/a+b.json.gz' }] });
  });

  it('reads the schedule and manual sweeps', () => {
    expect(parseTrigger({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} })).toEqual({ kind: 'sweep' });
    expect(parseTrigger({ sweep: true, hours: 12 })).toEqual({ kind: 'sweep', hours: 12 });
    expect(parseTrigger({ sweep: true, hours: -1 })).toEqual({ kind: 'sweep' });
  });

  it('rejects anything else', () => {
    for (const e of [
      {},
      null,
      { Records: [{ eventSource: 'aws:sqs', body: '{}' }] },
      { source: 'aws.s3', 'detail-type': 'Object Created', detail: {} },
      { source: 'aws.ec2' },
    ]) {
      expect(() => parseTrigger(e)).toThrow(TriggerEventError);
    }
  });
});
