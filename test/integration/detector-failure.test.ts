import type { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { AlertOutbox } from '../../lib/aws/alert-outbox';
import { AlertPublisher } from '../../lib/aws/alert-publisher';
import type { AlertMessageBody } from '../../lib/core/detect/alert-message';
import { runDetectors, type Detector } from '../../lib/core/detect/index';
import { DETECTOR_FAILOPEN_ATTEMPT, ingestSqsBatch, type IngestDeps } from '../../lib/ingest/sqs-batch';
import { createTestArchive } from '../support/archive-env';
import { apiCallEnvelope, sqsEvent, sqsMessage } from '../support/events';
import { useMoto } from '../support/moto';
import { context } from '../unit/detect/helpers';

/** The real publisher over an SNS stand-in that keeps the message bodies it was given. */
function recordingPublisher(): AlertPublisher & { sent: AlertMessageBody[] } {
  const sent: AlertMessageBody[] = [];
  const sns = {
    async send(command: PublishCommand) {
      sent.push(JSON.parse(command.input.Message!) as AlertMessageBody);
      return { MessageId: `m-${sent.length}` };
    },
  } as unknown as SNSClient;
  return Object.assign(new AlertPublisher({ sns, topicArn: 'arn:aws:sns:us-east-1:111122223333:alerts' }), { sent });
}

/** A detector with a bug: it throws on every event (not an AWS error, so it is not retried). */
const broken: Detector = {
  name: 'broken-detector',
  async detect() {
    throw new TypeError("Cannot read properties of undefined (reading 'groupId')");
  },
};

// Issue 17: from DETECTOR_FAILOPEN_ATTEMPT on, events commit without detection; that must leave a record and a message.
describe('a failing detector fails loudly (moto)', () => {
  const moto = useMoto();

  it('commits a detector-failure alert naming the event, its account and the detector, publishes it, and commits it once on redelivery', async () => {
    const a = await createTestArchive(moto.target);
    const publisher = recordingPublisher();
    const errors: unknown[] = [];
    const deps: IngestDeps = {
      ...a.commitDeps(),
      detect: (r) => runDetectors(r, context(), [broken]),
      alerts: new AlertOutbox(a.ddb, a.table, publisher, a.source),
      onError: (_shard, err) => void errors.push(err),
    };
    const msg = sqsMessage(apiCallEnvelope({ eventId: 'evt-broken', eventName: 'AuthorizeSecurityGroupIngress' }), 'api');
    const delivery = (n: number) => sqsEvent([{ ...msg, attributes: { ...msg.attributes, ApproximateReceiveCount: String(n) } }]);

    // Before fail-open the message is retried and nothing is committed.
    const first = await ingestSqsBatch(deps, delivery(1));
    expect(first.response.batchItemFailures).toEqual([{ itemIdentifier: msg.messageId }]);
    expect(publisher.sent).toEqual([]);

    const open = await ingestSqsBatch(deps, delivery(DETECTOR_FAILOPEN_ATTEMPT));
    expect(open.response.batchItemFailures).toEqual([]);
    expect(open.stats).toMatchObject({ committed: 1, alerts: 1, detectorFailures: 1 });
    expect(publisher.sent).toHaveLength(1);
    const alert = publisher.sent[0];
    expect(alert).toMatchObject({
      id: 'detector-failure:broken-detector:evt-broken',
      kind: 'detector-failure',
      rule: 'detector-failure',
      severity: 'high',
      account: '111122223333',
      eventId: 'evt-broken',
      resource: 'broken-detector',
      details: { detector: 'broken-detector', action: 'ec2:AuthorizeSecurityGroupIngress', errorName: 'TypeError' },
    });
    expect(alert.summary).toContain('broken-detector');
    expect(alert.summary).toContain('evt-broken');
    // It points at the event's record, committed in the same batch just before it.
    const head = await a.store.head('api');
    expect(alert.record).toEqual({ shard: 'api', seq: head.seq - 1 });

    // The same message again (the Lambda died before deleting it): the event is a duplicate, no second alert record.
    const again = await ingestSqsBatch(deps, delivery(DETECTOR_FAILOPEN_ATTEMPT + 1));
    expect(again.stats).toMatchObject({ committed: 0, duplicates: 1, alerts: 0 });
    expect((await a.store.head('api')).seq).toBe(head.seq);
    expect(publisher.sent).toHaveLength(1);
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });
});
