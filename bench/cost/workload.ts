/**
 * Pure helpers of the cost run (bench/cost/e2e.ts): the workloads, how the
 * generated event stream maps onto the two lanes' batching in time, and what
 * Firehose bills per record. No AWS here.
 */
import { gzipSync } from 'node:zlib';
import type { JsonObject } from '../../lib/core/json';

/**
 * writes: the default capture (IMMUTRAIL_CAPTURE_READ_ONLY unset): the live lane carries the write
 *   calls, the trail lane re-delivers them (and its files' read-only records are skipped).
 * full: read-only calls captured too (IMMUTRAIL_CAPTURE_READ_ONLY=true): they come by the trail lane only.
 * attack: the demo's own trail logs (attack detonations, alert-heavy) through both lanes, full capture as the demo runs.
 * org: the full-capture stream spread over an organization of ORG_ACCOUNTS accounts (issue 14): one chain per
 *   account, the organization trail's files per account, member accounts forwarding only what the member stack
 *   forwards (billed as cross-account events), the trail bucket's notices straight to the queue.
 */
export const WORKLOADS = ['writes', 'full', 'attack', 'org'] as const;
export type Workload = (typeof WORKLOADS)[number];

/** Firehose's buffering window on the stack (lib/construct/live-stream.ts, the construct's default). */
export const FIREHOSE_BUFFER_S = 30;
/** Firehose's buffering size (LIVE_BUFFER_MIB in lib/construct/live-stream.ts). */
export const FIREHOSE_BUFFER_BYTES = 5 * 1024 * 1024;
/** CloudTrail delivers a log file about every five minutes (per account and region). */
export const TRAIL_FILE_S = 300;
/** Firehose bills ingestion in 5 KB increments per record (https://aws.amazon.com/firehose/pricing/). */
export const FIREHOSE_RECORD_INCREMENT_BYTES = 5 * 1024;

/** Bytes Firehose bills for one record: its size rounded up to the next 5 KB. */
export const firehoseBilledBytes = (recordBytes: number): number =>
  Math.max(1, Math.ceil(recordBytes / FIREHOSE_RECORD_INCREMENT_BYTES)) * FIREHOSE_RECORD_INCREMENT_BYTES;

/** Records per unit of time at a rate: how many generated events one Firehose window or one log file holds. */
export const eventsPer = (seconds: number, eventsPerSecond: number): number => Math.max(1, Math.round(seconds * eventsPerSecond));

export interface TrailFile {
  key: string;
  body: Buffer;
  records: JsonObject[];
}

/**
 * Regroups generated log files (scaleLogFiles writes 1,000 records, ten seconds
 * at 100 events/s) into files of `recordsPerFile`, as CloudTrail would write
 * them at that rate: one file per TRAIL_FILE_S. Each new file keeps the key of
 * the first file it takes records from (keys stay unique and parse as CloudTrail's).
 */
export function* regroupTrailFiles(files: Iterable<{ key: string; records: JsonObject[] }>, recordsPerFile: number): Generator<TrailFile> {
  let records: JsonObject[] = [];
  let key: string | null = null;
  const emit = (): TrailFile => {
    const out = { key: key!, body: gzipSync(JSON.stringify({ Records: records })), records };
    records = [];
    key = null;
    return out;
  };
  for (const f of files) {
    for (const r of f.records) {
      key ??= f.key;
      records.push(r);
      if (records.length >= recordsPerFile) yield emit();
    }
  }
  if (records.length > 0) yield emit();
}

/** Splits a sequence into windows of `size` (the last may be short). */
export function* windows<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let w: T[] = [];
  for (const x of items) {
    w.push(x);
    if (w.length >= size) {
      yield w;
      w = [];
    }
  }
  if (w.length > 0) yield w;
}

/** Median of a list of numbers (0 for none). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Accounts of the org workload: the audit account, the log-archive account and one workload account. */
export const ORG_ACCOUNTS = 3;
