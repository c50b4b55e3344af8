import { nodeHash, rootOfRange } from '../core/merkle';
import { isPowerOfTwo, splitPoint } from '../core/merkle/ranges';
import { TILE_HEIGHT, TILE_WIDTH } from './tile-keys';
import type { TileCoverage } from './tile-reader';

/**
 * How to compute MTH(D[start:end]) from what the index stores: a stored tile,
 * a run of leaf hashes from the batch log, or the node over two parts (split
 * as RFC 6962 splits a range: at the largest power of two below its width).
 */
export type TreePart =
  | { kind: 'tile'; level: number; index: number }
  | { kind: 'leaves'; start: number; end: number }
  | { kind: 'node'; left: TreePart; right: TreePart };

export interface Interval {
  start: number;
  end: number;
}

function log2Exact(width: number): number {
  let level = 0;
  for (let w = width; w > 1; w /= 2) level++;
  return level;
}

/**
 * The cheapest plan for MTH(D[start:end]) given the tiles stored: the highest
 * stored tile that is exactly a perfect piece of the range, else the split;
 * leaves only for pieces narrower than a tile or past the tiled prefix.
 */
export function planRange(start: number, end: number, coverage: TileCoverage): TreePart {
  const width = end - start;
  const tiledLeaves = (coverage.get(TILE_HEIGHT) ?? 0) * TILE_WIDTH;
  // Tiles are a prefix: past the first untiled leaf there is nothing to use.
  if (width < TILE_WIDTH || start >= tiledLeaves) return { kind: 'leaves', start, end };
  if (isPowerOfTwo(width) && start % width === 0) {
    const level = log2Exact(width);
    if (level % TILE_HEIGHT === 0 && start / width < (coverage.get(level) ?? 0)) return { kind: 'tile', level, index: start / width };
  }
  const k = splitPoint(width);
  return { kind: 'node', left: planRange(start, start + k, coverage), right: planRange(start + k, end, coverage) };
}

export interface PlanNeeds {
  /** level -> tile indices. */
  tiles: Map<number, Set<number>>;
  /** Leaf ranges, sorted and merged. */
  leaves: Interval[];
}

export function planNeeds(parts: readonly TreePart[]): PlanNeeds {
  const tiles = new Map<number, Set<number>>();
  const leaves: Interval[] = [];
  const stack = [...parts];
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (p.kind === 'node') stack.push(p.left, p.right);
    else if (p.kind === 'leaves') leaves.push({ start: p.start, end: p.end });
    else {
      let set = tiles.get(p.level);
      if (!set) tiles.set(p.level, (set = new Set()));
      set.add(p.index);
    }
  }
  return { tiles, leaves: mergeIntervals(leaves, 0) };
}

/** Sorts and merges intervals that overlap or are at most `gap` apart (reading a small gap beats another request). */
export function mergeIntervals(intervals: readonly Interval[], gap: number): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && iv.start <= last.end + gap) last.end = Math.max(last.end, iv.end);
    else out.push({ start: iv.start, end: iv.end });
  }
  return out;
}

/** The parts of `wanted` not covered by `have` (both lists of intervals). */
export function subtractIntervals(wanted: readonly Interval[], have: readonly Interval[]): Interval[] {
  const covered = mergeIntervals(have, 0);
  const out: Interval[] = [];
  for (const w of wanted) {
    let start = w.start;
    for (const c of covered) {
      if (c.end <= start || c.start >= w.end) continue;
      if (c.start > start) out.push({ start, end: c.start });
      start = Math.max(start, c.end);
      if (start >= w.end) break;
    }
    if (start < w.end) out.push({ start, end: w.end });
  }
  return out;
}

export interface PlanData {
  tile(level: number, index: number): Buffer;
  /** Leaf hashes [start, end). */
  leaves(start: number, end: number): readonly Uint8Array[];
}

/** Computes a planned part from fetched data. Recursion depth is the tree's height (at most 53). */
export function evaluatePart(part: TreePart, data: PlanData): Buffer {
  if (part.kind === 'tile') return data.tile(part.level, part.index);
  if (part.kind === 'leaves') {
    const leaves = data.leaves(part.start, part.end);
    return rootOfRange(leaves, 0, leaves.length);
  }
  return nodeHash(evaluatePart(part.left, data), evaluatePart(part.right, data));
}
