import type { RequestObservation } from './request-counter';
import { K } from '../../lib/contract/table-keys';
import { OUTBOX_ATTRIBUTE, OUTBOX_INDEX } from '../../lib/construct/table-schema';
import type { Charge } from './dynamo-units';

/**
 * How the request counter tells alert handling from the rest: what only exists
 * because an alert was raised. Anything else (the commit's head and batch-log
 * writes, the batch object, which alert records make a little larger) is
 * counted as the cost of the events themselves.
 */
export interface AlertMarkers {
  /** Partition key prefixes of items that exist only for alerts. */
  pkPrefixes: readonly string[];
  /** An item carrying this attribute is an alert waiting in the outbox. */
  attribute: string;
  /** Reads and writes of this index are the outbox's. */
  index: string;
  /** Whole requests that are alert handling ("Service.Operation"). */
  requests: readonly string[];
}

export const ALERT_MARKERS: AlertMarkers = {
  pkPrefixes: [
    K.suppression('').pk, // suppression windows
    K.id('alert:').pk, // alert records' id claims (lib/commit/commit.ts, alertRecordId)
    K.outboxBatch('', 0).pk, // one outbox pointer per committed batch with alerts (lib/aws/alert-outbox.ts)
  ],
  attribute: OUTBOX_ATTRIBUTE,
  index: OUTBOX_INDEX,
  requests: ['SNS.Publish'],
};

export function isAlertCharge(c: Charge, m: AlertMarkers = ALERT_MARKERS): boolean {
  if (c.index === m.index) return true;
  if (c.pk !== null && m.pkPrefixes.some((p) => c.pk!.startsWith(p))) return true;
  return c.before?.[m.attribute] !== undefined || c.after?.[m.attribute] !== undefined;
}

/**
 * A request is alert handling when it is an alert request (SNS Publish) or
 * every item it bills is an alert's. A request that mixes both (the commit
 * transaction) would happen without alerts: its latency stays with the events.
 */
export function isAlertRequest(o: Pick<RequestObservation, 'service' | 'operation'>, charges: readonly Charge[], m: AlertMarkers = ALERT_MARKERS): boolean {
  if (m.requests.includes(`${o.service}.${o.operation}`)) return true;
  return charges.length > 0 && charges.every((c) => isAlertCharge(c, m));
}
