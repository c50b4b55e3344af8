import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConsistency, type ConsistencyFailure } from '../../../lib/core/merkle/consistency';
import { consistencyProofFrom, consistencyRanges, emptyRoot, leafHash, verifyConsistency } from '../../../lib/core/merkle';
import { flipBit, flipProofBit, hex, makeLeaves } from './helpers';
import { refMTH, refPROOF } from './rfc6962-reference';

interface Vector {
  file: string;
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

// Copied from transparency-dev/merkle (Apache-2.0): see the fixture's source and license members.
const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/consistency-vectors/vectors.json'), 'utf8')) as { vectors: Vector[] };
const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

// The CT test tree the vectors are computed over.
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) =>
  leafHash(Buffer.from(h, 'hex')),
);

/** A subtree source that knows nothing but the leaves and recomputes every root by RFC 6962's recursion. */
const bruteSource = (leaves: readonly Buffer[]) => (start: number, end: number) => refMTH(leaves.slice(start, end));

describe('consistency proofs against transparency-dev/merkle test vectors', () => {
  it('holds the vectors it claims to (happy paths and failures)', () => {
    expect(fixture.vectors.filter((v) => !v.wantErr)).toHaveLength(5);
    expect(fixture.vectors.filter((v) => v.wantErr).length).toBeGreaterThanOrEqual(14);
  });

  it.each(fixture.vectors.map((v) => [v.file, v] as const))('%s', (_file, v) => {
    const proof = (v.proof ?? []).map(b64);
    const verdict = checkConsistency(v.size1, v.size2, b64(v.root1), b64(v.root2), proof);
    expect(verdict.ok).toBe(!v.wantErr);
    expect(verifyConsistency(v.size1, v.size2, b64(v.root1), b64(v.root2), proof)).toBe(!v.wantErr);
    if (!verdict.ok) expect(verdict.message.length).toBeGreaterThan(10);
  });

  it('builds the happy-path proofs from the CT leaves through a subtree source', async () => {
    for (const v of fixture.vectors.filter((x) => !x.wantErr)) {
      const leaves = CT_LEAVES.slice(0, v.size2);
      expect(hex(refMTH(CT_LEAVES.slice(0, v.size1)))).toBe(hex(b64(v.root1)));
      expect(hex(refMTH(leaves))).toBe(hex(b64(v.root2)));
      const built = await consistencyProofFrom(v.size1, v.size2, bruteSource(leaves));
      expect(built.map(hex), v.file).toEqual((v.proof ?? []).map((p) => hex(b64(p))));
    }
  });

  it('names the reason for the failing vectors', () => {
    const reason = (file: string): ConsistencyFailure | null => {
      const v = fixture.vectors.find((x) => x.file === file)!;
      const verdict = checkConsistency(v.size1, v.size2, b64(v.root1), b64(v.root2), (v.proof ?? []).map(b64));
      return verdict.ok ? null : verdict.reason;
    };
    expect(reason('4/empty-proof.json')).toBe('PROOF_LENGTH');
    expect(reason('4/truncated-proof.json')).toBe('PROOF_LENGTH');
    expect(reason('4/preceding-root1.json')).toBe('PROOF_LENGTH');
    expect(reason('3/trailing-root2.json')).toBe('PROOF_LENGTH');
    expect(reason('4/wrong-root1.json')).toBe('BAD_HASH');
    expect(reason('4/trailing-garbage.json')).toBe('BAD_HASH');
    expect(reason('2/preceding-garbage.json')).toBe('BAD_HASH');
    expect(reason('4/size2-div-2.json')).toBe('OLD_LARGER');
    expect(reason('4/size1-+-1.json')).toBe('PROOF_LENGTH');
    expect(reason('4/swapped-roots.json')).toBe('OLD_ROOT');
    // proof[1] is leaf 6, which only the new tree holds.
    expect(reason('4/modified-proof[1]-bit-4.json')).toBe('NEW_ROOT');
  });
});

