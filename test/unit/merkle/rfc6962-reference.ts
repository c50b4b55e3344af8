import { createHash } from 'node:crypto';

/**
 * RFC 6962 section 2.1 transcribed as literally as possible, recursion and all,
 * to serve as the oracle the fast implementation is compared with. Only for small
 * trees: it recomputes subtrees over and over.
 */

export function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

export const refLeaf = (data: Uint8Array): Buffer => sha256(Uint8Array.of(0x00), data);
export const refNode = (left: Uint8Array, right: Uint8Array): Buffer => sha256(Uint8Array.of(0x01), left, right);

/** "the largest power of two smaller than n", written differently from the module's loop. */
function k(n: number): number {
  return 2 ** Math.floor(Math.log2(n - 1));
}

/** MTH over already-hashed leaves (so MTH of one leaf is that leaf hash). */
export function refMTH(d: readonly Uint8Array[]): Buffer {
  const n = d.length;
  if (n === 0) return sha256();
  if (n === 1) return Buffer.from(d[0]!);
  return refNode(refMTH(d.slice(0, k(n))), refMTH(d.slice(k(n))));
}

/** PATH(m, D[n]). */
export function refPATH(m: number, d: readonly Uint8Array[]): Buffer[] {
  const n = d.length;
  if (n === 1) return [];
  if (m < k(n)) return [...refPATH(m, d.slice(0, k(n))), refMTH(d.slice(k(n)))];
  return [...refPATH(m - k(n), d.slice(k(n))), refMTH(d.slice(0, k(n)))];
}

function refSUBPROOF(m: number, d: readonly Uint8Array[], b: boolean): Buffer[] {
  const n = d.length;
  if (m === n) return b ? [] : [refMTH(d)];
  if (m <= k(n)) return [...refSUBPROOF(m, d.slice(0, k(n)), b), refMTH(d.slice(k(n)))];
  return [...refSUBPROOF(m - k(n), d.slice(k(n)), false), refMTH(d.slice(0, k(n)))];
}

/** PROOF(m, D[n]) for 0 < m <= n. */
export function refPROOF(m: number, d: readonly Uint8Array[]): Buffer[] {
  return refSUBPROOF(m, d, true);
}
