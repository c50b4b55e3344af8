import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { K } from '../../../lib/contract/table-keys';
import { DynamoSuppressionStore, UnprocessedItemsError } from '../../../lib/aws/suppression-store';

const doc = mockClient(DynamoDBDocumentClient);
const TABLE = 'index';
const store = () => new DynamoSuppressionStore(new DynamoDBClient({ region: 'us-east-1' }), TABLE);

/** Runs `work` while advancing fake time, so the backoff between sends takes no real time. */
async function withFakeTime<T>(work: Promise<T>): Promise<T> {
  let settled = false;
  const done = work.finally(() => (settled = true));
  done.catch(() => {}); // the caller awaits it below; this only keeps a rejection during the loop from counting as unhandled
  while (!settled) await vi.advanceTimersByTimeAsync(1000);
  return done;
}

describe('DynamoSuppressionStore: keys and items DynamoDB leaves unprocessed', () => {
  beforeEach(() => {
    doc.reset();
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('sends the unprocessed keys again and keeps what every send returned', async () => {
    const a = K.suppression('fp-a');
    const b = K.suppression('fp-b');
    doc
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { [TABLE]: [{ ...a, lastSentAt: '2026-01-01T00:00:00.000Z', suppressed: 1 }] }, UnprocessedKeys: { [TABLE]: { Keys: [b] } } })
      .resolvesOnce({ Responses: { [TABLE]: [{ ...b, lastSentAt: '2026-01-02T00:00:00.000Z', suppressed: 2 }] } });
    const found = await withFakeTime(store().getMany(['fp-a', 'fp-b']));
    expect([...found.keys()].sort()).toEqual(['fp-a', 'fp-b']);
    const sent = doc.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems![TABLE].Keys);
    expect(sent).toEqual([[a, b], [b]]);
  });

  it('gives up after 8 sends that all leave items unprocessed', async () => {
    doc.on(BatchWriteCommand).callsFake((input) => ({ UnprocessedItems: input.RequestItems }));
    const states = new Map([['fp-a', { lastSentAt: '2026-01-01T00:00:00.000Z', suppressed: 0 }]]);
    const run = withFakeTime(store().putMany(states));
    await expect(run).rejects.toBeInstanceOf(UnprocessedItemsError);
    await expect(run).rejects.toMatchObject({ code: 'UNPROCESSED_ITEMS' });
    expect(doc.commandCalls(BatchWriteCommand)).toHaveLength(8);
  });
});
