import type { SignedCheckpoint } from '../core/checkpoint';
import { ZERO_HASH } from '../core/record';
import type { ShardExtension } from './consistency-extension';
import { assembleShard, type Anchor, type AssembledShard } from './assemble-shard';
import { checkCheckpoints, type CheckpointNote } from './checkpoint-chain';
import { chainRoots } from './chain-roots';
import { ARCHIVE_CHECKS, type CheckContext, type CheckOptions, type Findings } from './checks';
import { blockFrontiers, type BlockJob, type BlockResult } from './merkle-blocks';
import { orderFindings } from './order-findings';
import type { Notice, Problem } from './problems';
import type { ScannedBatch } from './scan-batch';

export type { CheckOptions } from './checks';

/** What the I/O half read: the checkpoint notes, the scanned batch objects, and what could not be scanned. */
export interface CheckInput {
  notes: readonly CheckpointNote[];
  /** Scanned batch objects, in listing order. */
  batches: readonly ScannedBatch[];
  /** Objects that could not be read or scanned (scan-archive.ts). */
  scanProblems?: readonly Problem[];
  /** A checkpoint the user trusted earlier, already parsed and verified. */
  trusted?: SignedCheckpoint;
  /** Live shard heads from the index (online verification): they end each chain; later objects are orphans. */
  heads?: ReadonlyMap<string, { seq: number; hash: string }>;
}

export interface ShardSummary {
  shard: string;
  records: number;
  objects: number;
  orphans: number;
  head: string;
  sealed: number;
}

export interface ArchiveCheckResult {
  shards: ShardSummary[];
  /** Each shard's committed chain, for callers that go on from it (proofs). */
  assembled: ReadonlyMap<string, AssembledShard>;
  checkpoints: { count: number; valid: SignedCheckpoint[] };
  /** In report order (order-findings.ts). */
  problems: Problem[];
  notices: Notice[];
  /** With a trusted checkpoint, every record read and a newest checkpoint: how each trusted shard was shown to be extended. */
  extension?: { method: 'records'; shards: ShardExtension[] };
}

/** Computes Merkle blocks (chain-roots.ts): a thread pool's, or on the calling thread. */
export type BlockRunner = (jobs: BlockJob[]) => Promise<BlockResult[]>;
export const inlineBlocks: BlockRunner = async (jobs) => jobs.map((j) => blockFrontiers(j));

/**
 * The pure half of verification (FORMAT.md section 5, steps 1 to 6): from the
 * checkpoint notes and scanned batches, with no I/O, the problems and notes
 * the archive gives. Only `blocks` may leave the thread, to hash Merkle blocks.
 */
export async function checkArchive(input: CheckInput, opts: CheckOptions, blocks: BlockRunner = inlineBlocks): Promise<ArchiveCheckResult> {
  const checked = checkCheckpoints(input.notes, opts.keys);
  const out: Findings = { problems: [...checked.problems, ...(input.scanProblems ?? [])], notices: [...checked.notices] };
  const latest = checked.valid.at(-1);
  const all = input.trusted ? [...checked.valid, input.trusted] : checked.valid;
  const { assembled, shards, sizes } = assembleShards(input, opts, all, latest, out);
  const roots = opts.partial ? new Map<string, Map<number, string>>() : await shardRoots(assembled, sizes, blocks);
  const ctx: CheckContext = { opts, checkpoints: checked.valid, latest, trusted: input.trusted, assembled, roots, blocks };
  // In order, one at a time: the report's order of equal findings follows the list.
  for (const check of ARCHIVE_CHECKS) await check(ctx, out);
  const extension = !opts.partial && input.trusted && latest ? recordsExtension(ctx, out.problems) : undefined;
  return {
    shards,
    assembled,
    checkpoints: { count: checked.count, valid: checked.valid },
    problems: orderFindings(out.problems),
    notices: orderFindings(out.notices),
    ...(extension ? { extension } : {}),
  };
}

