import type { SQSRecord } from 'aws-lambda';
import type { VirtualClock } from './virtual-clock';

/** What the ingest function's SQS event source does, in simulated time. */
export interface EventSourceSettings {
  batchSize: number;
  batchingWindowMs: number;
  maxConcurrency: number;
  /** Receive and invoke, before the handler starts (docs/DESIGN.md section 2.4: 40 ms p50). */
  invokeOverheadMs: number;
  /** Wall-clock epoch of simulated time 0 (SentTimestamp is wall-clock milliseconds). */
  epochMs: number;
}

export interface InvocationResult {
  failed: string[];
}

interface Waiting {
  record: SQSRecord;
  sentAt: number;
}

/**
 * The objects queue and Lambda's poller: a batch goes to the function when it
 * is full or its oldest message has waited the batching window, with at most
 * maxConcurrency invocations at once. Failed messages return after the
 * visibility timeout (beyond a short simulation, so they are counted).
 */
export class SimEventSource {
  private readonly queue: Waiting[] = [];
  private running = 0;
  private seq = 0;
  private scheduledAt = Infinity;
  readonly stats = { messages: 0, invocations: 0, failedMessages: 0, maxQueueAgeMs: 0, maxConcurrent: 0, busyMs: 0 };
  readonly durationsMs: number[] = [];
  private readonly workers: { cpuMs: number }[] = [];

  constructor(
    private readonly clock: VirtualClock,
    private readonly settings: EventSourceSettings,
    private readonly invoke: (records: SQSRecord[]) => Promise<InvocationResult>,
  ) {}

  send(body: string): void {
    const sentAt = this.clock.now;
    const record = {
      messageId: `m${this.seq++}`,
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(this.settings.epochMs + sentAt) },
    } as unknown as SQSRecord;
    this.queue.push({ record, sentAt });
    this.pump();
  }

  /** Messages waiting now, and how long the oldest has waited. */
  backlog(): { messages: number; oldestAgeMs: number } {
    return { messages: this.queue.length, oldestAgeMs: this.queue.length > 0 ? this.clock.now - this.queue[0].sentAt : 0 };
  }

  /** Counts start afresh (the end of a warm-up). */
  resetStats(): void {
    Object.assign(this.stats, { messages: 0, invocations: 0, failedMessages: 0, maxQueueAgeMs: 0, maxConcurrent: this.running, busyMs: 0 });
    this.durationsMs.length = 0;
    this.workers.length = 0;
  }

  /** Handler CPU measured over the invocations started since the last reset. */
  cpuMs(): number {
    return this.workers.reduce((a, w) => a + w.cpuMs, 0);
  }

  private pump(): void {
    const { batchSize, batchingWindowMs, maxConcurrency } = this.settings;
    while (this.running < maxConcurrency && this.queue.length > 0) {
      const due = this.queue[0].sentAt + batchingWindowMs;
      if (this.queue.length < batchSize && this.clock.now < due) {
        if (due < this.scheduledAt) {
          this.scheduledAt = due;
          this.clock.at(due, () => {
            this.scheduledAt = Infinity;
            this.pump();
          });
        }
        return;
      }
      this.start(this.queue.splice(0, batchSize));
    }
  }

  private start(batch: Waiting[]): void {
    const now = this.clock.now;
    for (const w of batch) this.stats.maxQueueAgeMs = Math.max(this.stats.maxQueueAgeMs, now - w.sentAt);
    this.running++;
    this.stats.maxConcurrent = Math.max(this.stats.maxConcurrent, this.running);
    this.stats.invocations++;
    this.stats.messages += batch.length;
    const worker = { busyUntil: now, cpuMs: 0 };
    this.workers.push(worker);
    void this.clock.runAs(worker, async () => {
      await this.clock.sleep(this.settings.invokeOverheadMs);
      const began = this.clock.now;
      const out = await this.invoke(batch.map((w) => w.record));
      // The handler ends when its last CPU work has run.
      const ended = Math.max(this.clock.now, worker.busyUntil);
      this.durationsMs.push(ended - began);
      this.stats.busyMs += ended - now;
      this.stats.failedMessages += out.failed.length;
      await this.clock.sleep(ended - this.clock.now);
      this.running--;
      this.pump();
    });
  }
}
