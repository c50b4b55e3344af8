import { leafHash } from '../../../lib/core/merkle';

/** Distinct leaf hashes; `seed` varies their content between property runs. */
export function makeLeaves(n: number, seed = 0): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) out.push(leafHash(Buffer.from(`record ${seed}/${i}`)));
  return out;
}

/** A copy of `h` with one bit flipped. */
export function flipBit(h: Uint8Array, bit: number): Buffer {
  const c = Buffer.from(h);
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
}

/** A copy of `proof` with one bit of element `at` flipped. */
export function flipProofBit(proof: readonly Uint8Array[], at: number, bit: number): Buffer[] {
  return proof.map((h, i) => (i === at ? flipBit(h, bit) : Buffer.from(h)));
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
