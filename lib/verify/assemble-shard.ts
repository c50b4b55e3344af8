import { ZERO_HASH } from '../core/record';
import type { Notice, Problem } from './problems';
import { LeavesNotKept, type ScannedBatch } from './scan-batch';

/** A point the chain must pass through: from a signed checkpoint (or the live head). */
export interface Anchor {
  size: number;
  head: string;
}

export interface AssembledShard {
  shard: string;
  /** Batches on the committed chain, in order. */
  chain: ScannedBatch[];
  /** Sequence after the last record on the chain (= records on the chain, unless partial). */
  length: number;
  /** Hash of the last record on the chain (ZERO_HASH for none). */
  head: string;
  /** Leaf hash (hex) at size-1 of the chain, for each size asked for that the chain reaches. Roots: chain-roots.ts. */
  headsAt: Map<number, string>;
  /** Where several objects continue the chain past every anchor: the chain stops before them, none is committed yet. */
  fork?: { seq: number; candidates: string[] };
  problems: Problem[];
  notices: Notice[];
}

/** Record hash (hex) at `seq` of a batch; without its leaves, only the last one of a batch whose every line was read is known. */
function leafAt(b: ScannedBatch, seq: number): string {
  if (b.leaves.length === 32 * b.count) return b.leaves.subarray((seq - b.firstSeq) * 32, (seq - b.firstSeq + 1) * 32).toString('hex');
  if (seq === b.lastSeq && b.problems.length === 0) return b.lastHash;
  throw new LeavesNotKept(`record ${seq} of ${b.key}`);
}

/** The shard's objects indexed by first sequence, and what continues each one. */
class ShardGraph {
  readonly byFirst = new Map<number, ScannedBatch[]>();
  /** Furthest sequence a batch's continuation gets to. */
  readonly reach = new Map<ScannedBatch, number>();
  /** Whether a batch's continuation passes through the furthest anchor. */
  readonly anchored = new Map<ScannedBatch, boolean>();

  constructor(
    readonly batches: readonly ScannedBatch[],
    readonly target: Anchor | null,
  ) {
    for (const b of batches) {
      const list = this.byFirst.get(b.firstSeq) ?? [];
      list.push(b);
      this.byFirst.set(b.firstSeq, list);
    }
    // Computed from the end backwards, so that each batch's children are done first.
    for (const b of [...batches].sort((x, y) => y.firstSeq - x.firstSeq)) {
      let r = b.lastSeq;
      let a = target !== null && b.firstSeq <= target.size - 1 && target.size - 1 <= b.lastSeq && leafAt(b, target.size - 1) === target.head;
      for (const c of this.children(b)) {
        r = Math.max(r, this.reach.get(c) ?? c.lastSeq);
        a = a || (this.anchored.get(c) ?? false);
      }
      this.reach.set(b, r);
      this.anchored.set(b, a);
    }
  }

  children(b: ScannedBatch): ScannedBatch[] {
    return (this.byFirst.get(b.lastSeq + 1) ?? []).filter((c) => c.firstPrev === b.lastHash);
  }

  /** Batches reachable from these through children, themselves included. */
  descendants(from: readonly ScannedBatch[]): Set<ScannedBatch> {
    const seen = new Set<ScannedBatch>();
    for (const todo = [...from]; todo.length > 0;) {
      const b = todo.pop()!;
      if (seen.has(b)) continue;
      seen.add(b);
      todo.push(...this.children(b));
    }
    return seen;
  }

  byReach(list: readonly ScannedBatch[]): ScannedBatch[] {
    return [...list].sort((x, y) => (this.reach.get(y) ?? 0) - (this.reach.get(x) ?? 0));
  }
}

/**
 * Which of several objects that continue the chain at `pos` is committed: the
 * one whose continuation passes through the furthest anchor. Before that anchor
 * with none reaching it, the archive is damaged (the checkpoint checks will say
 * so): the longest continuation is followed so that later damage is reported
 * too. Past every anchor nothing signed decides: null, an unresolved fork.
 */
