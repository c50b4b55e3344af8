import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import type { RequestObservation } from '../../bench/cost/request-counter';
import { DynamoBilling, sumUnits, type Charge } from '../../bench/cost/dynamo-units';
import type { TableSchema } from '../../bench/cost/table-model';

const T = 'idx';
const schema: TableSchema = { partitionKey: 'pk', sortKey: 'sk', indexes: [{ name: 'pending', hashKey: 'flag', rangeKey: 'sk', projection: 'ALL' }] };
const pad = (bytes: number) => 'x'.repeat(bytes);
const obs = (operation: string, input: unknown, extra: Partial<RequestObservation> = {}): RequestObservation => ({
  service: 'DynamoDB',
  operation,
  input,
  output: {},
  ...extra,
});
const table = (cs: Charge[]) => sumUnits(cs.filter((c) => c.index === null));
const index = (cs: Charge[]) => sumUnits(cs.filter((c) => c.index === 'pending'));

describe('DynamoBilling: table writes', () => {
  it('bills a put per started KB, whether the request is marshalled or plain', () => {
    const item = { pk: 'a', sk: 's', body: pad(1500) };
    const plain = new DynamoBilling(schema).charges(obs('PutItem', { TableName: T, Item: item }));
    const wire = new DynamoBilling(schema).charges(obs('PutItem', { TableName: T, Item: marshall(item) }));
    expect(table(plain).wru).toBe(2);
    expect(table(wire).wru).toBe(2);
  });

  it('bills an update by the larger of the stored item and the updated one', () => {
    const b = new DynamoBilling(schema);
    b.charges(obs('PutItem', { TableName: T, Item: { pk: 'a', sk: 's', big: pad(2500), n: 1 } }));
    const shrink = b.charges(obs('UpdateItem', { TableName: T, Key: { pk: 'a', sk: 's' }, UpdateExpression: 'REMOVE big' }));
    expect(table(shrink).wru).toBe(3);
    // The ledger now holds the shrunk item: the next update is small.
    const small = b.charges(
      obs('UpdateItem', { TableName: T, Key: { pk: 'a', sk: 's' }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': 2 } }),
    );
    expect(table(small).wru).toBe(1);
    expect(small[0].estimate).toBeUndefined();
  });

  it('bills a delete by the deleted item, and flags a delete of an item the run never wrote', () => {
    const b = new DynamoBilling(schema);
    b.charges(obs('PutItem', { TableName: T, Item: { pk: 'a', sk: 's', big: pad(3000) } }));
    expect(table(b.charges(obs('DeleteItem', { TableName: T, Key: { pk: 'a', sk: 's' } }))).wru).toBe(3);
    const again = b.charges(obs('DeleteItem', { TableName: T, Key: { pk: 'a', sk: 's' } }));
    expect(table(again).wru).toBe(1);
    expect(again[0].estimate).toBe('stored-item-unknown');
  });

  it('doubles transactional writes', () => {
    const cs = new DynamoBilling(schema).charges(
      obs('TransactWriteItems', {
        TransactItems: [{ Put: { TableName: T, Item: { pk: 'a', sk: 's', v: pad(1100) } } }, { Put: { TableName: T, Item: { pk: 'b', sk: 's' } } }],
      }),
    );
    expect(table(cs).wru).toBe(2 * 2 + 2 * 1);
  });

  it('skips unprocessed batch items: not billed, not stored', () => {
    const b = new DynamoBilling(schema);
    const put = (pk: string) => ({ PutRequest: { Item: { pk, sk: 's', flag: 'p' } } });
    const cs = b.charges({
      service: 'DynamoDB',
      operation: 'BatchWriteItem',
      input: { RequestItems: { [T]: [put('a'), put('b')] } },
      output: { UnprocessedItems: { [T]: [put('b')] } },
    });
    expect(table(cs).wru).toBe(1);
    expect(index(cs).wru).toBe(1);
    expect(b.charges(obs('DeleteItem', { TableName: T, Key: { pk: 'b', sk: 's' } }))[0].estimate).toBe('stored-item-unknown');
  });

  it('bills a failed conditional write but does not store its item', () => {
    const b = new DynamoBilling(schema);
    const failed = b.charges(
      obs(
        'PutItem',
        { TableName: T, Item: { pk: 'a', sk: 's', flag: 'p' }, ConditionExpression: 'attribute_not_exists(pk)' },
        { output: undefined, error: new Error('ConditionalCheckFailed') },
      ),
    );
    expect(table(failed).wru).toBe(1);
    expect(index(failed).wru).toBe(0);
    expect(b.ledger.size).toBe(0);
  });
});

describe('DynamoBilling: global secondary index writes', () => {
  it('bills an item entering the index again, for the index, and nothing for an item outside it', () => {
    const b = new DynamoBilling(schema);
    const inside = b.charges(obs('PutItem', { TableName: T, Item: { pk: 'a', sk: 's', flag: 'p', v: pad(1200) } }));
    expect(index(inside).wru).toBe(table(inside).wru);
    expect(index(inside).wru).toBe(2);
    expect(index(b.charges(obs('PutItem', { TableName: T, Item: { pk: 'b', sk: 's', v: pad(1200) } }))).wru).toBe(0);
  });

  it('bills an index write once inside a transaction', () => {
    const cs = new DynamoBilling(schema).charges(
      obs('TransactWriteItems', { TransactItems: [{ Put: { TableName: T, Item: { pk: 'a', sk: 's', flag: 'p' } } }] }),
    );
    expect(table(cs).wru).toBe(2);
    expect(index(cs).wru).toBe(1);
  });

  it('bills the index when an item leaves it, by delete or by removing the key attribute', () => {
    const b = new DynamoBilling(schema);
    b.charges(obs('PutItem', { TableName: T, Item: { pk: 'a', sk: 's', flag: 'p' } }));
    b.charges(obs('PutItem', { TableName: T, Item: { pk: 'b', sk: 's', flag: 'p' } }));
    b.charges(obs('PutItem', { TableName: T, Item: { pk: 'c', sk: 's' } }));
    expect(index(b.charges(obs('DeleteItem', { TableName: T, Key: { pk: 'a', sk: 's' } }))).wru).toBe(1);
    expect(index(b.charges(obs('UpdateItem', { TableName: T, Key: { pk: 'b', sk: 's' }, UpdateExpression: 'REMOVE flag' }))).wru).toBe(1);
    expect(index(b.charges(obs('DeleteItem', { TableName: T, Key: { pk: 'c', sk: 's' } }))).wru).toBe(0);
  });

  it('bills two index writes when the index key value changes, one when only a projected attribute does', () => {
    const b = new DynamoBilling(schema);
    b.charges(obs('PutItem', { TableName: T, Item: { pk: 'a', sk: 's', flag: 'p', n: 1 } }));
    const rekey = b.charges(
      obs('UpdateItem', {
        TableName: T,
        Key: { pk: 'a', sk: 's' },
        UpdateExpression: 'SET #f = :f',
        ExpressionAttributeNames: { '#f': 'flag' },
        ExpressionAttributeValues: { ':f': 'q' },
      }),
    );
    expect(index(rekey).wru).toBe(2);
    const projected = b.charges(
      obs('UpdateItem', { TableName: T, Key: { pk: 'a', sk: 's' }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': 2 } }),
    );
    expect(index(projected).wru).toBe(1);
    const unchanged = b.charges(
      obs('UpdateItem', { TableName: T, Key: { pk: 'a', sk: 's' }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': 2 } }),
    );
    expect(index(unchanged).wru).toBe(0);
  });

  it('sizes a KEYS_ONLY index entry by its keys, not the whole item', () => {
    const keysOnly: TableSchema = { ...schema, indexes: [{ ...schema.indexes[0], projection: 'KEYS_ONLY' }] };
    const cs = new DynamoBilling(keysOnly).charges(obs('PutItem', { TableName: T, Item: { pk: 'a', sk: 's', flag: 'p', v: pad(3000) } }));
    expect(table(cs).wru).toBe(3);
    expect(index(cs).wru).toBe(1);
  });
});

describe('DynamoBilling: reads', () => {
  it('bills a missing key of a BatchGetItem the minimum, and halves eventually consistent reads', () => {
    const b = new DynamoBilling(schema);
    const cs = b.charges({
      service: 'DynamoDB',
      operation: 'BatchGetItem',
      input: {
        RequestItems: {
          [T]: {
            Keys: [
              { pk: 'a', sk: 's' },
              { pk: 'b', sk: 's' },
            ],
            ConsistentRead: true,
          },
        },
      },
      output: { Responses: { [T]: [marshall({ pk: 'a', sk: 's', v: pad(5000) })] } },
    });
    expect(sumUnits(cs).rru).toBe(2 + 1);
    expect(cs.map((c) => c.pk).sort()).toEqual(['a', 'b']);
    const get = b.charges({ service: 'DynamoDB', operation: 'GetItem', input: { TableName: T, Key: { pk: 'a', sk: 's' } }, output: {} });
    expect(sumUnits(get).rru).toBe(0.5);
  });

  it('tells which partition or index a query read', () => {
    const cs = new DynamoBilling(schema).charges({
      service: 'DynamoDB',
      operation: 'Query',
      input: {
        TableName: T,
        IndexName: 'pending',
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': 'pk' },
        ExpressionAttributeValues: { ':p': { S: 'outbox#1' } },
      },
      output: { Items: [] },
    });
    expect(cs).toEqual([expect.objectContaining({ index: 'pending', pk: 'outbox#1', rru: 0.5 })]);
  });
});
