/**
 * The deliveries of a cost run (bench/cost/e2e.ts), in arrival order: the
 * generated stream mapped onto the two lanes' batching in time (a staged
 * object per Firehose window, a log file once its five minutes are written),
 * for one account, for an organization, and the demo's attack sample. No AWS here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonObject } from '../../lib/core/json';
import { isCapturedApiCall } from '../../lib/core/normalize';
import { DEMO_TRAIL_LOGS_DIR, demoStateChanges, demoTrailLogs } from '../../lib/demo/demo-events';
import type { OrgDemo } from '../../lib/demo/org-demo';
import { rehome } from '../../lib/demo/organization';
import { cloudTrailEnvelope } from '../../lib/demo/replay';
import { EVENTS_PER_SECOND, READ_ONLY_SHARE, scaleEventId, scaleLogFiles, scaleTemplates } from '../../lib/demo/scale-events';
import { eventsPer, FIREHOSE_BUFFER_S, regroupTrailFiles, TRAIL_FILE_S, windows, type TrailFile } from './workload';

/** How the run maps to time: generated events per second, events per Firehose window, records per log file. */
export interface RunRate {
  eventsPerSecond: number;
  eventsPerWindow: number;
  recordsPerTrailFile: number;
  readOnlyShare: number | null;
}

/** The batches of the run, in arrival order: a staged object per Firehose window, a log file once its five minutes are written. */
export type Delivery = { lane: 'live'; envelopes: JsonObject[] } | { lane: 'trail'; file: TrailFile };

export function scaleDeliveries(n: number): { deliveries: Iterable<Delivery>; rate: RunRate } {
  const templates = scaleTemplates(demoTrailLogs());
  const perWindow = eventsPer(FIREHOSE_BUFFER_S, EVENTS_PER_SECOND);
  const perFile = eventsPer(TRAIL_FILE_S, EVENTS_PER_SECOND);
  function* deliveries(): Generator<Delivery> {
    let index = 0;
    for (const file of regroupTrailFiles(scaleLogFiles(templates, n), perFile)) {
      // The live lane saw these events as they happened, window by window; CloudTrail's file comes after.
      for (const w of windows(file.records, perWindow)) {
        const envelopes: JsonObject[] = [];
        for (const r of w) {
          if (isCapturedApiCall(r, { captureReadOnly: false })) envelopes.push(cloudTrailEnvelope(r, scaleEventId(2e9 + index)));
          index++;
        }
        yield { lane: 'live', envelopes };
      }
      yield { lane: 'trail', file };
    }
  }
  return {
    deliveries: deliveries(),
    rate: { eventsPerSecond: EVENTS_PER_SECOND, eventsPerWindow: perWindow, recordsPerTrailFile: perFile, readOnlyShare: READ_ONLY_SHARE },
  };
}

/**
 * The full-capture stream over an organization: generated event i belongs to
 * account i mod ORG_ACCOUNTS (re-homed), every account writes its own log file
 * per five minutes, and the audit account's one Firehose stream takes the
 * audit account's captured events and what the members forward.
 */
export function orgDeliveries(n: number, org: OrgDemo): { deliveries: Iterable<Delivery>; rate: RunRate } {
  const templates = scaleTemplates(demoTrailLogs());
  const perWindow = eventsPer(FIREHOSE_BUFFER_S, EVENTS_PER_SECOND);
  const perFile = eventsPer(TRAIL_FILE_S, EVENTS_PER_SECOND);
  const accounts = org.org.accounts.map((a) => a.id);
  function* deliveries(): Generator<Delivery> {
    let index = 0;
    for (const file of regroupTrailFiles(scaleLogFiles(templates, n), perFile)) {
      // The templates come from many source accounts: each record is re-homed from its own.
      const records = file.records.map((r, i) => rehome(r, String(r.recipientAccountId), accounts[(index + i) % accounts.length]));
      for (const w of windows(records, perWindow)) {
        const envelopes: JsonObject[] = [];
        for (const r of w) {
          if (isCapturedApiCall(r, { captureReadOnly: false })) envelopes.push(cloudTrailEnvelope(r, scaleEventId(2e9 + index)));
          index++;
        }
        yield { lane: 'live', envelopes };
      }
      // One file per account for the same five minutes, laid out as the organization trail writes it.
      for (const account of accounts) {
        const own = records.filter((r) => r.recipientAccountId === account);
        if (own.length === 0) continue;
        const f = org.scaleFile({ key: file.key, records: own }, accounts.indexOf(account));
        yield { lane: 'trail', file: { key: f.key, body: f.body, records: f.records } };
      }
    }
  }
  return {
    deliveries: deliveries(),
    rate: {
      eventsPerSecond: EVENTS_PER_SECOND,
      eventsPerWindow: perWindow,
      recordsPerTrailFile: Math.round(perFile / accounts.length),
      readOnlyShare: READ_ONLY_SHARE,
    },
  };
}

export function attackDeliveries(): { deliveries: Delivery[]; events: number } {
  const logs = demoTrailLogs();
  const envelopes: JsonObject[] = [];
  let i = 0;
  for (const f of logs)
    for (const r of f.records) if (isCapturedApiCall(r, { captureReadOnly: false })) envelopes.push(cloudTrailEnvelope(r, scaleEventId(3e9 + i++)));
  const states = demoStateChanges();
  envelopes.push(...states);
  const files = logs.map((f) => ({ key: f.key, body: readFileSync(join(DEMO_TRAIL_LOGS_DIR, ...f.key.split('/'))), records: f.records }));
  return {
    // The sample is a few hundred events over minutes: one staged object, then the log files.
    deliveries: [{ lane: 'live', envelopes }, ...files.map((file) => ({ lane: 'trail' as const, file }))],
    events: files.reduce((s, f) => s + f.records.length, 0) + states.length,
  };
}
