import { cpus } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BlockJob, BlockResult } from './merkle-blocks';
import { runRequest, transferables, unpackScan, type PoolReply, type PoolRequest } from './pool-jobs';
import type { ScanFlags } from './scan-batch';
import { LocalReader, type LocalObject, type ScanResult } from './scan-local';

export type { LocalObject, ScanResult } from './scan-local';

export interface BatchScanner {
  /** Scans one object already read (e.g. from S3). */
  scan(job: { key: string; body: Buffer; flags?: ScanFlags }): Promise<ScanResult>;
  /** Reads and scans a run of local files as one job; results in the order given. */
  scanFiles(objects: readonly LocalObject[], flags?: ScanFlags): Promise<ScanResult[]>;
  /** Merkle blocks (chain-roots.ts), spread over the pool. */
  blocks(jobs: BlockJob[]): Promise<BlockResult[]>;
  close(): Promise<void>;
}

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;
type Request = Distribute<PoolRequest>;

/**
 * A pool of `workers` threads, the calling thread helping when `helpInline`
 * (between replies it takes queued jobs itself). With no workers everything
 * runs on the calling thread, one job per turn of the event loop.
 */
function pool(workerCount: number, helpInline: boolean): BatchScanner {
  return new ScanPool(workerCount, helpInline);
}

/**
 * The pool's bookkeeping: requests queued, replies awaited by id, jobs in
 * flight per worker. Jobs go to the least loaded worker, up to IN_FLIGHT each.
 */
class ScanPool implements BatchScanner {
  private readonly workers: Worker[];
  private readonly reader = new LocalReader();
  private readonly pending = new Map<number, { resolve: (r: PoolReply) => void; reject: (e: Error) => void }>();
  private readonly load: number[];
  private readonly queue: PoolRequest[] = [];
  private nextId = 0;
  private failed: Error | null = null;
  private helping = false;

  constructor(
    workerCount: number,
    private readonly helpInline: boolean,
  ) {
    this.workers = Array.from({ length: workerCount }, () => adoptOrStart());
    this.load = this.workers.map(() => 0);
    this.workers.forEach((w, i) => {
      w.on('message', (reply: PoolReply) => {
        this.load[i]--;
        this.pump();
        this.settle(reply);
      });
      w.on('error', (err: Error) => this.failAll(err));
    });
  }

  async scan({ key, body, flags = {} }: { key: string; body: Buffer; flags?: ScanFlags }): Promise<ScanResult> {
    return scanReply(await this.submit({ kind: 'body', key, body, flags }))[0];
  }

  async scanFiles(objects: readonly LocalObject[], flags: ScanFlags = {}): Promise<ScanResult[]> {
    return scanReply(
      await this.submit({ kind: 'files', keys: objects.map((o) => o.key), paths: objects.map((o) => o.path), sizes: objects.map((o) => o.size), flags }),
    );
  }

  async blocks(jobs: BlockJob[]): Promise<BlockResult[]> {
    // A request per block, so that the blocks spread over the pool.
    const replies = await Promise.all(jobs.map((j) => this.submit({ kind: 'blocks', jobs: [j] })));
    return replies.map((r) => (r as Extract<PoolReply, { kind: 'blocks' }>).results[0]);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private submit(req: Request): Promise<PoolReply> {
    return new Promise<PoolReply>((resolve, reject) => {
      if (this.failed) return reject(this.failed);
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.queue.push({ ...req, id } as PoolRequest);
      this.pump();
    });
  }

  private settle(reply: PoolReply): void {
    const p = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (!p) return;
    if (reply.kind === 'error') p.reject(new Error(reply.error));
    else p.resolve(reply);
  }

  private pump(): void {
    this.toWorkers();
    this.schedule();
  }

  private toWorkers(): void {
    const { workers, load, queue } = this;
    while (queue.length > 0 && workers.length > 0) {
      let i = 0;
      for (let j = 1; j < workers.length; j++) if (load[j] < load[i]) i = j;
      if (load[i] >= IN_FLIGHT) return;
      const req = queue.shift()!;
      load[i]++;
      workers[i].postMessage(req, transferables(req));
    }
  }

  // The calling thread takes a job only when every worker has its fill, and yields between jobs so that replies are handled.
  private schedule(): void {
    if (!this.helping && this.queue.length > 0 && (this.helpInline || this.workers.length === 0)) {
      this.helping = true;
      setImmediate(() => this.help());
    }
  }

  private help(): void {
    this.helping = false;
    this.toWorkers();
    const req = this.queue.shift();
    if (!req) return;
    this.settle(runRequest(req, this.reader));
    this.schedule();
  }

  private failAll(err: Error): void {
    this.failed = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.queue.length = 0;
  }
}

const scanReply = (r: PoolReply) => unpackScan(r as Extract<PoolReply, { kind: 'scan' }>);

// From source (tests, `npm run immutrail`) the worker is TypeScript, loaded through tsx (a dev dependency);
// compiled (the installed package), it is the scan-worker.js beside this file and tsx is not needed.
const FROM_SOURCE = __filename.endsWith('.ts');
const WORKER_SOURCE = `
require('tsx/cjs/api').register();
require(require('node:worker_threads').workerData.module);
`;
const startWorker = (): Worker =>
  FROM_SOURCE
    ? new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { module: join(__dirname, 'scan-worker.ts') } })
    : new Worker(join(__dirname, 'scan-worker.js'), { execArgv: [] });

/** Workers started ahead of need (prestartWorkers), waiting for the next pool to adopt them. */
const waiting: Worker[] = [];

/**
 * Starts the default pool's worker threads now, for a caller that is about to
 * scan a local archive: a worker takes about 80 ms to boot, which the caller's
 * own start-up (loading modules, reading keys and checkpoints) then hides. The
 * next pool adopts them. Until then they do not keep the process alive, and
 * those that no pool adopts within a few seconds (a small archive is scanned
 * inline) are stopped.
 */
export function prestartWorkers(threads = defaultThreads(), adoptWithinMs = 5_000): void {
  while (waiting.length < threads) {
    const w = startWorker();
    w.unref();
    waiting.push(w);
    const drop = () => {
      const i = waiting.indexOf(w);
      if (i >= 0) waiting.splice(i, 1);
      return i >= 0;
    };
    // A worker that fails or stops before it is adopted is simply not adopted.
    w.once('error', drop).once('exit', drop);
    setTimeout(() => drop() && void w.terminate(), adoptWithinMs).unref();
  }
}

/** Workers started ahead and not adopted yet. */
export const prestartedWorkers = (): number => waiting.length;

function adoptOrStart(): Worker {
  const w = waiting.shift();
  if (!w) return startWorker();
  w.removeAllListeners('error').removeAllListeners('exit');
  w.ref();
  return w;
}

const defaultThreads = () => Math.max(1, Math.min(cpus().length - 1, 8));

// Jobs queued per worker: one running and two waiting, so a worker never idles while the main thread is busy with a job of its own.
const IN_FLIGHT = 3;

/** Everything on the calling thread: for small archives and for environments without worker support. */
export function inlineScanner(): BatchScanner {
  return pool(0, true);
}

/**
 * Reading and hashing are the verifier's CPU cost: this spreads them over
 * worker threads and the calling thread, which otherwise would only wait (by
 * default one worker fewer than cores). A job is a run of objects, one message
 * each way, and each object's leaf hashes come back in the buffer the scan
 * wrote them to, transferred rather than copied, so the threads spend their
 * time scanning, not messaging.
 */
export function workerScanner(threads = defaultThreads()): BatchScanner {
  return pool(threads, true);
}
