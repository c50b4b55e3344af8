import { MerkleError } from './errors';

/**
 * Which subtree hashes a proof or a frontier is made of, independent of where the
 * hashes come from. Sizes and indices are plain numbers valid up to 2^53 - 1, so
 * all arithmetic here avoids JavaScript's 32-bit bitwise operators.
 *
 * A range [start, end) names MTH(D[start:end]). Every range produced here is
 * either a perfect subtree (end - start = 2^j and start a multiple of 2^j), whose
 * hash never changes once the tree has grown past `end`, or a range ending at
 * the tree's current size (its right edge). A tile store can therefore serve the
 * perfect ones directly and fold the right-edge ones from O(log n) perfect ones.
 */
export interface SubtreeRange {
  readonly start: number;
  readonly end: number;
}

export function assertTreeSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new MerkleError('INVALID_ARGUMENT', `${what} must be a non-negative safe integer, got ${String(n)}`);
  }
}

/** The k of RFC 6962 section 2.1: the largest power of two smaller than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && splitPoint(n + 1) === n;
}

/**
 * The ranges whose hashes form PATH(index, D[size]) (RFC 6962 section 2.1.1),
 * ordered from the leaf's sibling up to the root's other child, which is the
 * order of the proof. Walks down from the root, so it takes O(log size) steps.
 */
export function inclusionRanges(index: number, size: number): SubtreeRange[] {
  assertTreeSize(size, 'tree size');
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new MerkleError('INDEX_OUT_OF_RANGE', `leaf index ${String(index)} is outside a tree of size ${size}`);
  }
  const topDown: SubtreeRange[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      topDown.push({ start: lo + k, end: hi });
      hi = lo + k;
    } else {
      topDown.push({ start: lo, end: lo + k });
      lo += k;
    }
  }
  return topDown.reverse();
}

/**
 * The ranges whose hashes form PROOF(oldSize, D[newSize]) (RFC 6962 section
 * 2.1.2), in proof order. SUBPROOF's recursion is a single descent, unrolled here.
 * oldSize 0 and oldSize == newSize need no hashes: an empty tree is a prefix of
 * every tree, and a tree is consistent with itself.
 */
export function consistencyRanges(oldSize: number, newSize: number): SubtreeRange[] {
  assertTreeSize(oldSize, 'old tree size');
  assertTreeSize(newSize, 'new tree size');
  if (oldSize > newSize) {
    throw new MerkleError('SIZE_OUT_OF_RANGE', `old tree size ${oldSize} is larger than new tree size ${newSize}`);
  }
  if (oldSize === 0 || oldSize === newSize) return [];
  const topDown: SubtreeRange[] = [];
  let lo = 0;
  let hi = newSize;
  // SUBPROOF's flag b: true while the old tree's root lies on the path, in
  // which case the verifier already knows it and it is left out.
  let oldRootOnPath = true;
  for (;;) {
    if (oldSize === hi) {
      if (!oldRootOnPath) topDown.push({ start: lo, end: hi });
      break;
    }
    const k = splitPoint(hi - lo);
    if (oldSize <= lo + k) {
      topDown.push({ start: lo + k, end: hi });
      hi = lo + k;
    } else {
      topDown.push({ start: lo, end: lo + k });
      lo += k;
      oldRootOnPath = false;
    }
  }
  return topDown.reverse();
}

/**
 * The perfect subtrees that make up a tree of `size` leaves, left to right: one
 * per set bit of `size`, largest first. Their roots are a compact frontier.
 */
export function frontierRanges(size: number): SubtreeRange[] {
  assertTreeSize(size, 'tree size');
  const out: SubtreeRange[] = [];
  let start = 0;
  let rest = size;
  while (rest > 0) {
    const width = splitPoint(rest + 1);
    out.push({ start, end: start + width });
    start += width;
    rest -= width;
  }
  return out;
}
