import { describe, expect, it } from 'vitest';
import type { RequestCounter } from '../../bench/cost/request-counter';
import { DynamoBilling } from '../../bench/cost/dynamo-units';
import type { InvocationProfile } from '../../bench/cost/lambda-duration';
import { newTally, phaseCounter } from '../../bench/cost/phase-counter';
import { OUTBOX_INDEX } from '../../lib/construct/table-schema';

/** Sends one request through the counter's middleware, answered with `output`. */
async function send(counter: RequestCounter, client: string, command: string, input: unknown, output: unknown = {}): Promise<void> {
  await counter.middleware()(async () => ({ output }), { clientName: `${client}Client`, commandName: `${command}Command` })({ input });
}

describe('phase counter', () => {
  it('keeps index writes apart, index queries with their operation, and alert handling apart from the events', async () => {
    const tally = newTally();
    const counter = phaseCounter(new DynamoBilling(), tally, () => null);
    await send(counter, 'DynamoDB', 'TransactWriteItems', {
      TransactItems: [
        { Put: { TableName: 't', Item: { pk: 'head#s1', sk: 'head', seq: 3 } } },
        { Put: { TableName: 't', Item: { pk: 'outbox#batch#s1', sk: '0001', outbox: 'pending', seqs: [2] } } },
      ],
    });
    await send(
      counter,
      'DynamoDB',
      'Query',
      { TableName: 't', IndexName: OUTBOX_INDEX, KeyConditionExpression: 'outbox = :p', ExpressionAttributeValues: { ':p': 'pending' } },
      { Items: [] },
    );
    await send(counter, 'DynamoDB', 'DeleteItem', { TableName: 't', Key: { pk: 'outbox#batch#s1', sk: '0001' } });
    await send(counter, 'SNS', 'Publish', { TopicArn: 'arn', Message: 'm' });

    expect(tally.dynamo.TransactWriteItems).toEqual({ wru: 4, rru: 0 });
    expect(tally.dynamo[`GSI ${OUTBOX_INDEX}`]).toEqual({ wru: 2, rru: 0 });
    expect(tally.dynamo.Query).toEqual({ wru: 0, rru: 0.5 });
    // Alert items: the outbox put (2) and its index entry (1), the query of the outbox, the delete (1) and its index delete (1).
    expect(tally.alerts.dynamo).toEqual({ wru: 5, rru: 0.5 });
    expect(tally.alerts.requests).toEqual({ 'DynamoDB.Query': 1, 'DynamoDB.DeleteItem': 1, 'SNS.Publish': 1 });
    expect(tally.estimates).toEqual({});
  });

  it('adds requests to the invocation in progress only', async () => {
    const tally = newTally();
    let current: InvocationProfile | null = null;
    const counter = phaseCounter(new DynamoBilling(), tally, () => current);
    await send(counter, 'SQS', 'ReceiveMessage', {});
    current = { wallMs: 0, cpuMs: 0, shards: 1, requests: {}, alertRequests: {} };
    await send(counter, 'DynamoDB', 'GetItem', { TableName: 't', Key: { pk: 'supp#f', sk: 'supp' } });
    await send(counter, 'S3', 'PutObject', { Bucket: 'b', Key: 'k', Body: 'abc' });
    expect(current.requests).toEqual({ 'DynamoDB.GetItem': 1, 'S3.PutObject': 1 });
    expect(current.alertRequests).toEqual({ 'DynamoDB.GetItem': 1 });
    expect(tally.putBytes).toBe(3);
  });
});
