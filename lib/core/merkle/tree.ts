import { MerkleError } from './errors';
import { HASH_SIZE, emptyRoot, nodeHash, ownedCopy } from './hash';
import { type SubtreeRange, consistencyRanges, inclusionRanges } from './ranges';

/**
 * Merkle tree hashes computed from an in-memory array of leaf hashes. Used by the
 * verifier over up to millions of leaves, so nothing here recurses in proportion
 * to n or keeps more than O(log n) intermediate hashes.
 */

function leafAt(leafHashes: readonly Uint8Array[], i: number): Uint8Array {
  const h = leafHashes[i];
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    throw new MerkleError('INVALID_HASH', `leaf hash ${i} must be a ${HASH_SIZE}-byte hash`);
  }
  return h;
}

/**
 * MTH(D[start:end]) in one left-to-right pass. The stack holds the roots of the
 * perfect subtrees seen so far (at most log2(n) + 1); folding it from the right
 * at the end gives the same tree as RFC 6962's split at the largest power of two.
 */
export function rootOfRange(leafHashes: readonly Uint8Array[], start: number, end: number): Buffer {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end > leafHashes.length) {
    throw new MerkleError('INDEX_OUT_OF_RANGE', `range [${start}, ${end}) is outside ${leafHashes.length} leaves`);
  }
  if (start === end) return emptyRoot();
  if (end - start === 1) return ownedCopy(leafAt(leafHashes, start));
  const stack: Uint8Array[] = [];
  for (let i = start; i < end; i++) {
    let h = leafAt(leafHashes, i);
    // Each trailing 1 bit of the count so far closes a perfect subtree. Arrays are
    // shorter than 2^32, so unsigned 32-bit shifts are exact here.
    for (let seen = i - start; (seen & 1) === 1; seen >>>= 1) h = nodeHash(stack.pop()!, h);
    stack.push(h);
  }
  let root = stack.pop()!;
  while (stack.length > 0) root = nodeHash(stack.pop()!, root);
  return root as Buffer;
}

/** MTH(D[n]) over already-hashed leaves; the empty tree's root is SHA-256(""). */
export function rootOf(leafHashes: readonly Uint8Array[]): Buffer {
  return rootOfRange(leafHashes, 0, leafHashes.length);
}

function hashesOf(leafHashes: readonly Uint8Array[], ranges: readonly SubtreeRange[]): Buffer[] {
  return ranges.map((r) => rootOfRange(leafHashes, r.start, r.end));
}

/**
 * PATH(index, D[n]) of RFC 6962 section 2.1.1: the audit path from the leaf's
 * sibling up to the root. Costs about n node hashes (the path's subtrees are
 * disjoint) and O(log n) memory.
 */
export function inclusionProof(index: number, leafHashes: readonly Uint8Array[]): Buffer[] {
  const ranges = inclusionRanges(index, leafHashes.length);
  leafAt(leafHashes, index);
  return hashesOf(leafHashes, ranges);
}

/**
 * PROOF(oldSize, D[n]) of RFC 6962 section 2.1.2, proving that the tree of the
 * first oldSize leaves is a prefix of the tree of all n. Empty when oldSize is 0
 * or n.
 */
export function consistencyProof(oldSize: number, leafHashes: readonly Uint8Array[]): Buffer[] {
  return hashesOf(leafHashes, consistencyRanges(oldSize, leafHashes.length));
}
