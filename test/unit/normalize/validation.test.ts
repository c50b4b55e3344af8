import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../../lib/core/json';
import { NormalizeError, normalizeEvent, parseEventTime } from '../../../lib/core/normalize';
import { fixture } from './fixtures';

function failure(raw: JsonValue): NormalizeError {
  try {
    normalizeEvent(raw);
  } catch (e) {
    if (e instanceof NormalizeError) return e;
    throw e;
  }
  throw new Error('expected a NormalizeError, but the event normalized');
}

const RUN_TASK = (): JsonObject => fixture('immutrail-handwritten.ndjson', 4);
const EC2_STATE = (): JsonObject => fixture('cloud-custodian.eventbridge.ndjson', 4);

describe('validation: events the caller must quarantine', () => {
  it.each([null, [], 'ConsoleLogin', 42, true])('%j is NOT_AN_OBJECT', (raw) => {
    expect(failure(raw).code).toBe('NOT_AN_OBJECT');
  });

  it('an object that is neither an envelope nor a CloudTrail record is UNKNOWN_SHAPE', () => {
    expect(failure({}).code).toBe('UNKNOWN_SHAPE');
    expect(failure({ Records: [RUN_TASK()] }).code).toBe('UNKNOWN_SHAPE'); // a whole log file is not one event
  });

  it('no id: MISSING_FIELD', () => {
    expect(failure(fixture('panther-analysis.cloudtrail.ndjson', 2))).toMatchObject({ code: 'MISSING_FIELD', field: 'eventID' });
    const noEnvelopeId = EC2_STATE();
    delete noEnvelopeId.id;
    expect(failure(noEnvelopeId)).toMatchObject({ code: 'MISSING_FIELD', field: 'id' });
  });

  it('no time: MISSING_FIELD (Logstash exports replaced eventTime with @timestamp)', () => {
    expect(failure(fixture('otrf-security-datasets.cloudtrail.ndjson', 2))).toMatchObject({ code: 'MISSING_FIELD', field: 'eventTime' });
  });

  it('placeholder or redacted times: BAD_FIELD', () => {
    expect(failure(fixture('awsdocs-amazon-ec2-auto-scaling-user-guide.eventbridge.ndjson', 1))).toMatchObject({ code: 'BAD_FIELD', field: 'time' });
    expect(failure(fixture('streamalert.eventbridge.ndjson', 2))).toMatchObject({ code: 'BAD_FIELD', field: 'time' });
    expect(failure(fixture('panther-analysis.cloudtrail.ndjson', 14))).toMatchObject({ code: 'BAD_FIELD', field: 'eventTime' });
    expect(failure({ ...RUN_TASK(), eventTime: '2025-02-30T09:20:44Z' }).code).toBe('BAD_FIELD');
    expect(failure({ ...RUN_TASK(), eventTime: 1741684844 }).code).toBe('BAD_FIELD');
  });

  it('wrong types for required fields: BAD_FIELD', () => {
    expect(failure({ ...RUN_TASK(), eventID: 42 })).toMatchObject({ code: 'BAD_FIELD', field: 'eventID' });
    expect(failure({ ...RUN_TASK(), eventSource: ['ecs.amazonaws.com'] })).toMatchObject({ code: 'BAD_FIELD', field: 'eventSource' });
    expect(failure({ ...EC2_STATE(), 'detail-type': 7 })).toMatchObject({ code: 'BAD_FIELD', field: 'detail-type' });
  });

  it('a "via CloudTrail" envelope whose detail is not a record: BAD_FIELD', () => {
    expect(failure({ ...fixture('immutrail-handwritten.ndjson', 7), detail: 'RunTask' })).toMatchObject({ code: 'BAD_FIELD', field: 'detail' });
  });

  it('no event name: MISSING_FIELD', () => {
    const r = RUN_TASK();
    delete r.eventName;
    expect(failure(r)).toMatchObject({ code: 'MISSING_FIELD', field: 'eventName' });
  });

  it('is lenient with what real CloudTrail leaves null or out', () => {
    const r = RUN_TASK();
    r.requestParameters = null;
    r.responseElements = null;
    r.userIdentity = { type: 'AssumedRole' };
    delete r.awsRegion;
    delete r.recipientAccountId;
    delete r.userAgent;
    r.resources = 'not-a-list';
    r.readOnly = null;
    const e = normalizeEvent(r);
    expect(e).toMatchObject({ action: 'RunTask', account: null, region: null, readOnly: null, resources: [], tags: {} });
    expect(e.actor).toMatchObject({ type: 'AssumedRole', arn: null, sessionName: null, userAgent: null });
  });
});

describe('parseEventTime', () => {
  it.each([
    ['2024-07-30T21:31:21Z', '2024-07-30T21:31:21Z'],
    ['2016-12-06T16:41:06.991Z', '2016-12-06T16:41:06.991Z'],
    ['2020-02-20T00:00:00.00Z', '2020-02-20T00:00:00.00Z'],
    ['2022-12-11 19:42:55', '2022-12-11T19:42:55Z'],
    ['2025-01-20 16:52:14.000000000', '2025-01-20T16:52:14.000000000Z'],
    ['2024-02-29T12:00:00+00:00', '2024-02-29T12:00:00Z'],
    ['2024-03-01T01:30:00+02:00', '2024-02-29T23:30:00.000Z'],
  ])('%s -> %s', (given, iso) => {
    expect(parseEventTime(given)).toBe(iso);
  });

  it.each(['yyyy-mm-ddThh:mm:ssZ', '...', 'eventTime', 'redacted', '', '2023-02-29T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01'])(
    '%j is not a time',
    (given) => {
      expect(parseEventTime(given)).toBeNull();
    },
  );
});
