import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../lib/core/normalize';
import { fixture } from './fixtures';

describe('unknown EventBridge kinds normalize generically', () => {
  it('GuardDuty finding: service from source, action from detail-type, nothing invented', () => {
    const e = normalizeEvent(fixture('cloud-custodian.eventbridge.ndjson', 1));
    expect(e).toMatchObject({
      eventId: '8f5fa7d9-5558-33dc-449c-c890a0c38127',
      service: 'guardduty',
      action: 'GuardDuty Finding',
      category: 'other',
      state: null,
      readOnly: null,
      errorCode: null,
      resources: [],
      tags: {},
    });
    expect(e.actor.arn).toBeNull();
  });

  it('custom application source is kept as the service', () => {
    const e = normalizeEvent(fixture('powertools-typescript.eventbridge.ndjson', 1));
    expect(e).toMatchObject({ service: 'OrderService', action: 'OrderPurchased', category: 'other', account: '111122223333' });
  });

  it('resources come from the envelope resources[] ARNs', () => {
    expect(normalizeEvent(fixture('awsdocs-amazon-eventbridge-user-guide.eventbridge.ndjson', 3)).resources).toEqual([
      { type: 'AWS::Events::Endpoint', id: 'MyEndpoint', arn: 'arn:aws:events:us-east-1:0123456789:endpoint/MyEndpoint' },
    ]);
    expect(normalizeEvent(fixture('cloud-custodian.eventbridge.ndjson', 6)).resources).toEqual([
      { type: 'AWS::Events::Rule', id: 'my-schedule', arn: 'arn:aws:events:us-east-1:123456789012:rule/my-schedule' },
    ]);
    expect(normalizeEvent(fixture('powertools-typescript.eventbridge.ndjson', 2)).resources).toEqual([
      { type: 'AWS::S3::Bucket', id: 'example-bucket', arn: 'arn:aws:s3:::example-bucket' },
    ]);
  });

  it('ECR Image Scan (not a captured state change) keeps its repository from resources[]', () => {
    const e = normalizeEvent(fixture('aws-lambda-go.eventbridge.ndjson', 8));
    expect(e).toMatchObject({ action: 'ECR Image Scan', category: 'other' });
    expect(e.resources.map((r) => r.type)).toEqual(['AWS::ECR::Repository']);
  });

  it('an unknown state-change kind gets the state its detail names', () => {
    // Shape of the "Step Functions Execution Status Change" example in the EventBridge user guide.
    const e = normalizeEvent({
      version: '0',
      id: '315c1398-40ff-a850-213b-158f73e60175',
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: '123456789012',
      time: '2019-02-26T19:42:21Z',
      region: 'us-east-1',
      resources: ['arn:aws:states:us-east-1:123456789012:execution:state-machine-name:execution-name'],
      detail: { executionArn: 'arn:aws:states:us-east-1:123456789012:execution:state-machine-name:execution-name', status: 'SUCCEEDED' },
    });
    expect(e).toMatchObject({ service: 'states', category: 'state-change', state: 'SUCCEEDED' });
    expect(e.resources).toEqual([
      {
        type: 'AWS::StepFunctions::Execution',
        id: 'state-machine-name:execution-name',
        arn: 'arn:aws:states:us-east-1:123456789012:execution:state-machine-name:execution-name',
      },
    ]);
  });

  it('an envelope with no detail at all still normalizes', () => {
    const e = normalizeEvent({ version: '0', id: 'x-1', 'detail-type': 'Heartbeat', source: 'acme.monitor', time: '2024-01-01T00:00:00Z' });
    expect(e).toMatchObject({ eventId: 'x-1', service: 'acme.monitor', action: 'Heartbeat', account: null, region: null, resources: [] });
  });
});
