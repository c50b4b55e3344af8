import { RECORDS_PREFIX, parseBatchKey } from '../core/layout';
import { mapLimit } from '../core/map-limit';
import type { Problem } from './problems';
import type { ScanFlags, ScannedBatch } from './scan-batch';
import { inlineScanner, workerScanner, type BatchScanner, type ScanResult } from './scan-pool';
import type { ArchiveSource } from '../core/archive-source';

// Below this many objects, starting threads costs more than it saves.
const WORKER_THRESHOLD = 256;
// A scan job is a run of local objects of about a megabyte, so that its messages cost little beside its reading and hashing,
// and small enough that the threads finish together. Sizes are not listed (dir-source.ts); the records a key names measure it.
const FILES_PER_JOB = 48;
const RECORDS_PER_JOB = 400;

/** Which batch objects to read: one shard, UTC days (YYYY-MM-DD, inclusive) or sequences. */
export interface ScanSelection {
  shard?: string;
  range?: { fromDate?: string; toDate?: string; fromSeq?: number; toSeq?: number };
}

export interface ScanOptions extends ScanSelection {
  /** Objects read in parallel from a remote source. */
  concurrency?: number;
  /** Keep each record's id (duplicate detection). */
  checkDuplicates?: boolean;
  /** Keep each record's hash (ScanFlags.keepLeaves). @default true */
  keepLeaves?: boolean;
  onProgress?: (p: { objects: number; totalObjects: number; bytes: number; totalBytes: number }) => void;
}

/** What the I/O half hands the pure check: the batches that scanned, and the objects that did not. */
export interface ScannedArchive {
  /** In listing order, so that the same archive always assembles the same way. */
  batches: ScannedBatch[];
  /** Problems of objects that could not be read or scanned at all. */
  problems: Problem[];
  /** Objects listed (after the selection). */
  objects: number;
}

/** Whether the selection asks for part of the archive only (then roots cannot be recomputed). */
export function isPartial(sel: ScanSelection): boolean {
  const r = sel.range;
  return Boolean(r && (r.fromDate || r.toDate || r.fromSeq !== undefined || r.toSeq !== undefined));
}

function selected(key: string, r: ScanSelection['range']): boolean {
  const k = r ? parseBatchKey(key) : null;
  if (!k || !r) return true;
  if ((r.fromDate && k.date < r.fromDate) || (r.toDate && k.date > r.toDate)) return false;
  return !((r.fromSeq !== undefined && k.lastSeq < r.fromSeq) || (r.toSeq !== undefined && k.firstSeq > r.toSeq));
}

/** The records a batch key says its object holds (1 for a key that is not a batch's: it is still read, as a foreign object). */
function recordsNamed(key: string): number {
  const k = parseBatchKey(key);
  return k ? k.lastSeq - k.firstSeq + 1 : 1;
}

/**
 * The thread pool that scans batch objects and later hashes Merkle blocks:
 * started on first need (worker threads only for large archives, unless told),
 * closed by whoever created it.
 */
export class LazyScanner {
  #scanner: BatchScanner | null = null;
  constructor(private readonly threads?: number) {}

  wantsWorkers(objects: number): boolean {
    return this.threads === undefined ? objects >= WORKER_THRESHOLD : this.threads > 0;
  }

  get(objects: number): BatchScanner {
    return (this.#scanner ??= this.wantsWorkers(objects) ? workerScanner(this.threads) : inlineScanner());
  }

  async close(): Promise<void> {
    await this.#scanner?.close();
  }
}

/** Lists the batch objects selected and reads and scans each one, through the pool. */
export async function scanArchive(source: ArchiveSource, opts: ScanOptions, pool: LazyScanner): Promise<ScannedArchive> {
  const run = new ScanRun(source, opts, pool);
  await run.listAndSend();
  await run.readRest();
  return run.collect();
}

/** One pass over the listing; results are kept by listing position. */
class ScanRun {
  readonly objects: { key: string; size?: number }[] = [];
  readonly results: (ScanResult | undefined)[] = [];
  readonly jobs: Promise<void>[] = [];
  #listed = false;
  #doneObjects = 0;
  #doneBytes = 0;
  #totalBytes = 0;
  #unsent = 0;
  /** objects[#unsent, #counted) are listed, not yet sent, and hold #unsentRecords records by their keys. */
  #counted = 0;
  #unsentRecords = 0;