/** Every shard that has objects, is named by a checkpoint or has a live head, in byte order of ids. */
function shardIds(input: CheckInput, opts: CheckOptions, all: readonly SignedCheckpoint[]): string[] {
  const ids = new Set<string>(input.batches.map((b) => b.parsed.shard));
  for (const c of all) for (const s of c.checkpoint.shards) if (!opts.shard || s.shard === opts.shard) ids.add(s.shard);
  for (const s of input.heads?.keys() ?? []) if (!opts.shard || s === opts.shard) ids.add(s);
  return [...ids].sort();
}

/** Step 3 for every shard, with the shard summaries and the note on records past the newest checkpoint. */
function assembleShards(input: CheckInput, opts: CheckOptions, all: readonly SignedCheckpoint[], latest: SignedCheckpoint | undefined, out: Findings) {
  const byShard = new Map<string, ScannedBatch[]>();
  for (const b of input.batches) {
    const list = byShard.get(b.parsed.shard) ?? [];
    list.push(b);
    byShard.set(b.parsed.shard, list);
  }
  const assembled = new Map<string, AssembledShard>();
  const sizes = new Map<string, ReadonlySet<number>>();
  const shards: ShardSummary[] = [];
  for (const shard of shardIds(input, opts, all)) {
    const at = new Set(all.flatMap((c) => c.checkpoint.shards.filter((s) => s.shard === shard).map((s) => s.size)));
    const anchors: Anchor[] = (latest?.checkpoint.shards ?? []).filter((s) => s.shard === shard).map((s) => ({ size: s.size, head: s.head }));
    // Online, a shard the index does not know has committed nothing: all its objects are orphans.
    const live = input.heads ? (input.heads.get(shard) ?? { seq: -1, hash: ZERO_HASH }) : undefined;
    const liveHead = live && !opts.partial ? { size: live.seq + 1, head: live.hash } : undefined;
    // A slice uses the anchors too: they decide between objects that compete before the newest checkpoint's head.
    const a = assembleShard(shard, byShard.get(shard) ?? [], anchors, at, liveHead, opts.partial);
    assembled.set(shard, a);
    sizes.set(shard, at);
    out.problems.push(...a.problems);
    out.notices.push(...a.notices);
    const sealed = latest?.checkpoint.shards.find((s) => s.shard === shard)?.size ?? 0;
    if (!opts.partial && a.length > sealed) {
      out.notices.push({ code: 'UNSEALED', message: `shard ${shard}: ${a.length - sealed} records after the latest checkpoint are not sealed yet`, shard });
    }
    const records = a.chain.reduce((n, b) => n + b.count, 0);
    shards.push({ shard, records, objects: a.chain.length, orphans: a.notices.filter((n) => n.code === 'ORPHAN').length, head: a.head, sealed });
  }
  return { assembled, shards, sizes };
}

/** Roots of every shard at every checkpoint size, all shards' blocks at once so that they spread over the pool. */
async function shardRoots(assembled: ReadonlyMap<string, AssembledShard>, sizes: ReadonlyMap<string, ReadonlySet<number>>, blocks: BlockRunner) {
  const roots = new Map<string, Map<number, string>>();
  await Promise.all(
    [...assembled.values()].map(async (a) => {
      roots.set(a.shard, await chainRoots(a.chain).at(sizes.get(a.shard) ?? [], blocks));
    }),
  );
  return roots;
}

/** The trusted shards and whether each was found extended (no ROLLBACK names it). */
function recordsExtension(ctx: CheckContext, problems: readonly Problem[]): { method: 'records'; shards: ShardExtension[] } {
  const latest = ctx.latest!;
  const shards = ctx.trusted!.checkpoint.shards.filter((s) => !ctx.opts.shard || s.shard === ctx.opts.shard);
  return {
    method: 'records',
    shards: shards.map((s) => ({
      shard: s.shard,
      trustedSize: s.size,
      latestSize: latest.checkpoint.shards.find((x) => x.shard === s.shard)?.size ?? null,
      ok: !problems.some((p) => p.code === 'ROLLBACK' && p.shard === s.shard),
    })),
  };
}
