import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../lib/core/json';
import { isCapturedApiCall } from '../../../lib/core/normalize';
import { fixture } from './fixtures';

const WITH_READS = { captureReadOnly: true };
const WRITES_ONLY = { captureReadOnly: false };

function captured(record: JsonObject): [boolean, boolean] {
  return [isCapturedApiCall(record, WRITES_ONLY), isCapturedApiCall(record, WITH_READS)];
}

describe('isCapturedApiCall', () => {
  it('write calls are always captured', () => {
    expect(captured(fixture('stratus-red-team.cloudtrail.ndjson', 6))).toEqual([true, true]); // StopInstances, readOnly false
    expect(captured(fixture('immutrail-handwritten.ndjson', 3))).toEqual([true, true]); // UpdateService
  });

  it('failed write calls are captured too', () => {
    expect(captured(fixture('immutrail-handwritten.ndjson', 5))).toEqual([true, true]);
  });

  it('read-only calls only when captureReadOnly', () => {
    expect(captured(fixture('stratus-red-team.cloudtrail.ndjson', 1))).toEqual([false, true]); // GetPasswordData, readOnly true
    expect(captured(fixture('panther-analysis.cloudtrail.ndjson', 8))).toEqual([false, true]); // readOnly "True" (a string)
  });

  it('records without a readOnly flag are judged by their verb', () => {
    expect(captured(fixture('otrf-security-datasets.cloudtrail.ndjson', 1))).toEqual([false, true]); // DescribeInstanceTypes
    expect(captured(fixture('awsdocs-aws-cloudtrail-user-guide.cloudtrail.ndjson', 1))).toEqual([true, true]); // ConsoleLogin
    expect(captured(fixture('cloud-custodian.cloudtrail.ndjson', 2))).toEqual([true, true]); // RunInstances
    const base = fixture('cloud-custodian.cloudtrail.ndjson', 2);
    expect(isCapturedApiCall({ ...base, eventName: 'ListBuckets' }, WRITES_ONLY)).toBe(false);
    expect(isCapturedApiCall({ ...base, eventName: 'Getaway' }, WRITES_ONLY)).toBe(true); // "Get" must end a word
  });

  it('service events are not API calls', () => {
    expect(captured(fixture('aws-lambda-rust-runtime.cloudtrail.ndjson', 1))).toEqual([false, false]);
  });

  it('objects that are not CloudTrail records are not captured', () => {
    expect(captured(fixture('cloud-custodian.eventbridge.ndjson', 4))).toEqual([false, false]);
    expect(captured({})).toEqual([false, false]);
  });
});
