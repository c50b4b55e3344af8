import * as crypto from 'node:crypto';
import { MerkleError } from './errors';

/** Every hash in the tree is a SHA-256 digest. */
export const HASH_SIZE = 32;

// RFC 6962 section 2.1 domain-separates leaves from interior nodes so that a
// leaf can never be passed off as a node (second-preimage attacks).
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

const EMPTY_ROOT_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** MTH({}) = SHA-256 of the empty string. A fresh copy, so callers may keep it. */
export function emptyRoot(): Buffer {
  return Buffer.from(EMPTY_ROOT_HEX, 'hex');
}

/** MTH({d}) = SHA-256(0x00 || d), where d is the record's canonical bytes. */
export function leafHash(data: Uint8Array): Buffer {
  return crypto.createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

// Interior nodes are most of the hashing a verifier does. Node >= 20.12 has a
// one-shot crypto.hash that skips creating a Hash object and is about a third
// faster per node; older Node 20 releases fall back to createHash.
const hashOnce = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer }).hash;
// Reused for every node: hashing is synchronous, so no two calls share it at once.
const nodeInput = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeInput[0] = NODE_PREFIX[0]!;

/**
 * The leaf hash of `data` when the caller already holds it right after a 0x00
 * byte (`input` = 0x00 || data): one hash over one buffer, where leafHash
 * takes two updates. The writer builds each record's bytes this way.
 */
export function leafHashOfPrefixed(input: Uint8Array): Buffer {
  if (input.length === 0 || input[0] !== 0) throw new MerkleError('INVALID_ARGUMENT', 'a prefixed leaf input must start with the 0x00 leaf prefix');
  return hashOnce === undefined ? crypto.createHash('sha256').update(input).digest() : hashOnce('sha256', input, 'buffer');
}

/** SHA-256(0x01 || left || right); both children must be 32-byte hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new MerkleError('INVALID_HASH', `node children must be ${HASH_SIZE}-byte hashes, got ${left.length} and ${right.length}`);
  }
  if (hashOnce === undefined) return crypto.createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE);
  return hashOnce('sha256', nodeInput, 'buffer');
}

export function isHash(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array && x.length === HASH_SIZE;
}

export function assertHash(x: unknown, what: string): asserts x is Uint8Array {
  if (!isHash(x)) throw new MerkleError('INVALID_HASH', `${what} must be a ${HASH_SIZE}-byte hash`);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** A Buffer holding its own copy of the bytes, so later changes to `x` cannot reach it. */
export function ownedCopy(x: Uint8Array): Buffer {
  return Buffer.from(x);
}
