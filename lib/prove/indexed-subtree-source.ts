import { MerkleError, inclusionProofFrom, inclusionRanges, type SubtreeRange, type SubtreeRootSource } from '../core/merkle';
import { readLeaves } from './batch-log';
import type { IndexTable } from './index-table';
import { readTileCoverage, readTiles, type TileCoverage } from './tile-reader';
import { TILE_WIDTH } from './tile-keys';
import { type Interval, type PlanData, type TreePart, evaluatePart, mergeIntervals, planNeeds, planRange, subtractIntervals } from './tree-plan';

/**
 * Needed tiles of one level closer than this many indices are read in one
 * range query: an inclusion path needs at most two clusters per level (around
 * the leaf, and at the tree's right edge).
 */
const TILE_QUERY_GAP = TILE_WIDTH;
/** Same for leaf ranges: the leaf's own 256-block and the last, partial block. */
const LEAF_QUERY_GAP = TILE_WIDTH;

function clusters(sorted: readonly number[], gap: number): Interval[] {
  return mergeIntervals(
    sorted.map((i) => ({ start: i, end: i + 1 })),
    gap,
  );
}

/**
 * Subtree roots of one shard's tree of `size` leaves, computed from stored
 * tiles and the batch log. `prefetch` reads everything a set of ranges needs
 * in parallel, a few range queries in all; getSubtreeRoot then computes from
 * what is cached (and reads whatever is still missing).
 */
export class IndexedSubtreeSource {
  private readonly tiles = new Map<number, Map<number, Buffer>>();
  private readonly windows: { start: number; leaves: Buffer[] }[] = [];

  constructor(
    private readonly table: IndexTable,
    private readonly shard: string,
    private readonly size: number,
    private readonly coverage: TileCoverage,
  ) {}

  async prefetch(ranges: readonly SubtreeRange[]): Promise<void> {
    await this.ensure(ranges.map((r) => this.plan(r.start, r.end)));
  }

  readonly getSubtreeRoot: SubtreeRootSource = async (start, end) => {
    const part = this.plan(start, end);
    await this.ensure([part]);
    return evaluatePart(part, this.data);
  };

  private plan(start: number, end: number): TreePart {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start >= end || end > this.size) {
      throw new MerkleError('INDEX_OUT_OF_RANGE', `range [${start}, ${end}) is outside a tree of size ${this.size}`);
    }
    return planRange(start, end, this.coverage);
  }

  private async ensure(parts: readonly TreePart[]): Promise<void> {
    const needs = planNeeds(parts);
    const reads: Promise<void>[] = [];
    for (const [level, indices] of needs.tiles) {
      let cache = this.tiles.get(level);
      if (!cache) this.tiles.set(level, (cache = new Map()));
      const have = cache;
      const missing = [...indices].filter((i) => !have.has(i)).sort((a, b) => a - b);
      for (const c of clusters(missing, TILE_QUERY_GAP)) {
        reads.push(
          readTiles(this.table, this.shard, level, c.start, c.end).then((got) => {
            for (const [i, h] of got) have.set(i, h);
          }),
        );
      }
    }
    const haveLeaves = this.windows.map((w) => ({ start: w.start, end: w.start + w.leaves.length }));
    for (const iv of mergeIntervals(subtractIntervals(needs.leaves, haveLeaves), LEAF_QUERY_GAP)) {
      reads.push(
        readLeaves(this.table, this.shard, iv.start, iv.end).then((leaves) => {
          this.windows.push({ start: iv.start, leaves });
        }),
      );
    }
    await Promise.all(reads);
  }

  private readonly data: PlanData = {
    tile: (level, index) => {
      const h = this.tiles.get(level)?.get(index);
      if (!h) throw new Error(`tile ${level}/${index} was planned but not read`);
      return h;
    },
    leaves: (start, end) => {
      const whole = this.windows.find((w) => w.start <= start && end <= w.start + w.leaves.length);
      if (whole) return whole.leaves.slice(start - whole.start, end - whole.start);
      // The range straddles windows read at different times: gather leaf by leaf.
      const out: Buffer[] = [];
      for (let i = start; i < end; i++) {
        const w = this.windows.find((x) => x.start <= i && i < x.start + x.leaves.length);
        if (!w) throw new Error(`leaf ${i} was planned but not read`);
        out.push(w.leaves[i - w.start]);
      }
      return out;
    },
  };
}

/**
 * PATH(index, D[size]) of a shard from the index table: one read for the tile
 * progress, then a few range queries (tiles near the leaf and at the right
 * edge, one per tile level and place; the leaf's 256-block and the last
 * partial block from the batch log).
 */
export async function inclusionPathFromIndex(
  table: IndexTable,
  shard: string,
  index: number,
  size: number,
  coverage?: TileCoverage,
): Promise<Buffer[]> {
  const source = new IndexedSubtreeSource(table, shard, size, coverage ?? (await readTileCoverage(table, shard, size)));
  await source.prefetch(inclusionRanges(index, size));
  return inclusionProofFrom(index, size, source.getSubtreeRoot);
}
