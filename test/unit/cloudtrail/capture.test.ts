import { describe, expect, it } from 'vitest';
import { planShards } from '../../../lib/contract/shards';
import type { JsonObject } from '../../../lib/core/json';
import { apiShardOf, captureRouter } from '../../../lib/cloudtrail/capture';

const record = (over: JsonObject = {}): JsonObject => ({
  eventSource: 'ec2.amazonaws.com',
  eventName: 'RunInstances',
  eventType: 'AwsApiCall',
  readOnly: false,
  recipientAccountId: '111122223333',
  eventID: 'e1',
  ...over,
});

describe("captureRouter: the EventBridge rules' filter applied to trail log records", () => {
  it('captures write calls and, only when configured, read-only ones', () => {
    const writes = captureRouter({ captureReadOnly: false });
    const all = captureRouter({ captureReadOnly: true, shard: 'calls' });
    expect(writes(record())).toBe('api');
    expect(writes(record({ readOnly: true, eventName: 'DescribeInstances' }))).toBeNull();
    expect(all(record({ readOnly: true, eventName: 'DescribeInstances' }))).toBe('calls');
    // No readOnly flag: decided by the verb, as isCapturedApiCall does.
    expect(writes(record({ readOnly: undefined as never, eventName: 'ListBuckets' }))).toBeNull();
  });

  it('captures console sign-ins and skips service events and Insights', () => {
    const r = captureRouter({ captureReadOnly: true });
    expect(r(record({ eventType: 'AwsConsoleSignIn', eventName: 'ConsoleLogin', eventSource: 'signin.amazonaws.com' }))).toBe('api');
    expect(r(record({ eventType: 'AwsServiceEvent', eventName: 'RotateKey', eventSource: 'kms.amazonaws.com' }))).toBeNull();
    expect(r(record({ eventType: 'AwsCloudTrailInsight' }))).toBeNull();
    expect(r({ hello: 'world' })).toBeNull();
  });

  it('honours the event sources the stack captures', () => {
    const r = captureRouter({ captureReadOnly: false, apiCallSources: ['iam.amazonaws.com'] });
    expect(r(record())).toBeNull();
    expect(r(record({ eventSource: 'iam.amazonaws.com', eventName: 'CreateUser' }))).toBe('api');
  });

  it('routes by the shard plan, account splits included', () => {
    const plan = planShards({ prod: { families: ['api'], accounts: ['111122223333'] }, rest: { families: ['api', 'ec2'] } });
    const r = captureRouter({ captureReadOnly: false, plan });
    expect(r(record())).toBe('prod');
    expect(r(record({ recipientAccountId: '999988887777' }))).toBe('rest');
    expect(r(record({ readOnly: true, eventName: 'DescribeInstances' }))).toBeNull();
    expect(apiShardOf(plan)).toBe('rest');
    expect(apiShardOf(planShards())).toBe('api');
    expect(apiShardOf(undefined)).toBe('api');
  });

  it('skips what no route of the plan captures', () => {
    const plan = planShards({ infra: { families: ['ec2', 'ecs'] } });
    expect(captureRouter({ captureReadOnly: false, plan })(record())).toBeNull();
  });
});
