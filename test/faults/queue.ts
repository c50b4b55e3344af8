import type { SQSRecord } from 'aws-lambda';
import type { Rng } from './inject';

/**
 * The objects queue as Lambda's event source sees it, in memory: a standard
 * queue (any order, at least once), a visibility timeout that hides a message
 * while an invocation holds it, redelivery of what the invocation reported as
 * failed (or of everything, when the invocation crashed), ApproximateReceiveCount,
 * and a dead-letter queue after `maxReceives` receives. Deletes can be lost (at
 * `lostDeleteRate`): the message comes back, as when DeleteMessageBatch fails.
 */
export interface QueuedMessage {
  id: string;
  body: string;
  receives: number;
  visibleAt: number;
  inFlight: boolean;
  /** What the message carries, for the audit (event ids) and the report. */
  events: readonly string[];
  label: string;
}

export interface QueueOptions {
  rng: Rng;
  maxReceives?: number;
  /** Wall-clock ms a failed message stays hidden (the visibility timeout, scaled down). */
  redeliveryMs?: () => number;
  lostDeleteRate?: number;
  onLostDelete?: () => void;
}

let serial = 0;

export class EmulatedQueue {
  private readonly live = new Map<string, QueuedMessage>();
  readonly dlq: QueuedMessage[] = [];
  readonly stats = { sent: 0, received: 0, deleted: 0, redelivered: 0, lostDeletes: 0, dlq: 0 };
  private readonly maxReceives: number;

  constructor(private readonly opts: QueueOptions) {
    this.maxReceives = opts.maxReceives ?? 5;
  }

  send(body: string, events: readonly string[], label: string, delayMs = 0): void {
    const id = `m-${++serial}-${label}`;
    this.live.set(id, { id, body, receives: 0, visibleAt: Date.now() + delayMs, inFlight: false, events, label });
    this.stats.sent++;
  }

  /** Messages neither deleted nor dead-lettered. */
  get pending(): number {
    return this.live.size;
  }

  /** Up to `max` visible messages in random order; those received `maxReceives` times already go to the DLQ instead. */
  receive(max: number): SQSRecord[] {
    const now = Date.now();
    const visible = [...this.live.values()].filter((m) => !m.inFlight && m.visibleAt <= now);
    this.opts.rng.shuffle(visible);
    const out: SQSRecord[] = [];
    for (const m of visible) {
      if (out.length >= max) break;
      if (m.receives >= this.maxReceives) {
        this.live.delete(m.id);
        this.dlq.push(m);
        this.stats.dlq++;
        continue;
      }
      m.receives++;
      m.inFlight = true;
      this.stats.received++;
      if (m.receives > 1) this.stats.redelivered++;
      out.push(record(m));
    }
    return out;
  }

  /** After an invocation: delete what succeeded (unless the delete is lost), make the rest visible again later. */
  settle(records: readonly SQSRecord[], failed: ReadonlySet<string>, crashed: boolean): void {
    const now = Date.now();
    for (const r of records) {
      const m = this.live.get(r.messageId);
      if (!m) continue;
      m.inFlight = false;
      if (!crashed && !failed.has(r.messageId)) {
        if (this.opts.rng.chance(this.opts.lostDeleteRate ?? 0)) {
          this.stats.lostDeletes++;
          this.opts.onLostDelete?.();
        } else {
          this.live.delete(m.id);
          this.stats.deleted++;
          continue;
        }
      }
      m.visibleAt = now + (this.opts.redeliveryMs?.() ?? 50);
    }
  }

  /** SQS "start DLQ redrive": the dead letters go back to the source queue with a fresh receive count. */
  redrive(): QueuedMessage[] {
    const moved = this.dlq.splice(0);
    for (const m of moved) this.live.set(m.id, { ...m, receives: 0, inFlight: false, visibleAt: Date.now() });
    return moved;
  }
}

function record(m: QueuedMessage): SQSRecord {
  return {
    messageId: m.id,
    receiptHandle: `rh-${m.id}-${m.receives}`,
    body: m.body,
    attributes: { ApproximateReceiveCount: String(m.receives), SentTimestamp: '0', SenderId: 'events', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:immutrail-objects',
    awsRegion: 'us-east-1',
  };
}