function choose(g: ShardGraph, pos: number, linked: readonly ScannedBatch[]): ScannedBatch | null {
  if (linked.length === 1) return linked[0];
  const anchoredOnes = linked.filter((b) => g.anchored.get(b));
  if (anchoredOnes.length > 0) return g.byReach(anchoredOnes)[0];
  if (g.target !== null && pos < g.target.size) return g.byReach(linked)[0];
  return null;
}

function forkNotice(shard: string, pos: number, candidates: readonly ScannedBatch[], g: ShardGraph): Notice {
  const each = candidates.map((b) => `${b.key} (records ${b.firstSeq}-${b.lastSeq}, its branch reaching record ${g.reach.get(b) ?? b.lastSeq})`);
  return {
    code: 'UNRESOLVED_FORK',
    message: `shard ${shard}: ${candidates.length} objects continue the chain at sequence ${pos}, past the newest checkpoint; none is committed until a checkpoint covers one of them, candidates: ${each.join('; ')}`,
    shard,
  };
}

/**
 * Rebuilds one shard's committed chain from its batch objects. Where two objects
 * continue the chain at the same place, the committed one is the one whose
 * continuation passes through the anchors (signed checkpoint heads, or the live
 * head); a loser that links correctly but is not continued is an orphan (a
 * writer lost the compare-and-swap), never a record. Past every anchor, two
 * candidates leave the chain there: both are reported, neither is counted.
 * Anything else off the chain is tampering.
 */
export function assembleShard(
  shard: string,
  batches: readonly ScannedBatch[],
  anchors: readonly Anchor[],
  /** Chain sizes (checkpoint sizes) to report the last leaf at. */
  snapshotSizes: ReadonlySet<number>,
  /** The live head from the index, when online: the chain ends exactly there, later objects are orphans. */
  liveHead?: Anchor,
  /** Verify a slice: start at the first object given and trust its link to what came before. */
  partial = false,
): AssembledShard {
  if (liveHead) anchors = [...anchors, liveHead];
  const target = anchors.reduce<Anchor | null>((best, a) => (a.size > 0 && (!best || a.size > best.size) ? a : best), null);
  const g = new ShardGraph(batches, target);
  const walk = walkChain(shard, g, partial, liveHead ? liveHead.size : Infinity);
  const { chain, problems, notices } = walk;
  if (liveHead && (walk.pos < liveHead.size || (liveHead.size > 0 && walk.prev !== liveHead.head))) {
    problems.push({
      code: 'HEAD_MISMATCH',
      message: `shard ${shard}: the index's head is record ${liveHead.size - 1} with hash ${liveHead.head.slice(0, 16)}, the archive's chain ends at record ${walk.pos - 1}${walk.pos >= liveHead.size ? ' with another hash' : ''}`,
      shard,
      seq: walk.pos,
    });
  }
  const undecided = walk.fork ? g.descendants(walk.fork.candidates) : new Set<ScannedBatch>();
  classifyLeftovers(shard, batches, chain, walk.pos, undecided, problems, notices);
  for (const b of batches) problems.push(...b.problems);
  const headsAt = partial ? new Map<number, string>() : headsAtSizes(chain, snapshotSizes);
  const fork = walk.fork ? { seq: walk.fork.seq, candidates: walk.fork.candidates.map((b) => b.key) } : undefined;
  return { shard, chain, length: walk.pos, head: walk.prev, headsAt, ...(fork ? { fork } : {}), problems, notices };
}

