import { describe, expect, it } from 'vitest';
import { DynamoDBDocumentClient, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { AlertOutbox, OUTBOX_CLAIM_MS } from '../../lib/aws/alert-outbox';
import type { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AlertPublisher } from '../../lib/aws/alert-publisher';
import { alertRecordId, commitDrafts } from '../../lib/commit/commit';
import { draftFromMessage } from '../../lib/commit/drafts';
import { ingestSqsBatch, type IngestDeps } from '../../lib/ingest/sqs-batch';
import { useMoto } from '../support/moto';
import { createTestArchive, type TestArchive } from '../support/archive-env';
import { apiCallEnvelope, sqsEvent, sqsMessage } from '../support/events';
import { sampleAlert } from '../unit/detect/helpers';

/** The real publisher over an SNS stand-in that records what it sent and refuses the alert ids it is told to. */
function recordingPublisher(failOn: Set<string> = new Set()): AlertPublisher & { sent: string[] } {
  const sent: string[] = [];
  const sns = {
    async send(command: PublishCommand) {
      const id = (JSON.parse(command.input.Message ?? '{}') as { id: string }).id;
      if (failOn.has(id)) throw new Error(`SNS unavailable for ${id}`);
      sent.push(id);
      return { MessageId: `m-${sent.length}` };
    },
  } as unknown as SNSClient;
  return Object.assign(new AlertPublisher({ sns, topicArn: 'arn:aws:sns:us-east-1:111122223333:alerts' }), { sent });
}

const VIA = { channel: 'eventbridge' as const, logFile: null };

/** Two alerts per event, as two detectors would raise them. */
const twoAlertsPerEvent: IngestDeps['detect'] = async (r) =>
  ['drift.one', 'drift.two'].map((rule) =>
    sampleAlert({ id: `${rule}:${r.data.event.eventId}`, rule, eventId: r.data.event.eventId, record: { shard: r.chain.shard, seq: r.chain.seq } }),
  );

async function outboxItems(a: TestArchive): Promise<Record<string, unknown>[]> {
  const out = await DynamoDBDocumentClient.from(a.ddb).send(new ScanCommand({ TableName: a.table }));
  return (out.Items ?? []).filter((i) => String(i.pk).startsWith('outbox#'));
}

describe('alert outbox on moto: one pointer item per batch, published at least once', () => {
  const moto = useMoto();

  it('keeps a committed batch of alerts in the outbox when publishing fails, and the sweep sends them from the archive', async () => {
    const a = await createTestArchive(moto.target);
    const down = new AlertOutbox(a.ddb, a.table, recordingPublisher(new Set(['drift.one:evt-1'])), a.source);
    const errors: unknown[] = [];
    const deps: IngestDeps = { ...a.commitDeps(), detect: twoAlertsPerEvent, alerts: down, onError: (_s, e) => void errors.push(e) };
    const { response, stats } = await ingestSqsBatch(deps, sqsEvent(['evt-1', 'evt-2'].map((id) => sqsMessage(apiCallEnvelope({ eventId: id }), 'api'))));
    // The events and their alerts are committed: publishing is after the commit and does not fail the messages.
    expect(response.batchItemFailures).toEqual([]);
    expect(stats.alerts).toBe(4);
    expect(errors).toHaveLength(1);

    // One item for the batch, pointing at the alert records, with no payload.
    const items = await outboxItems(a);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ pk: 'outbox#batch#api', outbox: 'pending' });
    expect(items[0].payload).toBeUndefined();
    expect(items[0].seqs).toEqual([3, 4, 5, 6]);

    const up = recordingPublisher();
    const sweeper = new AlertOutbox(a.ddb, a.table, up, a.source);
    expect((await sweeper.pending()).map((x) => x.id)).toEqual(['drift.one:evt-1', 'drift.two:evt-1', 'drift.one:evt-2', 'drift.two:evt-2']);
    expect(await sweeper.sweep()).toBe(4);
    expect(up.sent).toEqual(['drift.one:evt-1', 'drift.two:evt-1', 'drift.one:evt-2', 'drift.two:evt-2']);
    expect(await outboxItems(a)).toEqual([]);
    expect(await sweeper.sweep()).toBe(0);
  });

  it('after a partial publish, keeps only the alerts not yet sent', async () => {
    const a = await createTestArchive(moto.target);
    const first = recordingPublisher(new Set(['drift.two:evt-9']));
    const deps: IngestDeps = { ...a.commitDeps(), detect: twoAlertsPerEvent, alerts: new AlertOutbox(a.ddb, a.table, first, a.source) };
    await ingestSqsBatch(deps, sqsEvent([sqsMessage(apiCallEnvelope({ eventId: 'evt-9' }), 'api')]));
    expect(first.sent).toEqual(['drift.one:evt-9']);
    const up = recordingPublisher();
    await new AlertOutbox(a.ddb, a.table, up, a.source).sweep();
    expect(up.sent).toEqual(['drift.two:evt-9']);
  });

  it('deletes the batch item once every alert is out, and writes none for a batch without alerts', async () => {
    const a = await createTestArchive(moto.target);
    const up = recordingPublisher();
    const withAlerts: IngestDeps = { ...a.commitDeps(), detect: twoAlertsPerEvent, alerts: new AlertOutbox(a.ddb, a.table, up, a.source) };
    await ingestSqsBatch(withAlerts, sqsEvent([sqsMessage(apiCallEnvelope({ eventId: 'evt-a' }), 'api')]));
    await ingestSqsBatch({ ...withAlerts, detect: async () => [] }, sqsEvent([sqsMessage(apiCallEnvelope({ eventId: 'evt-b' }), 'api')]));
    expect(up.sent).toEqual(['drift.one:evt-a', 'drift.two:evt-a']);
    expect(await outboxItems(a)).toEqual([]);
  });

  it('puts alert records the caller commits (reconcile, watchdog) in the same outbox item as detector alerts', async () => {
    const a = await createTestArchive(moto.target);
    const own = sampleAlert({ id: 'silence:watchdog:2026-11-27T03', kind: 'silence' });
    const out = await commitDrafts({ ...a.commitDeps(), detect: twoAlertsPerEvent }, 'api', [
      draftFromMessage(JSON.stringify(apiCallEnvelope({ eventId: 'evt-own' })), VIA).draft,
      { kind: 'alert', id: alertRecordId(own), data: { alert: own } },
    ]);
    // Genesis 0, the event 1, the caller's alert 2, the detector alerts 3 and 4: all three alerts in one item.
    expect(out.alertBatches).toEqual([{ shard: 'api', firstSeq: 0, alerts: [own, ...out.alerts], seqs: [2, 3, 4] }]);
    const items = await outboxItems(a);
    expect(items).toMatchObject([{ pk: 'outbox#batch#api', seqs: [2, 3, 4] }]);
    const up = recordingPublisher();
    expect(await new AlertOutbox(a.ddb, a.table, up, a.source).sweep()).toBe(3);
    expect(up.sent).toEqual([own.id, 'drift.one:evt-own', 'drift.two:evt-own']);
    expect(await outboxItems(a)).toEqual([]);
  });

  it('sweeps past an item it cannot read, sends the rest, and then says what failed', async () => {
    const a = await createTestArchive(moto.target);
    const doc = DynamoDBDocumentClient.from(a.ddb);
    await doc.send(
      new PutCommand({
        TableName: a.table,
        Item: { pk: 'outbox#batch#ec2', sk: '0000000000000007', outbox: 'pending', key: 'records/shard=ec2/dt=2026-11-27/missing.ndjson', seqs: [8] },
      }),
    );
    const down = new AlertOutbox(a.ddb, a.table, recordingPublisher(new Set(['drift.one:evt-z'])), a.source);
    await ingestSqsBatch({ ...a.commitDeps(), detect: twoAlertsPerEvent, alerts: down }, sqsEvent([sqsMessage(apiCallEnvelope({ eventId: 'evt-z' }), 'api')]));
    const up = recordingPublisher();
    await expect(new AlertOutbox(a.ddb, a.table, up, a.source).sweep()).rejects.toThrow(/1 outbox item\(s\) not published \(2 alerts were\)/);
    expect(up.sent).toEqual(['drift.one:evt-z', 'drift.two:evt-z']);
    expect((await outboxItems(a)).map((i) => i.pk)).toEqual(['outbox#batch#ec2']);
  });

  // Issue 19, defect 10: a sweep overlapping ingest's own delivery published every alert twice.
  it('publishes each alert once when the sweep and the delivery race on the same outbox item', async () => {
    const a = await createTestArchive(moto.target);
    const parked = new AlertOutbox(
      a.ddb,
      a.table,
      recordingPublisher(new Set(['drift.one:evt-r1', 'drift.two:evt-r1', 'drift.one:evt-r2', 'drift.two:evt-r2'])),
      a.source,
    );
    const deps: IngestDeps = { ...a.commitDeps(), detect: twoAlertsPerEvent, alerts: parked, onError: () => {} };
    await ingestSqsBatch(deps, sqsEvent(['evt-r1', 'evt-r2'].map((id) => sqsMessage(apiCallEnvelope({ eventId: id }), 'api'))));
    expect(await outboxItems(a)).toHaveLength(1);
    // Two publishers reach the same pending item at once (a seal's sweep and a redelivered batch's delivery).
    const publisher = recordingPublisher();
    const sweepers = [new AlertOutbox(a.ddb, a.table, publisher, a.source), new AlertOutbox(a.ddb, a.table, publisher, a.source)];
    const sent = await Promise.all(sweepers.map((o) => o.sweep()));
    expect(sent.sort()).toEqual([0, 4]);
    expect(publisher.sent.sort()).toEqual(['drift.one:evt-r1', 'drift.one:evt-r2', 'drift.two:evt-r1', 'drift.two:evt-r2']);
    expect(await outboxItems(a)).toEqual([]);
  });

  it('takes over an item whose publisher died holding it, once the claim has expired', async () => {
    const a = await createTestArchive(moto.target);
    let now = Date.parse('2026-12-01T00:00:00Z');
    const clock = () => now;
    const down = recordingPublisher(new Set(['drift.one:evt-d1']));
    const deps: IngestDeps = {
      ...a.commitDeps(),
      detect: twoAlertsPerEvent,
      alerts: new AlertOutbox(a.ddb, a.table, down, a.source, clock),
      onError: () => {},
    };
    await ingestSqsBatch(deps, sqsEvent([sqsMessage(apiCallEnvelope({ eventId: 'evt-d1' }), 'api')]));
    // A publisher claims the item and dies before publishing anything.
    const [item] = await outboxItems(a);
    await DynamoDBDocumentClient.from(a.ddb).send(
      new UpdateCommand({
        TableName: a.table,
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: 'SET claimedUntil = :u',
        ExpressionAttributeValues: { ':u': now + OUTBOX_CLAIM_MS },
      }),
    );
    const later = recordingPublisher();
    const sweeper = new AlertOutbox(a.ddb, a.table, later, a.source, clock);
    expect(await sweeper.sweep()).toBe(0);
    now += OUTBOX_CLAIM_MS + 1;
    expect(await sweeper.sweep()).toBe(2);
    expect(later.sent.sort()).toEqual(['drift.one:evt-d1', 'drift.two:evt-d1']);
  });
});
