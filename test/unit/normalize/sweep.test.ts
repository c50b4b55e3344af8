import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../lib/core/json';
import { eventIdOf, NormalizeError, normalizeEvent, parseEventTime } from '../../../lib/core/normalize';
import { events, fixtureFiles } from './fixtures';

type Outcome = { ok: true } | { ok: false; code: string };

/** Normalizes one event and checks the result's invariants; anything but a NormalizeError is rethrown. */
function check(raw: JsonValue): Outcome {
  let e;
  try {
    e = normalizeEvent(raw);
  } catch (err) {
    if (err instanceof NormalizeError) return { ok: false, code: err.code };
    throw err;
  }
  expect(e.eventId).not.toBe('');
  expect(e.service).not.toBe('');
  expect(e.action).not.toBe('');
  expect(e.eventId).toBe(eventIdOf(raw));
  expect(parseEventTime(e.eventTime)).toBe(e.eventTime); // already normal ISO form
  expect(Number.isNaN(Date.parse(e.eventTime))).toBe(false);
  for (const r of e.resources) {
    expect(r.type).toMatch(/^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/);
    expect(r.id).not.toBe('');
  }
  for (const v of Object.values(e.tags)) expect(typeof v).toBe('string');
  // The normalized event goes into a canonical-JSON record: it must be plain JSON data.
  expect(JSON.parse(JSON.stringify(e))).toEqual(e);
  return { ok: true };
}

describe('every fixture either normalizes or is rejected with a NormalizeError', () => {
  const files = fixtureFiles();

  it('has fixtures to sweep', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files)('%s', (file) => {
    const outcomes = events(file).map(check);
    expect(outcomes.length).toBeGreaterThan(0);
  });

  it('most fixtures normalize; the known-bad ones are rejected', () => {
    const all = files.flatMap((f) => events(f).map(check));
    const rejected = all.filter((o) => !o.ok).length;
    expect(all.length).toBeGreaterThan(90);
    expect(rejected).toBeGreaterThan(0);
    expect(rejected).toBeLessThan(all.length / 5);
  });
});

describe('arbitrary input never throws anything but NormalizeError', () => {
  it('any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => void check(v as JsonValue)),
      { numRuns: 500 },
    );
  });

  const anything = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>;
  // Strings shaped like ARNs with arbitrary parts, to exercise ARN parsing on junk.
  const arnish = fc
    .tuple(fc.constantFrom('aws', 'aws-cn', ''), fc.string(), fc.string(), fc.string(), fc.string())
    .map(([partition, service, region, account, resource]) => `arn:${partition}:${service}:${region}:${account}:${resource}`);
  const cloudTrailish = fc.record(
    {
      eventID: fc.oneof(fc.uuid(), anything),
      eventTime: fc.oneof(fc.constant('2024-05-01T10:00:00Z'), anything),
      eventSource: fc.oneof(
        fc.constantFrom(
          'ec2.amazonaws.com',
          'ecs.amazonaws.com',
          'iam.amazonaws.com',
          'ecr.amazonaws.com',
          'cloudtrail.amazonaws.com',
          'lambda.amazonaws.com',
          'kms.amazonaws.com',
        ),
        anything,
      ),
      eventName: fc.oneof(fc.constantFrom('RunInstances', 'RunTask', 'PutImage', 'ConsoleLogin'), anything),
      eventType: anything,
      readOnly: anything,
      userIdentity: fc.oneof(
        fc.record(
          {
            type: anything,
            arn: anything,
            principalId: anything,
            sessionContext: fc.record({ attributes: anything, sessionIssuer: anything }, { requiredKeys: [] }),
          },
          { requiredKeys: [] },
        ),
        anything,
      ),
      requestParameters: fc.dictionary(
        fc.constantFrom(
          'instanceId',
          'groupId',
          'bucketName',
          'cluster',
          'service',
          'image',
          'imageDigest',
          'repositoryName',
          'tags',
          'tagSet',
          'name',
          'roleArn',
          'keyId',
          'functionName',
          'taskDefinition',
        ),
        fc.oneof(arnish, anything),
      ),
      responseElements: anything,
      resources: fc.oneof(fc.array(fc.record({ ARN: arnish })), anything),
      additionalEventData: anything,
    },
    { requiredKeys: [] },
  );
  it('CloudTrail-shaped records with random field values', () => {
    fc.assert(
      fc.property(cloudTrailish, (r) => void check(r as JsonValue)),
      { numRuns: 1000 },
    );
  });

  const envelopeish = fc.record(
    {
      version: anything,
      id: fc.oneof(fc.uuid(), anything),
      'detail-type': fc.oneof(
        fc.constantFrom(
          'ECS Task State Change',
          'EC2 Instance State-change Notification',
          'ECR Image Action',
          'EC2 Instance Launch Successful',
          'CloudFormation Drift Detection Status Change',
          'AWS API Call via CloudTrail',
        ),
        anything,
      ),
      source: fc.oneof(fc.constantFrom('aws.ecs', 'aws.ec2', 'aws.ecr', 'aws.autoscaling', 'aws.cloudformation'), anything),
      account: anything,
      time: fc.oneof(fc.constant('2024-05-01T10:00:00Z'), anything),
      region: anything,
      resources: fc.oneof(fc.array(fc.oneof(arnish, fc.string())), anything),
      detail: fc.oneof(
        fc.dictionary(
          fc.constantFrom(
            'instance-id',
            'state',
            'containers',
            'clusterArn',
            'group',
            'lastStatus',
            'repository-name',
            'image-digest',
            'stack-id',
            'status-details',
            'resource-type',
            'physical-resource-id',
            'EC2InstanceId',
            'AutoScalingGroupName',
            'tags',
          ),
          fc.oneof(arnish, anything),
        ),
        anything,
      ),
    },
    { requiredKeys: [] },
  );
  it('EventBridge-shaped envelopes with random field values', () => {
    fc.assert(
      fc.property(envelopeish, (r) => void check(r as JsonValue)),
      { numRuns: 1000 },
    );
  });

  it('nesting far deeper than any event does not overflow the stack', () => {
    let deep: JsonValue = { instanceId: 'i-0deep' };
    for (let i = 0; i < 20_000; i++) deep = { items: [deep] };
    const e = normalizeEvent({
      eventID: 'deep-1',
      eventTime: '2024-05-01T10:00:00Z',
      eventSource: 'ec2.amazonaws.com',
      eventName: 'RunInstances',
      requestParameters: deep,
    });
    expect(e.resources).toEqual([]); // past the depth bound, payload is not searched
  });
});
