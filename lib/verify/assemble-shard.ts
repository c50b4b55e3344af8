import { ZERO_HASH } from '../core/record';
import type { Notice, Problem } from './problems';
import type { ScannedBatch } from './scan-batch';

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
  problems: Problem[];
  notices: Notice[];
}

const leafAt = (b: ScannedBatch, seq: number): string =>
  b.leaves.subarray((seq - b.firstSeq) * 32, (seq - b.firstSeq + 1) * 32).toString('hex');

/**
 * Rebuilds one shard's committed chain from its batch objects. Where two objects
 * continue the chain at the same place, the committed one is the one whose
 * continuation passes through the anchors (signed checkpoint heads); a loser
 * that links correctly but is not continued is an orphan (a writer lost the
 * compare-and-swap), never a record. Anything else off the chain is tampering.
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
  const problems: Problem[] = [];
  const notices: Notice[] = [];
  const byFirst = new Map<number, ScannedBatch[]>();
  for (const b of batches) {
    const list = byFirst.get(b.firstSeq) ?? [];
    list.push(b);
    byFirst.set(b.firstSeq, list);
  }
  const children = (b: ScannedBatch): ScannedBatch[] => (byFirst.get(b.lastSeq + 1) ?? []).filter((c) => c.firstPrev === b.lastHash);

  // reach: furthest sequence a batch's continuation gets to; anchored: its continuation
  // passes through the furthest anchor it could contain. Computed from the end backwards.
  const target = anchors.reduce<Anchor | null>((best, a) => (a.size > 0 && (!best || a.size > best.size) ? a : best), null);
  const reach = new Map<ScannedBatch, number>();
  const anchored = new Map<ScannedBatch, boolean>();
  for (const b of [...batches].sort((x, y) => y.firstSeq - x.firstSeq)) {
    let r = b.lastSeq;
    let a = target !== null && b.firstSeq <= target.size - 1 && target.size - 1 <= b.lastSeq && leafAt(b, target.size - 1) === target.head;
    for (const c of children(b)) {
      r = Math.max(r, reach.get(c) ?? c.lastSeq);
      a = a || (anchored.get(c) ?? false);
    }
    reach.set(b, r);
    anchored.set(b, a);
  }

  const chain: ScannedBatch[] = [];
  const onChain = new Set<ScannedBatch>();
  let pos = 0;
  let prev = ZERO_HASH;
  if (partial && batches.length > 0) {
    pos = Math.min(...batches.map((b) => b.firstSeq));
    const first = [...(byFirst.get(pos) ?? [])].sort((x, y) => (reach.get(y) ?? 0) - (reach.get(x) ?? 0))[0];
    prev = first.firstPrev;
  }
  const place = (b: ScannedBatch) => {
    chain.push(b);
    onChain.add(b);
    pos = b.lastSeq + 1;
    prev = b.lastHash;
  };
  const maxFirst = batches.reduce((m, b) => Math.max(m, b.firstSeq), -1);
  const end = liveHead ? liveHead.size : Infinity;
  while (pos <= maxFirst && pos < end) {
    const here = byFirst.get(pos) ?? [];
    const linked = here.filter((b) => b.firstPrev === prev && b.problems.length === 0);
    if (pos === 0 && !partial && here.length > 0 && !here.some((b) => b.firstKind === 'genesis')) {
      problems.push({ code: 'GENESIS', message: `shard ${shard} does not start with a genesis record`, shard, seq: 0 });
    }
    if (linked.length > 0) {
      let pick = linked[0];
      if (linked.length > 1) {
        const anchoredOnes = linked.filter((b) => anchored.get(b));
        const pool = anchoredOnes.length > 0 ? anchoredOnes : linked;
        pool.sort((x, y) => (reach.get(y) ?? 0) - (reach.get(x) ?? 0));
        pick = pool[0];
        if (anchoredOnes.length === 0 && pool.length > 1 && reach.get(pool[0]) === reach.get(pool[1])) {
          notices.push({
            code: 'UNRESOLVED_FORK',
            message: `shard ${shard}: ${pool.length} unsealed objects continue the chain at sequence ${pos}; the next checkpoint decides which is committed`,
            shard,
          });
        }
      }
      place(pick);
      continue;
    }
    if (here.length > 0) {
      // The object at this place does not link: report it once, precisely, then keep
      // walking from it so that later damage is reported too.
      const b = here[0];
      if (b.problems.length === 0) {
        problems.push({ code: 'LINK', message: `record ${pos}: prev does not match the hash of record ${pos - 1} (object ${b.key})`, key: b.key, shard, seq: pos });
      }
      place(b);
      continue;
    }
    const next = [...byFirst.keys()].filter((s) => s > pos).sort((x, y) => x - y)[0];
    if (next >= end) break;
    problems.push({ code: 'GAP', message: `shard ${shard}: records ${pos}-${next - 1} are missing`, shard, seq: pos });
    const resume = byFirst.get(next)!;
    place(resume[0]);
    problems.push({ code: 'LINK', message: `record ${next}: chain resumes after a gap (object ${resume[0].key})`, key: resume[0].key, shard, seq: next });
  }

  if (liveHead && (pos < liveHead.size || (liveHead.size > 0 && prev !== liveHead.head))) {
    problems.push({
      code: 'HEAD_MISMATCH',
      message: `shard ${shard}: the index's head is record ${liveHead.size - 1} with hash ${liveHead.head.slice(0, 16)}, the archive's chain ends at record ${pos - 1}${pos >= liveHead.size ? ' with another hash' : ''}`,
      shard,
      seq: pos,
    });
  }
  for (const b of batches) {
    if (onChain.has(b)) continue;
    const linksToChain = b.problems.length === 0 && b.firstSeq <= pos && chainHashAt(chain, b.firstSeq - 1) === b.firstPrev;
    if (linksToChain) {
      notices.push({ code: 'ORPHAN', message: `object ${b.key} (records ${b.firstSeq}-${b.lastSeq}) was written but never committed`, key: b.key, shard });
    } else if (b.problems.length === 0) {
      problems.push({ code: 'UNLINKED_OBJECT', message: `object ${b.key} does not link to the committed chain`, key: b.key, shard, seq: b.firstSeq });
    }
  }
  for (const b of batches) problems.push(...b.problems);
  const headsAt = new Map<number, string>();
  const sizes = [...snapshotSizes].filter((s) => s > 0).sort((x, y) => x - y);
  let placed = 0;
  let next = 0;
  for (const b of partial ? [] : chain) {
    for (; next < sizes.length && sizes[next] <= placed + b.count; next++) headsAt.set(sizes[next], leafAt(b, b.firstSeq + sizes[next] - 1 - placed));
    placed += b.count;
  }
  return { shard, chain, length: pos, head: prev, headsAt, problems, notices };
}

function chainHashAt(chain: readonly ScannedBatch[], seq: number): string | null {
  if (seq < 0) return ZERO_HASH;
  for (const b of chain) if (b.firstSeq <= seq && seq <= b.lastSeq) return leafAt(b, seq);
  return null;
}
