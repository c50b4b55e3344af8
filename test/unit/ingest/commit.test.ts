import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ArchiveWriter, ObjectExistsError } from '../../../lib/aws/archive-writer';
import { ChainStore, CommitConflictError } from '../../../lib/aws/chain-store';
import { buildBatch, emptyHead, genesisDraft } from '../../../lib/core/chain';
import { idDigest } from '../../../lib/core/id-claims';
import { commitDrafts } from '../../../lib/commit/commit';
import { draftFromMessage } from '../../../lib/commit/drafts';
import { ingestSqsBatch, retryingDetector } from '../../../lib/ingest/sqs-batch';
import { apiCallEnvelope, sqsEvent, sqsMessage } from '../../support/events';
import { sampleAlert } from '../detect/helpers';

// The stores talk through the document client, so that is what is mocked (every instance).
const ddbMock = mockClient(DynamoDBDocumentClient);
const s3Mock = mockClient(S3Client);
const via = { channel: 'eventbridge' as const, logFile: null };
const draft = (id: string) => draftFromMessage(JSON.stringify(apiCallEnvelope({ eventId: id })), via).draft;

function deps() {
  return {
    store: new ChainStore(new DynamoDBClient({ region: 'us-east-1' }), 'index'),
    archive: new ArchiveWriter(new S3Client({ region: 'us-east-1' }), { bucket: 'archive', retentionDays: 30 }),
    origin: 'immutrail.test',
  };
}

const headItem = (seq: number, hash: string, frontier: { size: number; hashes: string[] }) => ({ Item: { pk: 'head#api', sk: 'head', seq, hash, frontier } });

describe('commit path (aws-sdk-client-mock)', () => {
  beforeEach(() => {
    ddbMock.reset();
    s3Mock.reset();
  });

  it('skips ids the index already holds (durable dedup, however old the first delivery)', async () => {
    // The id set of the events' hour already holds 'old', from a commit long ago.
    ddbMock.on(QueryCommand).resolves({ Items: [{ pk: 'ids#api#2026-11-20T10', sk: '0000000000000007', d: idDigest('old') }] });
    const existing = buildBatch(emptyHead('api'), [genesisDraft('api', 'o')], new Date());
    ddbMock.on(GetCommand).resolves(headItem(0, existing.newHead.hash, existing.newHead.frontier));
    ddbMock.on(TransactWriteCommand).resolves({});
    s3Mock.on(PutObjectCommand).resolves({});
    const out = await commitDrafts(deps(), 'api', [draft('old'), draft('new'), draft('new')]);
    expect(out.duplicates).toBe(2);
    expect(out.committed.map((r) => r.chain.id)).toEqual(['new']);
    const tx = ddbMock.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems!;
    // head CAS on the old head, the batch log entry, one id-set item for the events' hour holding 'new' alone
    expect(tx[0].Put!.ConditionExpression).toBe('#seq = :seq AND #hash = :hash');
    expect(tx[0].Put!.ExpressionAttributeValues).toEqual({ ':seq': 0, ':hash': existing.newHead.hash });
    const idSets = tx.filter((t) => String(t.Put?.Item?.pk).startsWith('ids#'));
    expect(idSets.map((t) => [t.Put!.Item!.pk, t.Put!.Item!.sk])).toEqual([['ids#api#2026-11-20T10', '0000000000000001']]);
    expect(Buffer.from(idSets[0].Put!.Item!.d as Uint8Array).equals(idDigest('new'))).toBe(true);
    expect(tx).toHaveLength(3);
    const put = s3Mock.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(put.IfNoneMatch).toBe('*');
    expect(put.ObjectLockMode).toBe('COMPLIANCE');
  });

  it('starts a new shard with its genesis record and claims the head with attribute_not_exists', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});
    s3Mock.on(PutObjectCommand).resolves({});
    const out = await commitDrafts(deps(), 'api', [draft('a')]);
    expect(out.committed.map((r) => [r.chain.kind, r.chain.seq])).toEqual([
      ['genesis', 0],
      ['event', 1],
    ]);
    const tx = ddbMock.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems!;
    expect(tx[0].Put!.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(tx.some((t) => t.Put?.Item?.pk === 'shards' && t.Put.Item.sk === 'api')).toBe(true);
  });

  it('rebuilds on the new head after losing the compare-and-swap, leaving the first object as an orphan', async () => {
    const g = buildBatch(emptyHead('api'), [genesisDraft('api', 'o')], new Date());
    const other = buildBatch(g.newHead, [draft('someone-else')], new Date());
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock
      .on(GetCommand)
      .resolvesOnce(headItem(0, g.newHead.hash, g.newHead.frontier))
      .resolves(headItem(1, other.newHead.hash, other.newHead.frontier));
    ddbMock
      .on(TransactWriteCommand)
      .rejectsOnce(
        new TransactionCanceledException({
          message: 'cancelled',
          $metadata: {},
          CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }],
        }),
      )
      .resolves({});
    s3Mock.on(PutObjectCommand).resolves({});
    const out = await commitDrafts(deps(), 'api', [draft('mine')]);
    expect(out.conflicts).toBe(1);
    expect(out.committed.map((r) => [r.chain.id, r.chain.seq, r.chain.prev])).toEqual([['mine', 2, other.newHead.hash]]);
    const keys = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/0000000000000001-0000000000000001/);
    expect(keys[1]).toMatch(/0000000000000002-0000000000000002/);
  });

  it('gives up after maxAttempts conflicts so the messages are redelivered, never dropped', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock.on(GetCommand).resolves({});
    ddbMock
      .on(TransactWriteCommand)
      .rejects(new TransactionCanceledException({ message: 'x', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }));
    s3Mock.on(PutObjectCommand).resolves({});
    await expect(commitDrafts({ ...deps(), maxAttempts: 3 }, 'api', [draft('a')])).rejects.toBeInstanceOf(CommitConflictError);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(3);
  });

  it('treats a 412 on its own identical bytes as written, and refuses a different object at the key', async () => {
    const batch = buildBatch(emptyHead('api'), [genesisDraft('api', 'o')], new Date());
    const precondition = new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } });
    // The writer only reads the body through the SDK's transformToByteArray.
    const body = (b: Buffer) => ({ transformToByteArray: async () => new Uint8Array(b) }) as never;
    s3Mock.on(PutObjectCommand).rejects(precondition);
    s3Mock
      .on(GetObjectCommand)
      .resolvesOnce({ Body: body(batch.body) })
      .resolvesOnce({ Body: body(Buffer.from('forged\n')) });
    const writer = deps().archive;
    await expect(writer.putBatch(batch)).resolves.toBeUndefined();
    await expect(writer.putBatch(batch)).rejects.toBeInstanceOf(ObjectExistsError);
  });

  it('fails a shard while a detector throws, then commits without it from the third delivery on', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});
    s3Mock.on(PutObjectCommand).resolves({});
    const broken = {
      ...deps(),
      detect: async () => {
        throw new Error('attestation table unreachable');
      },
      alerts: { deliver: async () => {} },
    };
    const msg = sqsMessage(apiCallEnvelope({ eventId: 'x' }), 'api');
    const first = await ingestSqsBatch(broken, sqsEvent([msg]));
    expect(first.response.batchItemFailures).toEqual([{ itemIdentifier: msg.messageId }]);
    const third = await ingestSqsBatch(broken, sqsEvent([{ ...msg, attributes: { ...msg.attributes, ApproximateReceiveCount: '3' } }]));
    expect(third.response.batchItemFailures).toEqual([]);
    expect(third.stats).toMatchObject({ committed: 1, detectorFailures: 1 });
  });
});

