import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { JsonObject } from '../core/json';
import { isCapturedApiCall } from '../core/normalize';

/** How CloudTrail hands a record to EventBridge: the record becomes the detail of an envelope. */
export function cloudTrailEntry(record: JsonObject): PutEventsRequestEntry {
  const eventSource = typeof record.eventSource === 'string' ? record.eventSource : 'unknown.amazonaws.com';
  const detailType =
    record.eventType === 'AwsConsoleSignIn' ? 'AWS Console Sign In via CloudTrail' : 'AWS API Call via CloudTrail';
  const time = typeof record.eventTime === 'string' && !Number.isNaN(Date.parse(record.eventTime)) ? new Date(record.eventTime) : undefined;
  return { Source: `aws.${eventSource.split('.')[0]}`, DetailType: detailType, Detail: JSON.stringify(record), Time: time };
}

/** The envelope EventBridge delivers for a CloudTrail record (what its targets receive). */
export function cloudTrailEnvelope(record: JsonObject, id: string): JsonObject {
  const entry = cloudTrailEntry(record);
  return {
    version: '0',
    id,
    'detail-type': entry.DetailType!,
    source: entry.Source!,
    account: typeof record.recipientAccountId === 'string' ? record.recipientAccountId : '000000000000',
    time: typeof record.eventTime === 'string' ? record.eventTime : new Date().toISOString(),
    region: typeof record.awsRegion === 'string' ? record.awsRegion : 'us-east-1',
    resources: [],
    detail: record,
  };
}

export function envelopeEntry(e: JsonObject): PutEventsRequestEntry {
  const time = typeof e.time === 'string' && !Number.isNaN(Date.parse(e.time)) ? new Date(e.time) : undefined;
  return {
    Source: String(e.source),
    DetailType: String(e['detail-type']),
    Detail: JSON.stringify(e.detail ?? {}),
    Resources: Array.isArray(e.resources) ? e.resources.map(String) : [],
    Time: time,
  };
}

/** Which captured API calls EventBridge "misses" in the demo: every seventh, recovered later from the log files. */
export function missedByEventBridge(index: number): boolean {
  return index % 7 === 3;
}

export interface ReplayPlan {
  entries: PutEventsRequestEntry[];
  captured: number;
  heldBack: number;
  readOnly: number;
}

export function planReplay(records: readonly JsonObject[], envelopes: readonly JsonObject[]): ReplayPlan {
  const plan: ReplayPlan = { entries: [], captured: 0, heldBack: 0, readOnly: 0 };
  let i = 0;
  for (const r of records) {
    if (!isCapturedApiCall(r, { captureReadOnly: false })) {
      plan.readOnly++;
      continue;
    }
    plan.captured++;
    if (missedByEventBridge(i++)) plan.heldBack++;
    else plan.entries.push(cloudTrailEntry(r));
  }
  plan.entries.push(...envelopes.map(envelopeEntry));
  return plan;
}

export async function putEvents(eb: EventBridgeClient, entries: readonly PutEventsRequestEntry[], onProgress?: (done: number) => void): Promise<number> {
  let failed = 0;
  for (let i = 0; i < entries.length; i += 10) {
    const out = await eb.send(new PutEventsCommand({ Entries: entries.slice(i, i + 10) }));
    failed += out.FailedEntryCount ?? 0;
    onProgress?.(Math.min(i + 10, entries.length));
  }
  return failed;
}
