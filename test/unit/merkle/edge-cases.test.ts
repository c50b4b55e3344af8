import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  Frontier,
  MerkleError,
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  leafHashOfPrefixed,
  nodeHash,
  rootFromInclusionProof,
  rootOf,
  rootOfRange,
  verifyConsistency,
  verifyInclusion,
} from '../../../lib/core/merkle';
import { hex, makeLeaves } from './helpers';
import { refNode } from './rfc6962-reference';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MerkleError);
    return (e as MerkleError).code;
  }
  return undefined;
}

describe('size 0', () => {
  const empty = emptyRoot();

  it('has the root SHA-256("") in every form, and no leaf to prove', () => {
    expect(hex(rootOf([]))).toBe(hex(empty));
    expect(hex(Frontier.empty().root())).toBe(hex(empty));
    expect(codeOf(() => inclusionProof(0, []))).toBe('INDEX_OUT_OF_RANGE');
    expect(verifyInclusion(0, 0, empty, [], empty)).toBe(false);
  });

  it('is consistent with every later tree through an empty proof, but only if its root is the empty root', () => {
    const leaves = makeLeaves(5);
    expect(consistencyProof(0, leaves)).toEqual([]);
    expect(consistencyProof(0, [])).toEqual([]);
    expect(verifyConsistency(0, 0, empty, empty, [])).toBe(true);
    expect(verifyConsistency(0, 5, empty, rootOf(leaves), [])).toBe(true);
    expect(verifyConsistency(0, 5, leaves[0]!, rootOf(leaves), [])).toBe(false);
    expect(verifyConsistency(0, 0, empty, leaves[0]!, [])).toBe(false);
    expect(verifyConsistency(0, 5, empty, rootOf(leaves), [leaves[0]!])).toBe(false);
  });
});

describe('size 1', () => {
  const [leaf] = makeLeaves(1) as [Buffer];

  it('has the leaf hash as root and an empty inclusion proof', () => {
    expect(hex(rootOf([leaf]))).toBe(hex(leaf));
    expect(inclusionProof(0, [leaf])).toEqual([]);
    expect(verifyInclusion(0, 1, leaf, [], leaf)).toBe(true);
    expect(verifyInclusion(0, 1, leaf, [leaf], leaf)).toBe(false);
    expect(verifyInclusion(1, 1, leaf, [], leaf)).toBe(false);
  });

  it('is consistent with itself only through an empty proof and an equal root', () => {
    expect(consistencyProof(1, [leaf])).toEqual([]);
    expect(verifyConsistency(1, 1, leaf, leaf, [])).toBe(true);
    expect(verifyConsistency(1, 1, leaf, emptyRoot(), [])).toBe(false);
    expect(verifyConsistency(1, 1, leaf, leaf, [leaf])).toBe(false);
  });

  it('returns a root the caller may change without touching the leaves', () => {
    const leaves = [Buffer.from(leaf)];
    rootOf(leaves).fill(0);
    expect(hex(leaves[0]!)).toBe(hex(leaf));
  });
});

describe('argument errors', () => {
  const leaves = makeLeaves(6);

  it('throws INDEX_OUT_OF_RANGE for a leaf index outside the tree', () => {
    for (const i of [-1, 6, 7, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(
        codeOf(() => inclusionProof(i, leaves)),
        `index ${i}`,
      ).toBe('INDEX_OUT_OF_RANGE');
    }
    expect(codeOf(() => rootOfRange(leaves, 2, 7))).toBe('INDEX_OUT_OF_RANGE');
    expect(codeOf(() => rootOfRange(leaves, 4, 3))).toBe('INDEX_OUT_OF_RANGE');
  });

  it('throws SIZE_OUT_OF_RANGE for an old size beyond the tree and INVALID_ARGUMENT for a size that is no size', () => {
    expect(codeOf(() => consistencyProof(7, leaves))).toBe('SIZE_OUT_OF_RANGE');
    expect(codeOf(() => consistencyProof(-1, leaves))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => consistencyProof(2.5, leaves))).toBe('INVALID_ARGUMENT');
  });

  it('throws INVALID_HASH for leaf hashes and node children that are not 32 bytes', () => {
    const bad = [...leaves.slice(0, 3), Buffer.alloc(31), ...leaves.slice(4)];
    expect(codeOf(() => rootOf(bad))).toBe('INVALID_HASH');
    expect(codeOf(() => rootOf([Buffer.alloc(33)]))).toBe('INVALID_HASH');
    expect(codeOf(() => inclusionProof(3, bad))).toBe('INVALID_HASH');
    expect(codeOf(() => inclusionProof(0, bad))).toBe('INVALID_HASH');
    expect(codeOf(() => consistencyProof(2, bad))).toBe('INVALID_HASH');
    expect(codeOf(() => nodeHash(leaves[0]!, Buffer.alloc(0)))).toBe('INVALID_HASH');
  });
});

