import { RequestCounter } from './request-counter';
import { isAlertCharge, isAlertRequest } from './alert-attribution';
import { GSI_PREFIX, type CapacityUnits, type DynamoBilling } from './dynamo-units';
import type { InvocationProfile } from './lambda-duration';

/** What a phase of the e2e run tallies besides request counts (e2e.ts, PhaseCounts). */
export interface PhaseTally {
  dynamo: Record<string, CapacityUnits>;
  alerts: { requests: Record<string, number>; dynamo: CapacityUnits };
  estimates: Record<string, number>;
  putBytes: number;
}

export const newTally = (): PhaseTally => ({ dynamo: {}, alerts: { requests: {}, dynamo: { wru: 0, rru: 0 } }, estimates: {}, putBytes: 0 });
const bump = (m: Record<string, number>, k: string, n = 1) => (m[k] = (m[k] ?? 0) + n);

/**
 * A phase's counter: besides counting requests, it prices DynamoDB requests
 * item by item (one DynamoBilling for the whole run, so an update is sized
 * from an earlier phase's put), tells alert handling apart, and adds each
 * request to the handler invocation in progress, if any.
 */
export function phaseCounter(billing: DynamoBilling, t: PhaseTally, invocation: () => InvocationProfile | null): RequestCounter {
  return new RequestCounter((o) => {
    const name = `${o.service}.${o.operation}`;
    const charges = o.service === 'DynamoDB' ? billing.charges(o) : [];
    for (const c of charges) {
      // Index writes get their own entry; a query of an index stays with its operation (reads cost the same).
      const indexWrite = c.index !== null && c.wru > 0;
      const sum = (t.dynamo[indexWrite ? `${GSI_PREFIX}${c.index}` : o.operation] ??= { wru: 0, rru: 0 });
      sum.wru += c.wru;
      sum.rru += c.rru;
      if (isAlertCharge(c)) {
        t.alerts.dynamo.wru += c.wru;
        t.alerts.dynamo.rru += c.rru;
      }
      if (c.estimate) bump(t.estimates, `${o.operation}: ${c.estimate}`);
    }
    const alert = isAlertRequest(o, charges);
    if (alert) bump(t.alerts.requests, name);
    const inv = invocation();
    if (inv) {
      bump(inv.requests, name);
      if (alert) bump(inv.alertRequests, name);
    }
    if (o.service === 'S3' && o.operation === 'PutObject' && !o.error) {
      const body = (o.input as { Body?: Uint8Array | string }).Body;
      t.putBytes += typeof body === 'string' ? Buffer.byteLength(body) : (body?.length ?? 0);
    }
  });
}
