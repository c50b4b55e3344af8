import { HASH_SIZE, bytesEqual, emptyRoot, isHash, nodeHash } from './hash';
import { consistencyRanges, isPowerOfTwo } from './ranges';

/**
 * Consistency proofs checked with a reason (verifyConsistency in verify.ts
 * is its yes or no); a person told that two signed checkpoints of a shard do
 * not agree needs to know why: sizes that shrink, a proof of the wrong
 * length, or hashes that do not rebuild one of the two roots. Proofs are built
 * by consistencyProof (from leaves) or consistencyProofFrom (from any
 * SubtreeRootSource, e.g. stored tiles); this module only checks them.
 *
 * Like every verification function here it takes untrusted input and never
 * throws: anything malformed is a failure with a reason.
 */

/** Why a consistency proof does not verify. Codes are stable: the CLI and FORMAT.md use them. */
export type ConsistencyFailure =
  | 'BAD_SIZE' // a size is not a whole number between 0 and 2^53 - 1
  | 'OLD_LARGER' // the old size is larger than the new one: a log never shrinks
  | 'BAD_HASH' // a root or a proof entry is not a 32-byte hash
  | 'PROOF_LENGTH' // the proof does not have the number of hashes these two sizes need
  | 'ROOTS_DIFFER' // equal sizes and different roots: two different trees of one size
  | 'OLD_ROOT' // the proof does not rebuild the old root: the old tree is not a prefix of the new one
  | 'NEW_ROOT'; // the proof does not rebuild the new root

export type ConsistencyVerdict = { ok: true } | { ok: false; reason: ConsistencyFailure; message: string };

const OK: ConsistencyVerdict = { ok: true };
const fail = (reason: ConsistencyFailure, message: string): ConsistencyVerdict => ({ ok: false, reason, message });

const isSize = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isOdd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);
const short = (h: Uint8Array): string => Buffer.from(h).toString('hex').slice(0, 16);

/** The checks that need no hashing: sizes, hash shapes and the proof's length. */
function checkShape(oldSize: number, newSize: number, oldRoot: Uint8Array, newRoot: Uint8Array, proof: readonly Uint8Array[]): ConsistencyVerdict {
  if (!isSize(oldSize) || !isSize(newSize))
    return fail('BAD_SIZE', `tree sizes must be whole numbers from 0 to 2^53 - 1, got ${String(oldSize)} and ${String(newSize)}`);
  if (oldSize > newSize) return fail('OLD_LARGER', `the old tree has ${oldSize} leaves, more than the new tree's ${newSize}: a log never shrinks`);
  if (!isHash(oldRoot)) return fail('BAD_HASH', `the old root is not a ${HASH_SIZE}-byte hash`);
  if (!isHash(newRoot)) return fail('BAD_HASH', `the new root is not a ${HASH_SIZE}-byte hash`);
  if (!Array.isArray(proof)) return fail('BAD_HASH', 'the proof is not a list of hashes');
  const bad = proof.findIndex((h) => !isHash(h));
  if (bad >= 0) return fail('BAD_HASH', `proof entry ${bad} is not a ${HASH_SIZE}-byte hash`);
  const want = consistencyRanges(oldSize, newSize).length;
  if (proof.length !== want) return fail('PROOF_LENGTH', `the proof has ${proof.length} hash(es), a proof from size ${oldSize} to size ${newSize} has ${want}`);
  return OK;
}

/**
 * RFC 9162 section 2.1.4.2: the old and new roots the proof rebuilds, or null
 * when the proof does not fit the sizes. `proof` is non-empty and 0 < oldSize < newSize.
 */
function rebuildRoots(oldSize: number, newSize: number, oldRoot: Uint8Array, proof: readonly Uint8Array[]): { fr: Uint8Array; sr: Uint8Array } | null {
  // A perfect old tree is a node of the new one: its root is left out of the proof.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return null;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? { fr, sr } : null;
}

/**
 * Whether `proof` shows that the tree of oldSize leaves with oldRoot is a
 * prefix of the tree of newSize leaves with newRoot, and if not, why. The empty tree (root SHA-256 of
 * nothing) is a prefix of every tree, with an empty proof.
 */
export function checkConsistency(oldSize: number, newSize: number, oldRoot: Uint8Array, newRoot: Uint8Array, proof: readonly Uint8Array[]): ConsistencyVerdict {
  const shape = checkShape(oldSize, newSize, oldRoot, newRoot, proof);
  if (!shape.ok) return shape;
  // The empty tree first: two "empty" trees with a root other than SHA-256 of nothing are not consistent either.
  if (oldSize === 0 && !bytesEqual(oldRoot, emptyRoot())) {
    return fail('OLD_ROOT', `the old tree is empty but its root ${short(oldRoot)}… is not SHA-256 of nothing`);
  }
  if (oldSize === newSize) {
    return bytesEqual(oldRoot, newRoot)
      ? OK
      : fail('ROOTS_DIFFER', `two trees of ${oldSize} leaves with different roots (${short(oldRoot)}… and ${short(newRoot)}…)`);
  }
  if (oldSize === 0) return OK;
  const rebuilt = rebuildRoots(oldSize, newSize, oldRoot, proof);
  if (rebuilt === null) return fail('PROOF_LENGTH', `the proof does not fit a tree growing from ${oldSize} to ${newSize} leaves`);
  if (!bytesEqual(rebuilt.fr, oldRoot)) {
    return fail(
      'OLD_ROOT',
      `the proof rebuilds old root ${short(rebuilt.fr)}…, not ${short(oldRoot)}…: the tree of ${oldSize} leaves is not a prefix of the tree of ${newSize}`,
    );
  }
  if (!bytesEqual(rebuilt.sr, newRoot)) {
    return fail(
      'NEW_ROOT',
      `the proof rebuilds new root ${short(rebuilt.sr)}…, not ${short(newRoot)}…: the tree of ${newSize} leaves does not extend the tree of ${oldSize}`,
    );
  }
  return OK;
}