  constructor(
    readonly source: ArchiveSource,
    readonly opts: ScanOptions,
    readonly pool: LazyScanner,
  ) {}

  /** Local files go to the pool in runs as they are listed, so that reading and hashing start while listing goes on. */
  async listAndSend(): Promise<void> {
    const prefix = this.opts.shard ? `${RECORDS_PREFIX}shard=${this.opts.shard}/` : RECORDS_PREFIX;
    const local = Boolean(this.source.localPath);
    for await (const o of this.source.list(prefix)) {
      if (!selected(o.key, this.opts.range)) continue;
      this.objects.push(o);
      this.#totalBytes += o.size ?? 0;
      if (local && this.pool.wantsWorkers(this.objects.length) && this.sendFullJobs(false)) {
        // A local listing never waits on I/O: without this turn of the event loop the pool's replies would wait for the whole listing.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    this.#listed = true;
  }

  async readRest(): Promise<void> {
    const scanner = this.pool.get(this.objects.length);
    if (this.source.localPath) {
      this.sendFullJobs(true);
    } else {
      await mapLimit(this.objects, this.opts.concurrency ?? 16, (o, i) => this.readRemote(scanner, o.key, i));
    }
    this.progress();
    await Promise.all(this.jobs);
  }

  collect(): ScannedArchive {
    const batches: ScannedBatch[] = [];
    const problems: Problem[] = [];
    for (const res of this.results) {
      if (res === undefined) continue;
      if (Array.isArray(res)) problems.push(...res);
      else batches.push(res);
    }
    return { batches, problems, objects: this.objects.length };
  }

  /** Sends the listed objects as jobs of FILES_PER_JOB objects or RECORDS_PER_JOB records, the rest too when `final`; whether any was sent. */
  private sendFullJobs(final: boolean): boolean {
    const before = this.#unsent;
    while (this.#counted < this.objects.length) {
      this.#unsentRecords += recordsNamed(this.objects[this.#counted++].key);
      if (this.#counted - this.#unsent >= FILES_PER_JOB || this.#unsentRecords >= RECORDS_PER_JOB) this.sendLocal(this.#counted);
    }
    if (final && this.#unsent < this.objects.length) this.sendLocal(this.objects.length);
    return this.#unsent > before;
  }

  private sendLocal(upTo: number): void {
    const at = this.#unsent;
    this.#unsentRecords = 0;
    const run = this.objects.slice(at, upTo).map((o) => ({ key: o.key, path: this.source.localPath!(o.key), size: o.size }));
    this.#unsent = upTo;
    this.jobs.push(
      this.pool
        // sized by all objects listed so far, not by this job: the first call decides whether threads start
        .get(this.objects.length)
        .scanFiles(run, this.flags())
        .then((rs) => this.settle(at, rs)),
    );
  }

  private async readRemote(scanner: BatchScanner, key: string, i: number): Promise<void> {
    let res: ScanResult;
    try {
      res = await scanner.scan({ key, body: await this.source.get(key), flags: this.flags() });
    } catch (err) {
      this.results[i] = [{ code: 'UNREADABLE', message: `object ${key} could not be read: ${(err as Error).message}`, key }];
      return;
    }
    this.settle(i, [res]);
  }

  private flags(): ScanFlags {
    return { collectIds: this.opts.checkDuplicates, keepLeaves: this.opts.keepLeaves };
  }

  private settle(at: number, rs: readonly ScanResult[]): void {
    rs.forEach((res, i) => {
      this.results[at + i] = res;
      // An object that could not be read does not count as done.
      if (Array.isArray(res) && res.length === 1 && res[0].code === 'UNREADABLE') return;
      this.#doneObjects++;
      this.#doneBytes += this.objects[at + i].size ?? (Array.isArray(res) ? 0 : res.bytes);
    });
    this.progress();
  }

  private progress(): void {
    if (!this.#listed) return;
    this.opts.onProgress?.({ objects: this.#doneObjects, totalObjects: this.objects.length, bytes: this.#doneBytes, totalBytes: this.#totalBytes });
  }
}
