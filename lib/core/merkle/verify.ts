import { bytesEqual, isHash, nodeHash } from './hash';
import { checkConsistency } from './consistency';

/**
 * Proof verification as specified in RFC 9162 sections 2.1.3.2 and 2.1.4.2,
 * which is equivalent to RFC 6962's proofs but stated as a loop over the proof.
 * These functions take untrusted input (proof files, checkpoints), so anything
 * malformed (sizes that are not safe integers, hashes that are not 32 bytes,
 * proofs of the wrong length) makes them return false or null; they never throw.
 *
 * A root only proves something together with the size it belongs to: a caller
 * must take both from the same signed checkpoint.
 */

function isSize(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}

function isHashList(x: unknown): x is readonly Uint8Array[] {
  return Array.isArray(x) && x.every(isHash);
}

const isOdd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

/**
 * The root that `proof` yields for the leaf at `index` in a tree of `size`, or
 * null when the proof cannot belong to such a leaf (wrong length, bad hash).
 */
export function rootFromInclusionProof(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[]): Buffer | null {
  if (!isSize(index) || !isSize(size) || index >= size) return null;
  if (!isHash(leafHash) || !isHashList(proof)) return null;
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0) return null; // proof longer than the path
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // Climb past levels where this node is a lone right-edge node, which
      // RFC 6962 promotes instead of hashing.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return null; // proof shorter than the path
  return Buffer.from(r);
}

/** True when `proof` shows the leaf hash sits at `index` in the tree of `size` with `root`. */
export function verifyInclusion(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!isHash(root)) return false;
  const computed = rootFromInclusionProof(index, size, leafHash, proof);
  return computed !== null && bytesEqual(computed, root);
}

/**
 * True when `proof` shows the tree of oldSize leaves with oldRoot is a prefix of
 * the tree of newSize leaves with newRoot. Equal sizes need an empty proof and
 * equal roots; oldSize 0 needs an empty proof and the empty tree's root.
 */
export function verifyConsistency(oldSize: number, newSize: number, oldRoot: Uint8Array, newRoot: Uint8Array, proof: readonly Uint8Array[]): boolean {
  // One implementation of RFC 9162 2.1.4.2: checkConsistency, which also says why a proof fails.
  return checkConsistency(oldSize, newSize, oldRoot, newRoot, proof).ok;
}
