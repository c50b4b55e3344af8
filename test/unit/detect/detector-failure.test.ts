import { describe, expect, it } from 'vitest';
import { DetectorError, detectorFailureAlert } from '../../../lib/core/detect/detector-failure';
import { runDetectors, type Detector } from '../../../lib/core/detect/index';
import { retryingDetector } from '../../../lib/ingest/sqs-batch';
import { context, ct, eventRecord } from './helpers';

const call = ct({ eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', eventID: 'evt-1', requestParameters: {} });

describe('detector failures', () => {
  it('runDetectors names the detector that threw, and keeps what it threw', async () => {
    const cause = new RangeError('bad index');
    const broken: Detector = { name: 'broken', detect: async () => Promise.reject(cause) };
    const err = await runDetectors(eventRecord(call), context(), [broken]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DetectorError);
    expect(err).toMatchObject({ detector: 'broken', cause, code: 'DETECTOR_FAILED' });
  });

  it('retries an AWS error thrown inside a detector, under the DetectorError that names it', async () => {
    let calls = 0;
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    const flaky: Detector = { name: 'flaky', detect: async () => (++calls < 3 ? Promise.reject(throttled) : []) };
    await expect(retryingDetector((r) => runDetectors(r, context(), [flaky]), 4, 1)(eventRecord(call))).resolves.toEqual([]);
    expect(calls).toBe(3);
  });

  it('the alert id depends only on the detector and the event; other errors are labelled "detectors"', () => {
    const r = eventRecord(call, { shard: 'ec2', seq: 9 });
    const a = detectorFailureAlert(r, new DetectorError('drift', new Error('first')));
    const b = detectorFailureAlert(eventRecord(call, { shard: 'ec2', seq: 12 }), new DetectorError('drift', new Error('second')));
    expect(a.id).toBe('detector-failure:drift:evt-1');
    expect(b.id).toBe(a.id);
    expect(a).toMatchObject({
      kind: 'detector-failure',
      severity: 'high',
      account: '111122223333',
      record: { shard: 'ec2', seq: 9 },
      details: { detector: 'drift', action: 'ec2:RunInstances', error: 'first' },
    });
    expect(detectorFailureAlert(r, new Error('x')).details.detector).toBe('detectors');
    expect(detectorFailureAlert(r, new Error('y'.repeat(5000))).details.error).toHaveLength(500);
  });
});