describe('verification of untrusted input', () => {
  const leaves = makeLeaves(11);
  const root = rootOf(leaves);
  const proof = inclusionProof(4, leaves);

  it('returns false, never throws, whatever the sizes, hashes and proof elements are', () => {
    const junkNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(2 ** 53, -0, Number.NaN, 11, 4, 2 ** 60));
    const junkHash = fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.anything() as fc.Arbitrary<never>);
    const junkProof = fc.oneof(fc.array(junkHash, { maxLength: 6 }), fc.anything() as fc.Arbitrary<never>);
    fc.assert(
      fc.property(junkNumber, junkNumber, junkHash, junkProof, junkHash, (i, n, leaf, p, r) => {
        expect(verifyInclusion(i, n, leaf, p, r)).toBe(false);
        expect(verifyConsistency(i, n, leaf, r, p)).toBe(false);
        expect(rootFromInclusionProof(i, n, leaf, p)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('rejects sizes that are not safe integers even when the rest would verify', () => {
    expect(verifyInclusion(4, 11, leaves[4]!, proof, root)).toBe(true);
    expect(verifyInclusion(4.0000001, 11, leaves[4]!, proof, root)).toBe(false);
    expect(verifyInclusion(4, 11.5, leaves[4]!, proof, root)).toBe(false);
    expect(verifyInclusion(4, 11 + 2 ** 53, leaves[4]!, proof, root)).toBe(false);
  });

  it('computes the root a proof implies, so a verifier can report what it expected and what it got', () => {
    expect(hex(rootFromInclusionProof(4, 11, leaves[4]!, proof)!)).toBe(hex(root));
    expect(rootFromInclusionProof(4, 11, leaves[4]!, proof.slice(1))).toBeNull();
    expect(rootFromInclusionProof(4, 11, leaves[4]!, [...proof, root])).toBeNull();
  });
});

describe('leaf hash of a buffer that already starts with the leaf prefix', () => {
  it('equals leafHash of what follows the 0x00 byte (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (data) => {
        const prefixed = Buffer.concat([Buffer.from([0]), data]);
        expect(hex(leafHashOfPrefixed(prefixed))).toBe(hex(leafHash(data)));
      }),
    );
  });

  it('refuses input without the prefix, so a node or a bare record is never taken for a leaf', () => {
    for (const bad of [Buffer.alloc(0), Buffer.from('{"chain":{}}'), Buffer.from([1, 0, 0])]) {
      expect(() => leafHashOfPrefixed(bad)).toThrowError(MerkleError);
    }
  });
});

describe('node hashing without crypto.hash (Node 20 before 20.12)', () => {
  it('falls back to createHash and gives the same hashes', async () => {
    vi.resetModules();
    vi.doMock('node:crypto', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:crypto')>()), hash: undefined }));
    try {
      const fallback = await import('../../../lib/core/merkle/hash');
      const [a, b] = makeLeaves(2);
      expect(hex(fallback.nodeHash(a!, b!))).toBe(hex(refNode(a!, b!)));
      expect(hex(fallback.leafHash(Buffer.from('x')))).toBe(hex(leafHash(Buffer.from('x'))));
      expect(hex(fallback.leafHashOfPrefixed(Buffer.from('\u0000x')))).toBe(hex(leafHash(Buffer.from('x'))));
    } finally {
      vi.doUnmock('node:crypto');
      vi.resetModules();
    }
  });
});