// Issue 19, defect 7: a throttled AWS read inside a detector committed events without their alerts from the third delivery.
describe('detectors and AWS errors', () => {
  it('retries a detector that hits a throttled AWS call, and the alert is committed on the first delivery', async () => {
    let calls = 0;
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    const detect = retryingDetector(
      async () => {
        if (++calls < 3) throw throttled;
        return [];
      },
      4,
      1,
    );
    await expect(detect({} as never)).resolves.toEqual([]);
    expect(calls).toBe(3);
  });

  it('ingest commits an event with its alert on the first delivery when the detector is throttled twice first', async () => {
    ddbMock.reset();
    s3Mock.reset();
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});
    s3Mock.on(PutObjectCommand).resolves({});
    let calls = 0;
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    const detect = async (r: { data: { event: { eventId: string } }; chain: { shard: string; seq: number } }) => {
      if (++calls <= 2) throw throttled;
      return [sampleAlert({ id: `drift.x:${r.data.event.eventId}`, eventId: r.data.event.eventId, record: { shard: r.chain.shard, seq: r.chain.seq } })];
    };
    const out = await ingestSqsBatch(
      { ...deps(), detect: detect as never, alerts: { deliver: async () => {} } },
      sqsEvent([sqsMessage(apiCallEnvelope({ eventId: 'throttled' }), 'api')]),
    );
    expect(out.response.batchItemFailures).toEqual([]);
    expect(out.stats).toMatchObject({ committed: 1, alerts: 1, detectorFailures: 0 });
  });

  it('does not retry a detector bug, and gives up on an AWS error after the set attempts', async () => {
    let bugs = 0;
    await expect(
      retryingDetector(
        async () => {
          bugs++;
          throw new TypeError('x is undefined');
        },
        4,
        1,
      )({} as never),
    ).rejects.toThrow('x is undefined');
    expect(bugs).toBe(1);
    let aws = 0;
    const down = Object.assign(new Error('Service unavailable'), { $metadata: { httpStatusCode: 503 } });
    await expect(
      retryingDetector(
        async () => {
          aws++;
          throw down;
        },
        3,
        1,
      )({} as never),
    ).rejects.toThrow('Service unavailable');
    expect(aws).toBe(3);
  });
});
