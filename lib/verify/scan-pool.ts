import { cpus } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Problem } from './problems';
import { scanBatch, type ScannedBatch } from './scan-batch';

type ScanResult = ScannedBatch | Problem[];

export interface BatchScanner {
  /** Scans bytes already read, or reads `path` itself (a local copy), off the main thread when it can. */
  scan(job: { key: string; body?: Buffer; path?: string; collectIds?: boolean }): Promise<ScanResult>;
  close(): Promise<void>;
}

/** Scans on the calling thread: for small archives and for environments without worker support. */
export const inlineScanner: BatchScanner = {
  async scan({ key, body, path, collectIds }) {
    const bytes = body ?? (await import('node:fs')).readFileSync(path!);
    return scanBatch(key, bytes, { collectIds });
  },
  async close() {},
};

// Workers load the TypeScript scanner through tsx (a dependency), as the CLI does.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
require('tsx/cjs/api').register();
const { scanBatch } = require(workerData.module);
parentPort.on('message', ({ id, key, body, path, collectIds }) => {
  try {
    const bytes = body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : readFileSync(path);
    const r = scanBatch(key, bytes, { collectIds });
    if (Array.isArray(r)) return parentPort.postMessage({ id, r });
    // Own the leaves in a fresh ArrayBuffer (small Buffers share a pool) and hand it over without a copy.
    const leaves = new Uint8Array(r.leaves.length);
    leaves.set(r.leaves);
    r.leaves = leaves;
    parentPort.postMessage({ id, r }, [leaves.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err) });
  }
});
`;

/**
 * Hashing is the verifier's CPU cost: this spreads it (and, for a local copy,
 * the file reads) over worker threads, one per core. The leaf hashes come back
 * as transferred buffers, so nothing large is copied between threads.
 */
export function workerScanner(threads = Math.max(1, Math.min(cpus().length, 8))): BatchScanner {
  const workers = Array.from(
    { length: threads },
    () => new Worker(WORKER_SOURCE, { eval: true, workerData: { module: join(__dirname, 'scan-batch.ts') } }),
  );
  const pending = new Map<number, { resolve: (r: ScanResult) => void; reject: (e: Error) => void }>();
  const load = workers.map(() => 0);
  let nextId = 0;
  workers.forEach((w, i) =>
    w.on('message', (m: { id: number; r?: ScanResult; error?: string }) => {
      load[i]--;
      const p = pending.get(m.id)!;
      pending.delete(m.id);
      if (m.error) return p.reject(new Error(m.error));
      const r = m.r!;
      if (!Array.isArray(r)) r.leaves = Buffer.from(r.leaves.buffer, r.leaves.byteOffset, r.leaves.byteLength);
      p.resolve(r);
    }),
  );
  return {
    scan({ key, body, path, collectIds }) {
      const i = load.indexOf(Math.min(...load));
      load[i]++;
      const id = nextId++;
      return new Promise<ScanResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        workers[i].postMessage({ id, key, body, path, collectIds });
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
