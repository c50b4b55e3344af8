import { describe, expect, it } from 'vitest';
import { applyUpdate, inIndex, INDEX_TABLE_SCHEMA, itemKey } from '../../bench/cost/table-model';
import { OUTBOX_ATTRIBUTE, OUTBOX_INDEX } from '../../lib/construct/table-schema';

describe('table model', () => {
  it("describes immutrail's sparse outbox index", () => {
    const outbox = INDEX_TABLE_SCHEMA.indexes.find((i) => i.name === OUTBOX_INDEX)!;
    expect(outbox.hashKey).toBe(OUTBOX_ATTRIBUTE);
    expect(outbox.projection).toBe('ALL');
    expect(inIndex({ pk: 'a', sk: 's', [OUTBOX_ATTRIBUTE]: 'pending' }, outbox)).toBe(true);
    expect(inIndex({ pk: 'a', sk: 's' }, outbox)).toBe(false);
    expect(inIndex({ pk: 'a', [OUTBOX_ATTRIBUTE]: 'pending' }, outbox)).toBe(false);
  });

  it('keys marshalled and plain items alike', () => {
    expect(itemKey('t', { pk: { S: 'a' }, sk: { S: 's' } }, INDEX_TABLE_SCHEMA)).toBe(itemKey('t', { pk: 'a', sk: 's', x: 1 }, INDEX_TABLE_SCHEMA));
    expect(itemKey('t', { pk: 'a', sk: 's' }, INDEX_TABLE_SCHEMA)).not.toBe(itemKey('u', { pk: 'a', sk: 's' }, INDEX_TABLE_SCHEMA));
  });

  it('applies SET with placeholders and REMOVE exactly, names resolved', () => {
    const { after, exact } = applyUpdate(
      { pk: 'a', old: 1, gone: 'x' },
      {
        UpdateExpression: 'SET #v = :v, w = :w REMOVE gone',
        ExpressionAttributeNames: { '#v': 'value' },
        ExpressionAttributeValues: { ':v': 'hello', ':w': { N: '2' } },
      },
    );
    expect(exact).toBe(true);
    expect(after).toEqual({ pk: 'a', old: 1, value: 'hello', w: { N: '2' } });
  });

  it('approximates, and says so, what it does not evaluate', () => {
    const fn = applyUpdate({ pk: 'a' }, { UpdateExpression: 'SET n = if_not_exists(n, :zero), m = :m', ExpressionAttributeValues: { ':zero': 0, ':m': 'x' } });
    expect(fn.exact).toBe(false);
    expect(fn.after).toEqual({ pk: 'a', n: 0, m: 'x' });
    expect(applyUpdate({ pk: 'a', m: { b: 1 } }, { UpdateExpression: 'REMOVE m.b' }).exact).toBe(false);
    expect(applyUpdate({ pk: 'a' }, { UpdateExpression: 'ADD c :one', ExpressionAttributeValues: { ':one': 1 } })).toEqual({
      after: { pk: 'a', c: 1 },
      exact: false,
    });
  });
});
