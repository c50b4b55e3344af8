import { randomUUID } from 'node:crypto';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { AlertPublisher } from '../../lib/aws/alert-publisher';
import { clientConfig } from '../../lib/aws/client-config';
import { DynamoSuppressionStore } from '../../lib/aws/suppression-store';
import { SuppressionDigests } from '../../lib/aws/suppression-digests';
import type { Alert } from '../../lib/core/alert';
import { runDetectors } from '../../lib/core/detect/index';
import { SuppressionWindow } from '../../lib/core/detect/suppression';
import { DIGEST_SAMPLE_LIMIT, type DigestMessageBody, type SuppressionDigest } from '../../lib/core/detect/suppression-digest';
import type { JsonObject } from '../../lib/core/json';
import { subscribeAlertInbox } from '../../lib/local/alert-inbox';
import { createTestArchive } from '../support/archive-env';
import { useMoto } from '../support/moto';
import { context, ct, eventRecord, sampleAlert } from '../unit/detect/helpers';

/**
 * Issue 17 on moto: the sequences from the incident, replayed through the
 * detectors, the publisher with its DynamoDB suppression state, SNS, and the
 * seal's digest sweep, read back from a queue subscribed to the topic.
 */

const WINDOW = 900;
const T0 = Date.parse('2024-08-01T13:52:02Z');

interface Received {
  subject: string;
  body: { id?: string; rule: string; details?: JsonObject; type?: string } & Partial<DigestMessageBody>;
  type: string | undefined;
}

async function setup(target: ReturnType<typeof useMoto>['target'], config: Parameters<typeof context>[0] = {}) {
  const a = await createTestArchive(target);
  const sns = new SNSClient(clientConfig(target));
  const sqs = new SQSClient(clientConfig(target));
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: `alerts-${randomUUID().slice(0, 8)}` }))).TopicArn!;
  const inbox = await subscribeAlertInbox(sns, sqs, { topicArn, queueName: `inbox-${randomUUID().slice(0, 8)}` });
  let now = T0;
  const clock = () => now;
  const store = new DynamoSuppressionStore(a.ddb, a.table);
  const publisherAt = () => new AlertPublisher({ sns, topicArn, suppression: { window: new SuppressionWindow(WINDOW), store }, now: () => new Date(now) });
  const publisher = publisherAt();
  const digests = new SuppressionDigests(a.ddb, a.table, publisher, clock);
  const ctx = context(config);
  return {
    a,
    store,
    publisher,
    publisherAt,
    digests,
    sns,
    topicArn,
    at: (secondsAfter: number) => {
      now = T0 + secondsAfter * 1000;
    },
    /** The call made `secondsAfter` T0, through the detectors and the publisher. */
    async replay(raw: JsonObject, secondsAfter: number) {
      now = T0 + secondsAfter * 1000;
      const alerts = await runDetectors(eventRecord({ ...raw, eventTime: new Date(now).toISOString().replace('.000', '') }), ctx);
      expect(alerts.length).toBeGreaterThan(0);
      return publisher.publishAll(alerts);
    },
    /** Everything the topic delivered since the last call. */
    async received(): Promise<Received[]> {
      const out: Received[] = [];
      for (;;) {
        const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: inbox, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        const msgs = r.Messages ?? [];
        if (msgs.length === 0) return out;
        for (const m of msgs) {
          const env = JSON.parse(m.Body!) as { Subject: string; Message: string; MessageAttributes?: Record<string, { Value: string }> };
          out.push({ subject: env.Subject, body: JSON.parse(env.Message), type: env.MessageAttributes?.type?.Value });
        }
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: inbox, Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
      }
    },
  };
}

const trailCall = (eventName: string, requestParameters: JsonObject, extra: JsonObject = {}) =>
  ct({ eventSource: 'cloudtrail.amazonaws.com', eventName, eventID: `evt-${eventName}-${randomUUID().slice(0, 6)}`, requestParameters, ...extra });
