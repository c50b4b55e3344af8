import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Simulated time for the org-scale run: nothing sleeps. Latencies are timers
 * on a virtual clock, and the CPU that real code spends between two of them
 * (measured with process.cpuUsage) moves that worker's later timers on by as
 * much, so a simulated invocation lasts its modelled round trips plus the CPU
 * its real commit path took. A worker is one Lambda invocation with one vCPU:
 * its concurrent shard commits share that CPU (busyUntil).
 */
export interface Worker {
  busyUntil: number;
  cpuMs: number;
}

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
  worker: Worker | undefined;
}

const drain = () => new Promise<void>((r) => setImmediate(r));

export class VirtualClock {
  private timers: Timer[] = [];
  private seq = 0;
  private created: Timer[] | null = null;
  private readonly current = new AsyncLocalStorage<Worker>();

  constructor(public now = 0) {}

  /** Resolves after `ms` of simulated time (plus the CPU the caller's worker spends before it). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.push(this.now + Math.max(0, ms), resolve, this.current.getStore()));
  }

  /** Runs `fn` at simulated time `at`, outside any worker (producers: Firehose, CloudTrail). */
  at(at: number, fn: () => void): void {
    this.push(Math.max(at, this.now), fn, undefined);
  }

  /** Runs `fn` as a worker whose CPU is charged to its own timers. */
  runAs<T>(worker: Worker, fn: () => Promise<T>): Promise<T> {
    return this.current.run(worker, fn);
  }

  /** The worker whose code is running, if any. */
  worker(): Worker | undefined {
    return this.current.getStore();
  }

  pending(): number {
    return this.timers.length;
  }

  /**
   * Fires timers in time order until none is left before `end`. Each timer's
   * continuation runs alone until it waits again, so the CPU measured across
   * it is that worker's.
   */
  async runUntil(end: number): Promise<void> {
    await drain();
    for (;;) {
      const next = this.popBefore(end);
      if (!next) break;
      this.now = next.at;
      this.created = [];
      const c0 = process.cpuUsage();
      next.fire();
      await drain();
      const c = process.cpuUsage(c0);
      this.charge(next.worker, (c.user + c.system) / 1000);
      this.created = null;
    }
    this.now = Math.max(this.now, end);
  }

  /** The worker's CPU runs after what it already had to do; its new timers wait for it. */
  private charge(worker: Worker | undefined, cpuMs: number): void {
    if (!worker) return;
    const start = Math.max(this.now, worker.busyUntil);
    worker.busyUntil = start + cpuMs;
    worker.cpuMs += cpuMs;
    const shift = worker.busyUntil - this.now;
    for (const t of this.created ?? []) if (t.worker === worker) t.at += shift;
  }

  private push(at: number, fire: () => void, worker: Worker | undefined): void {
    const t = { at, seq: this.seq++, fire, worker };
    this.timers.push(t);
    this.created?.push(t);
  }

  private popBefore(end: number): Timer | null {
    if (this.timers.length === 0) return null;
    let best = 0;
    for (let i = 1; i < this.timers.length; i++) {
      const a = this.timers[i];
      const b = this.timers[best];
      if (a.at < b.at || (a.at === b.at && a.seq < b.seq)) best = i;
    }
    if (this.timers[best].at >= end) return null;
    const [t] = this.timers.splice(best, 1);
    return t;
  }
}

/**
 * The commit path backs off with setTimeout after a lost compare-and-swap:
 * while the simulation runs, those waits are simulated too.
 */
export async function withVirtualTimeouts<T>(clock: VirtualClock, fn: () => Promise<T>): Promise<T> {
  const real = globalThis.setTimeout;
  globalThis.setTimeout = ((cb: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    void clock.sleep(ms ?? 0).then(() => cb(...args));
    return 0;
  }) as unknown as typeof setTimeout;
  try {
    return await fn();
  } finally {
    globalThis.setTimeout = real;
  }
}