describe('consistency proofs against a brute-force tree, every 0 <= m <= n <= 64', () => {
  const N = 64;
  const leaves = makeLeaves(N, 15);
  const roots = Array.from({ length: N + 1 }, (_, n) => refMTH(leaves.slice(0, n)));

  it('the proof from the subtree source is RFC 6962 PROOF(m, D[n]) and verifies', async () => {
    let pairs = 0;
    for (let n = 0; n <= N; n++) {
      const source = bruteSource(leaves.slice(0, n));
      for (let m = 0; m <= n; m++) {
        const proof = await consistencyProofFrom(m, n, source);
        if (m > 0) expect(proof.map(hex), `PROOF(${m}, D[${n}])`).toEqual(refPROOF(m, leaves.slice(0, n)).map(hex));
        expect(checkConsistency(m, n, roots[m]!, roots[n]!, proof), `${m} -> ${n}`).toEqual({ ok: true });
        pairs++;
      }
    }
    expect(pairs).toBe(((N + 1) * (N + 2)) / 2);
  });

  it('fails with the reason for every flipped hash, wrong size and swapped order', async () => {
    for (let n = 2; n <= N; n++) {
      const source = bruteSource(leaves.slice(0, n));
      for (let m = 1; m < n; m++) {
        const proof = await consistencyProofFrom(m, n, source);
        const check = (om: number, on: number, or: Uint8Array, nr: Uint8Array, p: readonly Uint8Array[]) => {
          const v = checkConsistency(om, on, or, nr, p);
          // The reasoned check and the boolean one never disagree.
          expect(v.ok, `${om} -> ${on}`).toBe(verifyConsistency(om, on, or, nr, p));
          return v.ok ? 'ok' : v.reason;
        };
        for (let i = 0; i < proof.length; i++) {
          expect(['OLD_ROOT', 'NEW_ROOT']).toContain(check(m, n, roots[m]!, roots[n]!, flipProofBit(proof, i, (i * 37 + m) % 256)));
        }
        // A perfect old tree is a node of the new one: a wrong old root then shows in the new root the proof rebuilds.
        expect(check(m, n, flipBit(roots[m]!, m % 256), roots[n]!, proof)).toBe(Number.isInteger(Math.log2(m)) ? 'NEW_ROOT' : 'OLD_ROOT');
        expect(check(m, n, roots[m]!, flipBit(roots[n]!, n % 256), proof)).toBe('NEW_ROOT');
        expect(check(n, m, roots[n]!, roots[m]!, proof)).toBe('OLD_LARGER');
        expect(check(m, n, roots[m]!, roots[n]!, [...proof, proof[0]!])).toBe('PROOF_LENGTH');
        expect(check(m, n, roots[m]!, roots[n]!, proof.slice(1))).toBe('PROOF_LENGTH');
        // Another size with the same proof: a proof of another length is PROOF_LENGTH. One of the same
        // length often verifies (4 -> 6 and 4 -> 7 have the same shape), which is why a verifier takes the
        // sizes from the signed checkpoints, never from the proof.
        for (const [om, on] of [
          [m, n + 1],
          [m + 1, n],
          [m - 1, n],
        ] as const) {
          if (om < 1 || om >= on) continue;
          const r = check(om, on, roots[m]!, roots[n]!, proof);
          if (consistencyRanges(om, on).length !== proof.length) expect(r, `${om} -> ${on}`).toBe('PROOF_LENGTH');
        }
      }
    }
  });

  it('treats the empty tree and equal sizes as RFC 9162 does', () => {
    const empty = emptyRoot();
    expect(checkConsistency(0, 0, empty, empty, [])).toEqual({ ok: true });
    expect(checkConsistency(0, 5, empty, roots[5]!, [])).toEqual({ ok: true });
    expect(checkConsistency(0, 5, roots[1]!, roots[5]!, [])).toMatchObject({ ok: false, reason: 'OLD_ROOT' });
    expect(checkConsistency(0, 5, empty, roots[5]!, [roots[1]!])).toMatchObject({ ok: false, reason: 'PROOF_LENGTH' });
    expect(checkConsistency(7, 7, roots[7]!, roots[7]!, [])).toEqual({ ok: true });
    expect(checkConsistency(7, 7, roots[7]!, roots[6]!, [])).toMatchObject({ ok: false, reason: 'ROOTS_DIFFER' });
    expect(checkConsistency(7, 7, roots[7]!, roots[7]!, [roots[1]!])).toMatchObject({ ok: false, reason: 'PROOF_LENGTH' });
  });

  it('rejects malformed input with a reason and never throws', () => {
    expect(checkConsistency(-1, 4, roots[1]!, roots[4]!, [])).toMatchObject({ reason: 'BAD_SIZE' });
    expect(checkConsistency(1.5, 4, roots[1]!, roots[4]!, [])).toMatchObject({ reason: 'BAD_SIZE' });
    expect(checkConsistency(1, 2 ** 53, roots[1]!, roots[4]!, [])).toMatchObject({ reason: 'BAD_SIZE' });
    expect(checkConsistency(1, 4, roots[1]!.subarray(1), roots[4]!, [])).toMatchObject({ reason: 'BAD_HASH', message: 'the old root is not a 32-byte hash' });
    expect(checkConsistency(1, 4, roots[1]!, roots[4]!, [leaves[1]!, Buffer.alloc(33)])).toMatchObject({
      reason: 'BAD_HASH',
      message: 'proof entry 1 is not a 32-byte hash',
    });
    expect(checkConsistency(1, 4, roots[1]!, roots[4]!, 'x' as unknown as Buffer[])).toMatchObject({ reason: 'BAD_HASH' });
    expect(checkConsistency(3, 2, roots[3]!, roots[2]!, [])).toMatchObject({ reason: 'OLD_LARGER' });
  });
});

describe('two empty trees', () => {
  it('are consistent only when both roots are SHA-256 of nothing, and verifyConsistency says the same as checkConsistency', () => {
    const empty = emptyRoot();
    const other = leafHash(Buffer.from('x'));
    const cases: [Uint8Array, Uint8Array, ConsistencyFailure | null][] = [
      [empty, empty, null],
      [other, other, 'OLD_ROOT'],
      [empty, other, 'ROOTS_DIFFER'],
    ];
    for (const [oldRoot, newRoot, reason] of cases) {
      const verdict = checkConsistency(0, 0, oldRoot, newRoot, []);
      expect(verdict.ok ? null : verdict.reason).toBe(reason);
      expect(verifyConsistency(0, 0, oldRoot, newRoot, [])).toBe(reason === null);
    }
  });
});
