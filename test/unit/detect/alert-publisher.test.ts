import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AlertPublisher, AlertPublishError } from '../../../lib/aws/alert-publisher';
import { alertFingerprint } from '../../../lib/core/detect/alert-message';
import { memorySuppressionStore, SuppressionWindow } from '../../../lib/core/detect/suppression';
import { sampleAlert } from './helpers';

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:immutrail-alerts';
const sns = mockClient(SNSClient);

describe('AlertPublisher', () => {
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('publishes subject, JSON body and filterable attributes', async () => {
    const publisher = new AlertPublisher({ sns: new SNSClient({ region: 'us-east-1' }), topicArn: TOPIC });
    const out = await publisher.publish(sampleAlert());
    expect(out).toEqual({ alertId: 'tampering.trail:4f1c', status: 'sent', messageId: 'm-1', suppressedRepeats: 0 });
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Subject).toMatch(/^\[immutrail\] CRITICAL auditor-tampering in 143434273843: /);
    expect(JSON.parse(input.Message!).id).toBe('tampering.trail:4f1c');
    expect(input.MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'critical' },
      rule: { DataType: 'String', StringValue: 'tampering.trail' },
      kind: { DataType: 'String', StringValue: 'auditor-tampering' },
      account: { DataType: 'String', StringValue: '143434273843' },
    });
    expect(input.MessageGroupId).toBeUndefined();
  });

  it('suppresses repeats inside the window and reports the count with the next message', async () => {
    let now = new Date('2024-08-01T12:00:00Z');
    const store = memorySuppressionStore();
    const publisher = new AlertPublisher({
      sns: new SNSClient({ region: 'us-east-1' }),
      topicArn: TOPIC,
      suppression: { window: new SuppressionWindow(300), store },
      now: () => now,
    });
    const repeat = (id: string) => sampleAlert({ id, eventId: id });

    expect((await publisher.publish(repeat('e1'))).status).toBe('sent');
    now = new Date('2024-08-01T12:01:00Z');
    expect(await publisher.publishAll([repeat('e2'), repeat('e3')])).toEqual([
      { alertId: 'e2', status: 'suppressed', suppressedSoFar: 1 },
      { alertId: 'e3', status: 'suppressed', suppressedSoFar: 2 },
    ]);
    // A different resource is a different alert.
    expect((await publisher.publish(sampleAlert({ id: 'other', resource: 'other-trail' }))).status).toBe('sent');
    now = new Date('2024-08-01T12:05:00Z');
    expect(await publisher.publish(repeat('e4'))).toMatchObject({ status: 'sent', suppressedRepeats: 2 });

    const bodies = sns.commandCalls(PublishCommand).map((c) => JSON.parse(c.args[0].input.Message!));
    expect(bodies.map((b) => [b.id, b.suppressedRepeats])).toEqual([
      ['e1', 0],
      ['other', 0],
      ['e4', 2],
    ]);
    expect(await store.get(alertFingerprint(repeat('e4')))).toEqual({ lastSentAt: '2024-08-01T12:05:00.000Z', suppressed: 0, severity: 'critical' });
  });

  it('does not record a send that SNS rejected, so the retry is not suppressed', async () => {
    const store = memorySuppressionStore();
    const publisher = new AlertPublisher({
      sns: new SNSClient({ region: 'us-east-1' }),
      topicArn: TOPIC,
      suppression: { window: new SuppressionWindow(300), store },
    });
    sns.on(PublishCommand).rejectsOnce(new Error('throttled')).resolves({ MessageId: 'm-2' });
    await expect(publisher.publish(sampleAlert())).rejects.toThrow('throttled');
    expect(store.size).toBe(0);
    expect(await publisher.publish(sampleAlert())).toMatchObject({ status: 'sent', messageId: 'm-2' });
  });

  it('adds a group and a stable deduplication id for FIFO topics', async () => {
    const publisher = new AlertPublisher({ sns: new SNSClient({ region: 'us-east-1' }), topicArn: `${TOPIC}.fifo` });
    await publisher.publish(sampleAlert());
    await publisher.publish(sampleAlert());
    const inputs = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(inputs[0]!.MessageGroupId).toBe('auditor-tampering');
    expect(inputs[0]!.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
    expect(inputs[1]!.MessageDeduplicationId).toBe(inputs[0]!.MessageDeduplicationId);
  });

  it('reads and writes the suppression state of a whole delivery in one call each, and holds the repeats back for the digest in one', async () => {
    const store = memorySuppressionStore();
    const calls = { get: 0, put: 0, holdBack: 0 };
    const counted = {
      getMany: (fps: readonly string[]) => (calls.get++, store.getMany(fps)),
      putMany: (states: Parameters<typeof store.putMany>[0]) => (calls.put++, store.putMany(states)),
      holdBack: (repeats: Parameters<typeof store.holdBack>[0]) => (calls.holdBack++, store.holdBack(repeats)),
    };
    const publisher = new AlertPublisher({
      sns: new SNSClient({ region: 'us-east-1' }),
      topicArn: TOPIC,
      suppression: { window: new SuppressionWindow(300), store: counted },
    });
    const out = await publisher.publishAll([sampleAlert({ id: 'a' }), sampleAlert({ id: 'b' }), sampleAlert({ id: 'c', resource: 'other' })]);
    expect(out.map((o) => o.status)).toEqual(['sent', 'suppressed', 'sent']);
    expect(calls).toEqual({ get: 1, put: 1, holdBack: 1 });
    expect(store.size).toBe(2);
    expect(store.heldBack).toMatchObject([{ fingerprint: alertFingerprint(sampleAlert()), sample: { alertId: 'b' } }]);
  });

  it('stops at the first alert SNS refuses, says how many were handled, and keeps their state', async () => {
    const store = memorySuppressionStore();
    const publisher = new AlertPublisher({
      sns: new SNSClient({ region: 'us-east-1' }),
      topicArn: TOPIC,
      suppression: { window: new SuppressionWindow(300), store },
    });
    sns.on(PublishCommand).resolvesOnce({ MessageId: 'm-1' }).rejects(new Error('throttled'));
    const first = sampleAlert({ id: 'a', resource: 'r1' });
    const second = sampleAlert({ id: 'b', resource: 'r2' });
    const err = await publisher.publishAll([first, second]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlertPublishError);
    expect((err as AlertPublishError).handled).toBe(1);
    expect(((err as AlertPublishError).cause as Error).message).toBe('throttled');
    // The first was sent and is remembered; the refused one is not, so its retry is sent.
    expect(store.get(alertFingerprint(first))).not.toBeNull();
    expect(store.get(alertFingerprint(second))).toBeNull();
  });
});
