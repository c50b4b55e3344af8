import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { JsonObject } from '../core/json';
import type { TrailLogFile } from './demo-events';

/** Read-only share of the generated management events: most of a real trail is Describe/List/Get. */
export const READ_ONLY_SHARE = 0.85;
/** Records per generated log file (CloudTrail writes a file per region about every five minutes). */
export const RECORDS_PER_FILE = 1000;
/** Events per second of the generated activity: the load at which events per object is measured. */
export const EVENTS_PER_SECOND = 100;
/** Write calls the scale run repeats: routine changes that a pipeline makes every day. */
const ROUTINE_WRITES = new Set(['StartInstances', 'StopInstances', 'CreateTags', 'ModifyInstanceAttribute', 'AuthorizeSecurityGroupIngress']);
/** The pipeline role the routine writes are made by (a deployer in the demo's configuration). */
const PIPELINE_ROLE = (account: string) => `arn:aws:iam::${account}:role/deploy-pipeline`;

/** A UUID-shaped id, unique per index and stable from run to run. */
export function scaleEventId(index: number): string {
  const h = createHash('sha256').update(`immutrail-scale-${index}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function asPipeline(record: JsonObject): JsonObject {
  const account = String(record.recipientAccountId ?? '111122223333');
  const role = PIPELINE_ROLE(account);
  return {
    ...record,
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAPIPELINE:deploy',
      arn: `arn:aws:sts::${account}:assumed-role/deploy-pipeline/deploy`,
      accountId: account,
      sessionContext: { sessionIssuer: { type: 'Role', principalId: 'AROAPIPELINE', arn: role, accountId: account, userName: 'deploy-pipeline' }, attributes: { mfaAuthenticated: 'false' } },
    },
  };
}

export interface ScaleTemplates {
  readOnly: JsonObject[];
  writes: JsonObject[];
}

/** Templates from the demo's real log files: its read-only calls, and its routine writes made by the pipeline. */
export function scaleTemplates(logs: readonly TrailLogFile[]): ScaleTemplates {
  const records = logs.flatMap((f) => f.records);
  return {
    readOnly: records.filter((r) => r.readOnly === true && r.eventType === 'AwsApiCall'),
    writes: records.filter((r) => r.readOnly === false && ROUTINE_WRITES.has(String(r.eventName))).map(asPipeline),
  };
}

const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * `total` management events as CloudTrail log files, generated one file at a
 * time (so 100,000 events never sit in memory at once): READ_ONLY_SHARE of
 * them read-only, the rest routine writes, EVENTS_PER_SECOND apart, each with
 * its own eventID and time. Keys follow CloudTrail's layout.
 */
export function* scaleLogFiles(t: ScaleTemplates, total: number, start = Date.UTC(2026, 10, 20, 9, 0, 0)): Generator<{ key: string; body: Buffer; records: JsonObject[] }> {
  if (t.readOnly.length === 0 || t.writes.length === 0) throw new Error('the demo events hold no read-only or no routine write call to repeat');
  for (let first = 0; first < total; first += RECORDS_PER_FILE) {
    const records: JsonObject[] = [];
    for (let i = first; i < Math.min(total, first + RECORDS_PER_FILE); i++) {
      // Deterministic interleaving: READ_ONLY_SHARE of every 20 events are read-only.
      const write = i % 20 >= Math.round(20 * READ_ONLY_SHARE);
      const pool = write ? t.writes : t.readOnly;
      const template = pool[i % pool.length];
      const time = stamp(start + Math.floor((i * 1000) / EVENTS_PER_SECOND));
      records.push({ ...template, eventID: scaleEventId(i), eventTime: time, requestID: scaleEventId(i + 1e9) });
    }
    const account = String(records[0].recipientAccountId ?? '111122223333');
    const region = String(records[0].awsRegion ?? 'us-east-1');
    const fileTime = String(records[0].eventTime);
    const day = fileTime.slice(0, 10).replace(/-/g, '/');
    const compact = fileTime.replace(/[-:]/g, '').slice(0, 13);
    const key = `AWSLogs/${account}/CloudTrail/${region}/${day}/${account}_CloudTrail_${region}_${compact}Z_scale${String(first / RECORDS_PER_FILE).padStart(6, '0')}.json.gz`;
    yield { key, body: gzipSync(JSON.stringify({ Records: records })), records };
  }
}
