import { describe, expect, it } from 'vitest';
import { at, isObject, objectAt, stringAt } from '../../../lib/core/json-access';
import type { JsonValue } from '../../../lib/core/json';

const event: JsonValue = { detail: { userIdentity: { arn: 'arn:aws:iam::1:user/a', type: '' }, items: [1], n: 3 } };

describe('JSON accessors', () => {
  it('isObject: objects only, not null, arrays or scalars', () => {
    expect([{}, { a: 1 }].map((v) => isObject(v))).toEqual([true, true]);
    expect([null, [], 'x', 1, true, undefined].map((v) => isObject(v))).toEqual([false, false, false, false, false, false]);
  });

  it('at follows a path and stops at the first missing or non-object step', () => {
    expect(at(event, 'detail', 'userIdentity', 'arn')).toBe('arn:aws:iam::1:user/a');
    expect(at(event, 'detail', 'items')).toEqual([1]);
    expect(at(event, 'detail', 'items', '0')).toBeUndefined();
    expect(at(event, 'detail', 'n', 'x')).toBeUndefined();
    expect(at(event)).toBe(event);
  });

  it('stringAt: a non-empty string, else null', () => {
    expect(stringAt(event, 'detail', 'userIdentity', 'arn')).toBe('arn:aws:iam::1:user/a');
    expect(stringAt(event, 'detail', 'userIdentity', 'type')).toBeNull();
    expect(stringAt(event, 'detail', 'n')).toBeNull();
    expect(stringAt(null, 'detail')).toBeNull();
  });

  it('objectAt: an object, else null (also from null)', () => {
    expect(objectAt(event, 'detail', 'userIdentity')).toEqual({ arn: 'arn:aws:iam::1:user/a', type: '' });
    expect(objectAt(event, 'detail', 'items')).toBeNull();
    expect(objectAt(null, 'detail')).toBeNull();
  });
});
