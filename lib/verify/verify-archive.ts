import { CHECKPOINTS_PREFIX, RECORDS_PREFIX, isCheckpointKey, parseBatchKey } from '../core/layout';
import {
  ANY_KEY_NAME,
  CheckpointError,
  noteHash,
  parseSignedCheckpoint,
  verifyCheckpoint,
  type SignedCheckpoint,
  type TrustedKey,
} from '../core/checkpoint';
import { ZERO_HASH } from '../core/record';
import { proveExtension, type ShardExtension } from '../prove/consistency-extension';
import { archiveTreeSource, type ShardTreeSource } from '../prove/consistency-source';
import { assembleShard, type Anchor, type AssembledShard } from './assemble-shard';
import type { Notice, Problem } from './problems';
import { rootsAt } from './chain-roots';
import type { ScannedBatch } from './scan-batch';
import { inlineScanner, workerScanner, type BatchScanner, type ScanResult } from './scan-pool';
import type { ArchiveSource } from './source';

// Below this many objects, starting threads costs more than it saves.
const WORKER_THRESHOLD = 256;
// Local objects per scan job: about a megabyte of batch objects, so that a job's messages cost little beside its reading and hashing.
const FILES_PER_JOB = 48;

export interface VerifyOptions {
  keys: readonly TrustedKey[];
  /** A checkpoint the user trusted earlier: the archive must extend it. */
  trusted?: Buffer;
  /**
   * Where consistency proofs from the trusted checkpoint to the newest one get their hashes when not every
   * record is read (--range): the index table's tiles (few reads, no old record needed). Default: rebuilt
   * from the shard's batch objects.
   */
  consistencySource?: ShardTreeSource;
  /** Verify only this shard. */
  shard?: string;
  /** Verify only objects committed on these UTC days (YYYY-MM-DD, inclusive) or holding these sequences. */
  range?: { fromDate?: string; toDate?: string; fromSeq?: number; toSeq?: number };
  concurrency?: number;
  /** Worker threads that read and hash batch objects, besides the calling thread; 0: the calling thread only. Default: one per core but one, for large archives. */
  threads?: number;
  /** Live shard heads from the index (online verification): they end each chain; later objects are orphans. */
  heads?: ReadonlyMap<string, { seq: number; hash: string }>;
  /** Report ids committed more than once (holds every id in memory). */
  checkDuplicates?: boolean;
  /** A problem (SEAL_GAP) when the newest checkpoint's time is older than the newest record's chain.time by more than this (milliseconds). */
  maxSealGapMs?: number;
  onProgress?: (p: { objects: number; totalObjects: number; bytes: number; totalBytes: number }) => void;
}

export interface ShardSummary {
  shard: string;
  records: number;
  objects: number;
  orphans: number;
  head: string;
  sealed: number;
}

