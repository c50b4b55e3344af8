import type { Meter } from './meter';
import type { OrgEvents, Stream } from './org-events';
import type { OrgLoad } from './load-model';
import type { VirtualClock } from './virtual-clock';

/** Firehose bills each record rounded up to 5 KB. */
export const FIREHOSE_BILLING_UNIT = 5 * 1024;
/** From an object's creation to its notice on the ingest queue (S3 -> EventBridge -> SQS): seconds, not measured. */
export const NOTICE_DELAY_MS = 1000;
/** From a member account's API call to the audit account's Firehose stream (EventBridge, cross-account). */
export const FORWARD_DELAY_MS = 500;

export interface Sink {
  put(key: string, body: Buffer, events?: number): void;
}

/**
 * The audit account's one Firehose stream: every member's forwarded writes
 * meet here and are staged as one object per window (or per 5 MiB).
 */
export function runFirehose(clock: VirtualClock, meter: Meter, load: OrgLoad, events: OrgEvents, fromSec: number, toSec: number, sink: Sink): void {
  let lines: string[] = [];
  let bytes = 0;
  let openedAt: number | null = null;
  let objects = 0;
  const flush = () => {
    if (lines.length === 0) return;
    const body = Buffer.from(`${lines.join('\n')}\n`);
    meter.add('firehose.objects');
    meter.add('firehose.objectRecords', lines.length);
    meter.tick('staged', 'live/');
    sink.put(`live/${String(objects++).padStart(8, '0')}`, body);
    lines = [];
    bytes = 0;
    openedAt = null;
  };
  const second = (sec: number) => {
    if (sec >= toSec) return;
    for (const line of events.liveLines(sec)) {
      const size = Buffer.byteLength(line) + 1;
      if (bytes + size > load.firehoseBufferBytes) flush();
      lines.push(line);
      bytes += size;
      meter.add('firehose.records');
      meter.add('firehose.bytes', size);
      meter.add('firehose.billedBytes', Math.ceil(size / FIREHOSE_BILLING_UNIT) * FIREHOSE_BILLING_UNIT);
      if (openedAt === null) {
        const opened = (openedAt = clock.now);
        clock.at(opened + load.firehoseWindowS * 1000, () => openedAt === opened && flush());
      }
    }
    clock.at((sec + 1) * 1000 + FORWARD_DELAY_MS, () => second(sec + 1));
  };
  clock.at(fromSec * 1000 + FORWARD_DELAY_MS, () => second(fromSec));
}

/**
 * CloudTrail's organization trail: a file per account and region every
 * interval, the streams' windows staggered over it, each delivered `lag`
 * after its window ends. Only files delivered in [0, toSec) are made.
 */
export function runTrail(clock: VirtualClock, meter: Meter, load: OrgLoad, events: OrgEvents, toSec: number, sink: Sink): void {
  const interval = load.trailFileIntervalS;
  const n = events.streams.length;
  events.streams.forEach((s: Stream, j: number) => {
    // The hot account (streams 0 and 1) delivers a third into the cycle: inside a full run's 300 s with
    // room to finish its long reconcile, outside a quick run's 60 s (the file cost probe covers it there).
    const offset = (((j + Math.round(n / 3)) % n) * interval) / n;
    const deliver = (end: number) => {
      const at = end + load.trailDeliveryLagS;
      if (at >= toSec) return;
      clock.at(at * 1000, () => {
        const file = events.trailFile(s, Math.floor(end - interval), Math.floor(end));
        meter.add('trail.files');
        meter.add('trail.events', file.events);
        meter.add('trail.rawBytes', file.rawBytes);
        meter.add('trail.gzBytes', file.body.length);
        sink.put(file.key, file.body, file.events);
        deliver(end + interval);
      });
    };
    // The first window ends so that its delivery falls at or after time 0.
    deliver(offset - load.trailDeliveryLagS);
  });
}