const sgCall = (eventName: string) =>
  ct({ eventSource: 'ec2.amazonaws.com', eventName, eventID: `evt-${eventName}`, requestParameters: { groupId: 'sg-0123456789abcdef0' } });
const AFTER_WINDOW = WINDOW + 60;

describe('suppression digests on moto', () => {
  const moto = useMoto();

  it('DeleteTrail 15 s after PutEventSelectors on the same trail: two messages, nothing suppressed, no digest', async () => {
    const h = await setup(moto.target);
    await h.replay(trailCall('PutEventSelectors', { trailName: 'org-trail', eventSelectors: [] }), 0);
    await h.replay(trailCall('DeleteTrail', { name: 'org-trail' }), 15);
    expect((await h.received()).map((m) => m.body.details?.action)).toEqual(['cloudtrail:PutEventSelectors', 'cloudtrail:DeleteTrail']);
    h.at(AFTER_WINDOW);
    expect(await h.digests.sweep()).toBe(0);
    expect(await h.received()).toEqual([]);
  });

  it('DeleteSecurityGroup after AuthorizeSecurityGroupIngress on the same group: two messages, no digest', async () => {
    const h = await setup(moto.target, { config: { immutableScope: { mode: 'all' }, deployers: { principals: [], services: [], serviceLinkedRoles: true } } });
    await h.replay(sgCall('AuthorizeSecurityGroupIngress'), 0);
    await h.replay(sgCall('DeleteSecurityGroup'), 40);
    expect((await h.received()).map((m) => [m.body.rule, m.body.details?.action])).toEqual([
      ['drift.security-group', 'ec2:AuthorizeSecurityGroupIngress'],
      ['drift.security-group', 'ec2:DeleteSecurityGroup'],
    ]);
    h.at(AFTER_WINDOW);
    expect(await h.digests.sweep()).toBe(0);
  });

  it('a failed then a successful StopLogging: both are published, the success last', async () => {
    const h = await setup(moto.target);
    await h.replay(trailCall('StopLogging', { name: 'org-trail' }, { errorCode: 'AccessDenied', errorMessage: 'denied' }), 0);
    await h.replay(trailCall('StopLogging', { name: 'org-trail' }), 30);
    expect((await h.received()).map((m) => m.body.details?.succeeded)).toEqual([false, true]);
    h.at(AFTER_WINDOW);
    expect(await h.digests.sweep()).toBe(0);
  });

  it('three identical repeats in the window: one message, then one digest after the window naming the two suppressed', async () => {
    const h = await setup(moto.target);
    const stop = (id: string) => ({ ...trailCall('StopLogging', { name: 'org-trail' }), eventID: id });
    const outcomes = [await h.replay(stop('evt-a'), 0), await h.replay(stop('evt-b'), 15), await h.replay(stop('evt-c'), 30)].flat();
    expect(outcomes.map((o) => o.status)).toEqual(['sent', 'suppressed', 'suppressed']);
    expect(await h.received()).toHaveLength(1);

    h.at(WINDOW - 1);
    expect(await h.digests.sweep()).toBe(0); // the window has not ended
    h.at(WINDOW + 1);
    expect(await h.digests.sweep()).toBe(1);
    const [digest] = await h.received();
    expect(digest.type).toBe('suppression-digest');
    expect(digest.subject).toMatch(/^\[immutrail\] digest: 2 suppressed \S+ in 111122223333 2024-08-01 13:52-14:07Z$/);
    expect(digest.body).toMatchObject({
      type: 'suppression-digest',
      suppressed: 2,
      notListed: 0,
      action: 'cloudtrail:StopLogging',
      outcome: 'success',
      windowStart: '2024-08-01T13:52:02.000Z',
      windowEnd: '2024-08-01T14:07:02.000Z',
    });
    expect(digest.body.alerts!.map((s) => s.eventId)).toEqual(['evt-b', 'evt-c']);
    expect(digest.body.alerts!.map((s) => s.alertId)).toEqual([outcomes[1].alertId, outcomes[2].alertId]);

    // Told once: later sweeps find nothing.
    h.at(WINDOW + 600);
    expect(await h.digests.sweep()).toBe(0);
    expect(await h.received()).toEqual([]);
  });

  it('sweeps racing on one window send one digest; repeats held back by racing publishers are all counted', async () => {
    const h = await setup(moto.target);
    const base = sampleAlert({ account: '111122223333' });
    await h.publisher.publish(base);
    h.at(10);
    // Five Lambdas hold back repeats of the same window at once.
    await Promise.all(Array.from({ length: 5 }, (_, i) => h.publisherAt().publishAll([{ ...base, id: `r${i}`, eventId: `e${i}` }])));
    h.at(AFTER_WINDOW);
    const sweeps = Array.from({ length: 4 }, () => new SuppressionDigests(h.a.ddb, h.a.table, h.publisher, () => T0 + AFTER_WINDOW * 1000));
    const sent = await Promise.all(sweeps.map((s) => s.sweep()));
    expect(sent.reduce((x, y) => x + y, 0)).toBe(1);
    const msgs = await h.received();
    const digests = msgs.filter((m) => m.type === 'suppression-digest');
    expect(digests).toHaveLength(1);
    expect(digests[0].body.suppressed).toBe(5);
    expect(new Set(digests[0].body.alerts!.map((s) => s.alertId))).toEqual(new Set(['r0', 'r1', 'r2', 'r3', 'r4']));
  });

  it('names the first repeats up to the bound and counts the rest', async () => {
    const h = await setup(moto.target);
    const base = sampleAlert();
    await h.publisher.publish(base);
    h.at(5);
    const many: Alert[] = Array.from({ length: DIGEST_SAMPLE_LIMIT + 12 }, (_, i) => ({ ...base, id: `r${i}`, eventId: `e${i}` }));
    await h.publisher.publishAll(many.slice(0, 30));
    await h.publisher.publishAll(many.slice(30));
    h.at(AFTER_WINDOW);
    expect(await h.digests.sweep()).toBe(1);
    const [digest] = (await h.received()).filter((m) => m.type === 'suppression-digest');
    expect(digest.body.suppressed).toBe(DIGEST_SAMPLE_LIMIT + 12);
    expect(digest.body.alerts).toHaveLength(DIGEST_SAMPLE_LIMIT);
    expect(digest.body.notListed).toBe(12);
    expect(digest.body.alerts![0]).toEqual({ alertId: 'r0', eventId: 'e0', eventTime: base.eventTime });
  });

  it('is not lost when the publish fails (the next sweep sends it), nor are repeats held back while it is being sent', async () => {
    const h = await setup(moto.target);
    const base = sampleAlert();
    await h.publisher.publish(base);
    h.at(5);
    await h.publisher.publishAll([
      { ...base, id: 'r1' },
      { ...base, id: 'r2' },
    ]);
    h.at(AFTER_WINDOW);
    const refusing = new SuppressionDigests(
      h.a.ddb,
      h.a.table,
      { publishDigest: async () => Promise.reject(new Error('SNS throttled')) },
      () => T0 + AFTER_WINDOW * 1000,
    );
    await expect(refusing.sweep()).rejects.toMatchObject({ code: 'DIGEST_SWEEP_FAILED' });

    // A slow writer holds a repeat back in the same window while the digest is being published.
    const sent: SuppressionDigest[] = [];
    const slowWriter = new SuppressionDigests(
      h.a.ddb,
      h.a.table,
      {
        publishDigest: async (d) => {
          sent.push(d);
          if (sent.length === 1) {
            h.at(899);
            await h.publisher.publishAll([{ ...base, id: 'late' }]);
            h.at(AFTER_WINDOW);
          }
        },
      },
      () => T0 + AFTER_WINDOW * 1000,
    );
    expect(await slowWriter.sweep()).toBe(1);
    expect(await slowWriter.sweep()).toBe(1);
    expect(await slowWriter.sweep()).toBe(0);
    expect(sent.map((d) => [d.suppressed, d.samples.map((s) => s.alertId)])).toEqual([
      [2, ['r1', 'r2']],
      [1, ['late']],
    ]);
  });
});