export interface VerifyReport {
  ok: boolean;
  source: string;
  records: number;
  objects: number;
  bytes: number;
  shards: ShardSummary[];
  checkpoints: { count: number; valid: number; latest: { size: number; time: string; root: string } | null };
  problems: Problem[];
  notices: Notice[];
  /**
   * With a trusted checkpoint and a newest one: how each trusted shard was shown to be extended, by
   * recomputing the roots from every record ('records') or by consistency proofs when only part of
   * the archive was read ('consistency').
   */
  extension?: { method: 'records' | 'consistency'; shards: ShardExtension[] };
  durationMs: number;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Reads, parses and checks the signature of every checkpoint, then checks their prev chain. */
async function loadCheckpoints(source: ArchiveSource, keys: readonly TrustedKey[], problems: Problem[], notices: Notice[]): Promise<{ all: number; valid: SignedCheckpoint[] }> {
  const listed: string[] = [];
  for await (const o of source.list(CHECKPOINTS_PREFIX)) if (isCheckpointKey(o.key)) listed.push(o.key);
  const valid: SignedCheckpoint[] = [];
  for (const key of listed) {
    try {
      const signed = parseSignedCheckpoint(await source.get(key));
      verifyCheckpoint(signed, keys);
      valid.push(signed);
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
      problems.push({
        code: err.code === 'BAD_SIGNATURE' || err.code === 'UNKNOWN_KEY' ? 'CHECKPOINT_SIGNATURE' : 'CHECKPOINT_MALFORMED',
        message: `checkpoint ${key}: ${err.message}`,
        key,
      });
    }
  }
  valid.sort((a, b) => a.checkpoint.size - b.checkpoint.size || (a.checkpoint.time < b.checkpoint.time ? -1 : 1));
  // The checkpoint chain runs back from the newest through `prev`. A signed
  // checkpoint off that chain is a seal that lost its race (benign; its roots are
  // still checked against the records); a `prev` naming a missing note means a
  // checkpoint was removed.
  const byHash = new Map(valid.map((c) => [noteHash(c.note), c]));
  const onChain = new Set<SignedCheckpoint>();
  for (let c = valid.at(-1); c; ) {
    onChain.add(c);
    const prev = c.checkpoint.prev;
    if (prev === null) break;
    const before = byHash.get(prev);
    if (!before || onChain.has(before)) {
      problems.push({ code: 'CHECKPOINT_CHAIN', message: `checkpoint of ${c.checkpoint.time} (size ${c.checkpoint.size}) names a previous checkpoint that is not in the archive` });
      break;
    }
    checkSuccession(before, c, problems);
    c = before;
  }
  for (const c of valid) {
    if (onChain.has(c)) continue;
    notices.push({ code: 'ORPHAN', message: `checkpoint of ${c.checkpoint.time} (size ${c.checkpoint.size}) is signed but not on the checkpoint chain` });
    // An orphan checkpoint follows the same rules against the checkpoint its prev names, when that one is present.
    const before = c.checkpoint.prev === null ? undefined : byHash.get(c.checkpoint.prev);
    if (before) checkSuccession(before, c, problems);
  }
  return { all: listed.length, valid };
}

/** What a checkpoint owes the one its prev names: no shard shrinks or disappears, and time does not go backwards. */
function checkSuccession(before: SignedCheckpoint, c: SignedCheckpoint, problems: Problem[]): void {
  for (const s of before.checkpoint.shards) {
    const now = c.checkpoint.shards.find((x) => x.shard === s.shard);
    if (!now || now.size < s.size) {
      problems.push({ code: 'ROLLBACK', message: `checkpoint of ${c.checkpoint.time} shrinks shard ${s.shard} below ${s.size} records`, shard: s.shard });
    }
  }
  // Times are ISO 8601 UTC with milliseconds, one fixed width: string order is time order.
  if (c.checkpoint.time < before.checkpoint.time) {
    problems.push({
      code: 'CHECKPOINT_TIME',
      message: `checkpoint of ${c.checkpoint.time} (size ${c.checkpoint.size}) is dated before the checkpoint its prev names (${before.checkpoint.time})`,
    });
  }
}

/**
 * Verifies an archive offline: every record hash, every link, every object key,
 * every checkpoint signature, the checkpoint chain, each checkpoint's roots
 * against the records, and (optionally) that the archive extends a checkpoint
 * trusted earlier. Holds 32 bytes per record, never the records.
 */
export async function verifyArchive(source: ArchiveSource, opts: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const problems: Problem[] = [];
  const notices: Notice[] = [];

  const { all: checkpointCount, valid: checkpoints } = await loadCheckpoints(source, opts.keys, problems, notices);
  let trusted: SignedCheckpoint | undefined;
  if (opts.trusted) {
    trusted = parseSignedCheckpoint(opts.trusted);
    verifyCheckpoint(trusted, opts.keys);
  }

  const objects: { key: string; size?: number }[] = [];
  const prefix = opts.shard ? `${RECORDS_PREFIX}shard=${opts.shard}/` : RECORDS_PREFIX;
  const r = opts.range;
  const partial = Boolean(r && (r.fromDate || r.toDate || r.fromSeq !== undefined || r.toSeq !== undefined));
  // Results by listing position, so that the same archive always assembles the same way.
  const results: (ScanResult | undefined)[] = [];
  const local = source.localPath ? (key: string) => source.localPath!(key) : null;
  let scanner: BatchScanner | null = null;
  const startScanner = () => (scanner ??= opts.threads === 0 ? inlineScanner() : workerScanner(opts.threads));
  let listed = false;
  let doneObjects = 0;
  let doneBytes = 0;
  let totalBytes = 0;
  const progress = () => listed && opts.onProgress?.({ objects: doneObjects, totalObjects: objects.length, bytes: doneBytes, totalBytes });
  const settle = (at: number, rs: readonly ScanResult[]) => {
    rs.forEach((res, i) => {
      results[at + i] = res;
      // An object that could not be read does not count as done.
      if (Array.isArray(res) && res.length === 1 && res[0].code === 'UNREADABLE') return;
      doneObjects++;
      doneBytes += objects[at + i].size ?? (Array.isArray(res) ? 0 : res.bytes);
    });
    progress();
  };
  const jobs: Promise<void>[] = [];
  let unsent = 0;
  // Local files go to the scanner in runs as they are listed, so that reading and hashing start while listing goes on.
  const sendLocal = (upTo: number) => {
    const at = unsent;
    const run = objects.slice(at, upTo).map((o) => ({ key: o.key, path: local!(o.key), size: o.size }));
    unsent = upTo;
    jobs.push(startScanner().scanFiles(run, opts.checkDuplicates).then((rs) => settle(at, rs)));
  };
  const workersWanted = (n: number) => (opts.threads === undefined ? n >= WORKER_THRESHOLD : opts.threads > 0);
  try {
    for await (const o of source.list(prefix)) {
      const k = r ? parseBatchKey(o.key) : null;
      if (k && r) {
        if ((r.fromDate && k.date < r.fromDate) || (r.toDate && k.date > r.toDate)) continue;
        if ((r.fromSeq !== undefined && k.lastSeq < r.fromSeq) || (r.toSeq !== undefined && k.firstSeq > r.toSeq)) continue;
      }
      objects.push(o);
      totalBytes += o.size ?? 0;
      if (local && workersWanted(objects.length) && objects.length - unsent >= FILES_PER_JOB) {
        sendLocal(objects.length);
        // A local listing never waits on I/O: without this turn of the event loop the pool's replies would wait for the whole listing.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    listed = true;
    if (!scanner) scanner = workersWanted(objects.length) ? workerScanner(opts.threads) : inlineScanner();
    if (local) {
      for (let at = unsent; at < objects.length; at += FILES_PER_JOB) sendLocal(Math.min(at + FILES_PER_JOB, objects.length));
    } else {
      const remote = scanner as BatchScanner;
      await mapLimit(
        objects.map((o, i) => ({ o, i })),
        opts.concurrency ?? 16,
        async ({ o, i }) => {
          let res: ScanResult;
          try {
            res = await remote.scan({ key: o.key, body: await source.get(o.key), collectIds: opts.checkDuplicates });
          } catch (err) {
            results[i] = [{ code: 'UNREADABLE', message: `object ${o.key} could not be read: ${(err as Error).message}`, key: o.key }];
            return;
          }
          settle(i, [res]);
        },
      );
    }
    progress();
    await Promise.all(jobs);
    return await checkScanned(scanner as BatchScanner);
  } finally {
    await (scanner as BatchScanner | null)?.close();
  }

  /** Assembles the chains and checks them against the checkpoints; the pool computes the Merkle roots. */
  async function checkScanned(pool: BatchScanner): Promise<VerifyReport> {
    const scanned: ScannedBatch[] = [];
    for (const res of results) {
      if (res === undefined) continue;
      if (Array.isArray(res)) problems.push(...res);
      else scanned.push(res);
    }

    const byShard = new Map<string, ScannedBatch[]>();
    for (const b of scanned) {
      const list = byShard.get(b.parsed.shard) ?? [];
      list.push(b);
      byShard.set(b.parsed.shard, list);
    }
    const latest = checkpoints.at(-1);
    const allCheckpoints = trusted ? [...checkpoints, trusted] : checkpoints;
    const shardIds = new Set<string>([...byShard.keys()]);
    for (const c of allCheckpoints) for (const s of c.checkpoint.shards) if (!opts.shard || s.shard === opts.shard) shardIds.add(s.shard);
    for (const s of opts.heads?.keys() ?? []) if (!opts.shard || s === opts.shard) shardIds.add(s);

    const shards: ShardSummary[] = [];
    const assembled = new Map<string, AssembledShard>();
    const snapshots: { a: AssembledShard; sizes: ReadonlySet<number> }[] = [];
    for (const shard of [...shardIds].sort()) {
      const states = allCheckpoints.flatMap((c) => c.checkpoint.shards.filter((s) => s.shard === shard));
      const anchors: Anchor[] = (latest?.checkpoint.shards ?? []).filter((s) => s.shard === shard).map((s) => ({ size: s.size, head: s.head }));
      // Online, a shard the index does not know has committed nothing: all its objects are orphans.
      const live = opts.heads ? (opts.heads.get(shard) ?? { seq: -1, hash: ZERO_HASH }) : undefined;
      const sizes = new Set(states.map((s) => s.size));
      const a = assembleShard(shard, byShard.get(shard) ?? [], partial ? [] : anchors, sizes, live && !partial ? { size: live.seq + 1, head: live.hash } : undefined, partial);
      assembled.set(shard, a);
      if (!partial) snapshots.push({ a, sizes });
      problems.push(...a.problems);
      notices.push(...a.notices);
      const sealed = latest?.checkpoint.shards.find((s) => s.shard === shard)?.size ?? 0;
      if (!partial && a.length > sealed) {
        notices.push({ code: 'UNSEALED', message: `shard ${shard}: ${a.length - sealed} records after the latest checkpoint are not sealed yet`, shard });
      }
      shards.push({
        shard,
        records: a.chain.reduce((n, b) => n + b.count, 0),
        objects: a.chain.length,
        orphans: a.notices.filter((n) => n.code === 'ORPHAN').length,
        head: a.head,
        sealed,
      });
    }

    // Roots of every shard at every checkpoint size, all shards' blocks at once so that they spread over the pool.
    const rootsByShard = new Map<string, Map<number, string>>();
    await Promise.all(
      snapshots.map(async ({ a, sizes }) => {
        rootsByShard.set(a.shard, await rootsAt(Buffer.concat(a.chain.map((b) => b.leaves)), sizes, (jobs) => pool.blocks(jobs)));
      }),
    );

    // Every checkpoint must describe the records: same roots and heads at its sizes.
    // (A slice holds too few records for roots: its checkpoints are checked for signatures and chain only.)
    for (const c of partial ? [] : allCheckpoints) {
      const isTrusted = c === trusted;
      for (const s of c.checkpoint.shards) {
        if (opts.shard && s.shard !== opts.shard) continue;
        const a = assembled.get(s.shard)!;
        const what = isTrusted ? 'trusted checkpoint' : `checkpoint of ${c.checkpoint.time}`;
        if (a.length < s.size) {
          problems.push({
            code: isTrusted ? 'ROLLBACK' : 'TRUNCATED',
            message: `shard ${s.shard}: ${what} committed to ${s.size} records, the archive holds ${a.length}`,
            shard: s.shard,
            seq: a.length,
          });
        } else if (rootsByShard.get(s.shard)?.get(s.size) !== s.root || (s.size > 0 && a.headsAt.get(s.size) !== s.head)) {
          problems.push({
            code: isTrusted ? 'ROLLBACK' : 'CHECKPOINT_MISMATCH',
            message: `shard ${s.shard}: the records do not match the root of the ${what} at size ${s.size}`,
            shard: s.shard,
          });
        }
      }
    }
    if (trusted && !latest) {
      problems.push({
        code: 'ROLLBACK',
        message: 'a checkpoint was trusted but the archive holds no valid checkpoint: nothing signed shows that the archive extends it',
      });
    }
    let extension: VerifyReport['extension'];
    if (trusted && latest && partial) {
      // Records before the trusted size may not have been read: a consistency proof per shard shows the extension.
      const proven = await proveExtension(trusted, latest, opts.keys, opts.consistencySource ?? archiveTreeSource(source), opts.shard);
      problems.push(...proven.problems);
      extension = { method: 'consistency', shards: proven.shards };
    }
    if (trusted && latest && !partial) {
      for (const s of trusted.checkpoint.shards) {
        const now = latest.checkpoint.shards.find((x) => x.shard === s.shard);
        if (!now || now.size < s.size) {
          problems.push({
            code: 'ROLLBACK',
            message: `the newest checkpoint in the archive (${latest.checkpoint.time}) is older than the trusted one for shard ${s.shard} (${now?.size ?? 0} < ${s.size} records)`,
            shard: s.shard,
          });
        }
      }
    }
    if (trusted && latest && !partial) {
      const shards = trusted.checkpoint.shards.filter((s) => !opts.shard || s.shard === opts.shard);
      extension = {
        method: 'records',
        shards: shards.map((s) => ({
          shard: s.shard,
          trustedSize: s.size,
          latestSize: latest.checkpoint.shards.find((x) => x.shard === s.shard)?.size ?? null,
          ok: !problems.some((p) => p.code === 'ROLLBACK' && p.shard === s.shard),
        })),
      };
    }
    // The archive's origin (FORMAT.md 5): the trusted key's name, else the newest checkpoint's, else the trusted checkpoint's. Every genesis record carries it.
    const keyNames = new Set(opts.keys.map((k) => k.keyName));
    const named = keyNames.size === 1 && !keyNames.has(ANY_KEY_NAME) ? [...keyNames][0] : undefined;
    const geneses = [...assembled.values()].flatMap((a) => {
      const g = a.chain[0];
      return g && g.firstSeq === 0 && g.genesisOrigin !== undefined ? [{ a, g, origin: g.genesisOrigin }] : [];
    });
    // With no origin known, the genesis records must at least agree with each other: the first shard's sets the origin.
    const origin = named ?? latest?.checkpoint.origin ?? trusted?.checkpoint.origin ?? geneses.find((x) => x.origin !== null)?.origin ?? undefined;
    for (const { a, g } of geneses) {
      if (g.genesisOrigin === null || (origin !== undefined && g.genesisOrigin !== origin)) {
        problems.push({
          code: 'GENESIS_ORIGIN',
          message: `shard ${a.shard}: the genesis record names origin ${JSON.stringify(g.genesisOrigin)}, the archive's is ${JSON.stringify(origin ?? null)}`,
          key: g.key,
          shard: a.shard,
          seq: 0,
        });
      }
    }
    if (opts.maxSealGapMs !== undefined) {
      const newestRecord = [...assembled.values()].reduce((t, a) => {
        const last = a.chain.at(-1)?.lastTime ?? '';
        return last > t ? last : t;
      }, '');
      if (newestRecord && !latest) {
        problems.push({ code: 'SEAL_GAP', message: `records were committed up to ${newestRecord} and the archive holds no valid checkpoint` });
      } else if (newestRecord && latest) {
        const gap = Date.parse(newestRecord) - Date.parse(latest.checkpoint.time);
        if (gap > opts.maxSealGapMs) {
          problems.push({
            code: 'SEAL_GAP',
            message: `the newest checkpoint (${latest.checkpoint.time}) is ${formatDuration(gap)} older than the newest record (${newestRecord}), more than the maximum seal gap of ${formatDuration(opts.maxSealGapMs)}`,
          });
        }
      }
    }
    if (!latest) notices.push({ code: 'NO_CHECKPOINT', message: 'the archive holds no valid checkpoint: truncation of the newest records cannot be detected' });

    if (opts.checkDuplicates) {
      const seen = new Map<string, string>();
      for (const a of assembled.values()) {
        for (const b of a.chain) {
          b.ids?.forEach((id, i) => {
            const where = `${a.shard}/${b.firstSeq + i}`;
            const first = seen.get(id);
            if (first) problems.push({ code: 'DUPLICATE_ID', message: `id ${id} is committed twice (${first} and ${where})`, key: b.key, shard: a.shard, seq: b.firstSeq + i });
            else seen.set(id, where);
          });
        }
      }
    }

    // Objects are read in parallel: order the findings so the same archive always gives the same report.
    const order = (a: Problem | Notice, b: Problem | Notice) =>
      (a.shard ?? '').localeCompare(b.shard ?? '') || ((a as Problem).seq ?? -1) - ((b as Problem).seq ?? -1) || (a.key ?? '').localeCompare(b.key ?? '') || a.code.localeCompare(b.code);
    problems.sort(order);
    notices.sort(order);
    const records = shards.reduce((n, s) => n + s.records, 0);
    return {
      ok: problems.length === 0,
      source: source.describe(),
      records,
      objects: objects.length,
      // What was read and checked (a local listing gives no sizes).
      bytes: scanned.reduce((n, b) => n + b.bytes, 0),
      shards,
      checkpoints: {
        count: checkpointCount,
        valid: checkpoints.length,
        latest: latest ? { size: latest.checkpoint.size, time: latest.checkpoint.time, root: latest.checkpoint.root } : null,
      },
      problems,
      notices,
      ...(extension ? { extension } : {}),
      durationMs: Date.now() - started,
    };
  }
}

/** A duration as the largest whole unit it holds (2h, 90m, 45s), else milliseconds. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  const sec = Math.floor(ms / 1000);
  const [h, m, s] = [Math.floor(sec / 3600), Math.floor((sec % 3600) / 60), sec % 60];
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${ms}ms`;
}
