import { describe, expect, it } from 'vitest';
import { isAlertCharge, isAlertRequest } from '../../bench/cost/alert-attribution';
import type { Charge } from '../../bench/cost/dynamo-units';
import { K } from '../../lib/contract/table-keys';
import { OUTBOX_ATTRIBUTE, OUTBOX_INDEX } from '../../lib/construct/table-schema';

const charge = (c: Partial<Charge>): Charge => ({ index: null, wru: 1, rru: 0, pk: null, ...c });

describe('alert attribution', () => {
  it('counts suppression windows, outbox items and alert id claims as alert handling', () => {
    expect(isAlertCharge(charge({ pk: K.suppression('f').pk }))).toBe(true);
    expect(isAlertCharge(charge({ pk: 'outbox#batch#s1' }))).toBe(true);
    expect(isAlertCharge(charge({ pk: K.id('alert:123').pk }))).toBe(true);
    expect(isAlertCharge(charge({ pk: 'x', before: { [OUTBOX_ATTRIBUTE]: 'pending' } }))).toBe(true);
    expect(isAlertCharge(charge({ index: OUTBOX_INDEX, pk: null }))).toBe(true);
  });

  it('leaves chain heads, batch logs and event id claims with the events', () => {
    for (const pk of [K.head('s1').pk, K.batchPk('s1'), K.id('evt-1').pk, 'res#i-1']) expect(isAlertCharge(charge({ pk }))).toBe(false);
  });

  it('gives a request to alerts only when every item it bills is an alert item, or it is an SNS publish', () => {
    const head = charge({ pk: K.head('s1').pk });
    const claim = charge({ pk: K.id('alert:1').pk });
    expect(isAlertRequest({ service: 'DynamoDB', operation: 'TransactWriteItems' }, [head, claim])).toBe(false);
    expect(isAlertRequest({ service: 'DynamoDB', operation: 'DeleteItem' }, [charge({ pk: 'outbox#batch#s1' })])).toBe(true);
    expect(isAlertRequest({ service: 'SNS', operation: 'Publish' }, [])).toBe(true);
    expect(isAlertRequest({ service: 'S3', operation: 'PutObject' }, [])).toBe(false);
  });
});