/** Step 3's walk from seq 0 (or the slice's first object) along the objects that link. */
function walkChain(shard: string, g: ShardGraph, partial: boolean, end: number) {
  const problems: Problem[] = [];
  const notices: Notice[] = [];
  const chain: ScannedBatch[] = [];
  let fork: { seq: number; candidates: ScannedBatch[] } | undefined;
  let pos = 0;
  let prev = ZERO_HASH;
  if (partial && g.batches.length > 0) {
    pos = Math.min(...g.batches.map((b) => b.firstSeq));
    prev = g.byReach(g.byFirst.get(pos) ?? [])[0].firstPrev;
  }
  const place = (b: ScannedBatch) => {
    chain.push(b);
    pos = b.lastSeq + 1;
    prev = b.lastHash;
  };
  const maxFirst = g.batches.reduce((m, b) => Math.max(m, b.firstSeq), -1);
  while (pos <= maxFirst && pos < end) {
    const here = g.byFirst.get(pos) ?? [];
    const linked = here.filter((b) => b.firstPrev === prev && b.problems.length === 0);
    if (pos === 0 && !partial && here.length > 0 && !here.some((b) => b.firstKind === 'genesis')) {
      problems.push({ code: 'GENESIS', message: `shard ${shard} does not start with a genesis record`, shard, seq: 0 });
    }
    if (linked.length > 0) {
      const pick = choose(g, pos, linked);
      if (pick === null) {
        fork = { seq: pos, candidates: linked };
        notices.push(forkNotice(shard, pos, linked, g));
        break;
      }
      place(pick);
      continue;
    }
    if (here.length > 0) {
      // The object at this place does not link: report it once, precisely, then keep
      // walking from it so that later damage is reported too.
      const b = here[0];
      if (b.problems.length === 0) {
        problems.push({
          code: 'LINK',
          message: `record ${pos}: prev does not match the hash of record ${pos - 1} (object ${b.key})`,
          key: b.key,
          shard,
          seq: pos,
        });
      }
      place(b);
      continue;
    }
    const next = [...g.byFirst.keys()].filter((s) => s > pos).sort((x, y) => x - y)[0];
    if (next >= end) break;
    problems.push({ code: 'GAP', message: `shard ${shard}: records ${pos}-${next - 1} are missing`, shard, seq: pos });
    const resume = g.byFirst.get(next)!;
    place(resume[0]);
    problems.push({ code: 'LINK', message: `record ${next}: chain resumes after a gap (object ${resume[0].key})`, key: resume[0].key, shard, seq: next });
  }
  return { chain, pos, prev, fork, problems, notices };
}

/** Objects off the chain: orphans when they link to it, tampering when they do not; a fork's candidates are neither yet. */
function classifyLeftovers(
  shard: string,
  batches: readonly ScannedBatch[],
  chain: readonly ScannedBatch[],
  pos: number,
  undecided: ReadonlySet<ScannedBatch>,
  problems: Problem[],
  notices: Notice[],
): void {
  const onChain = new Set(chain);
  for (const b of batches) {
    if (onChain.has(b) || undecided.has(b)) continue;
    const linksToChain = b.problems.length === 0 && b.firstSeq <= pos && chainHashAt(chain, b.firstSeq - 1) === b.firstPrev;
    if (linksToChain) {
      notices.push({ code: 'ORPHAN', message: `object ${b.key} (records ${b.firstSeq}-${b.lastSeq}) was written but never committed`, key: b.key, shard });
    } else if (b.problems.length === 0) {
      problems.push({ code: 'UNLINKED_OBJECT', message: `object ${b.key} does not link to the committed chain`, key: b.key, shard, seq: b.firstSeq });
    }
  }
}

/** The leaf hash at size-1 for each snapshot size the chain reaches. */
function headsAtSizes(chain: readonly ScannedBatch[], snapshotSizes: ReadonlySet<number>): Map<number, string> {
  const headsAt = new Map<number, string>();
  const sizes = [...snapshotSizes].filter((s) => s > 0).sort((x, y) => x - y);
  let placed = 0;
  let next = 0;
  for (const b of chain) {
    for (; next < sizes.length && sizes[next] <= placed + b.count; next++) headsAt.set(sizes[next], leafAt(b, b.firstSeq + sizes[next] - 1 - placed));
    placed += b.count;
  }
  return headsAt;
}

function chainHashAt(chain: readonly ScannedBatch[], seq: number): string | null {
  if (seq < 0) return ZERO_HASH;
  for (const b of chain) if (b.firstSeq <= seq && seq <= b.lastSeq) return leafAt(b, seq);
  return null;
}
