import { describe, expect, it } from 'vitest';
import { consistencyProof, inclusionProof, rootOf } from '../../../lib/core/merkle';
import { hex, makeLeaves } from './helpers';
import { refMTH, refPATH, refPROOF } from './rfc6962-reference';

// The fast, iterative implementation against a literal transcription of RFC 6962
// section 2.1, for every tree shape up to 70 leaves (past 64, so trees of height
// 7 with every kind of ragged right edge are covered).
describe('agreement with the recursive RFC 6962 definition', () => {
  const all = makeLeaves(70, 7);

  it('MTH: rootOf equals the definition for every size 0..70', () => {
    for (let n = 0; n <= 70; n++) {
      expect(hex(rootOf(all.slice(0, n))), `size ${n}`).toBe(hex(refMTH(all.slice(0, n))));
    }
  });

  it('PATH: inclusionProof equals the definition for every size 1..70 and every index', () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = all.slice(0, n);
      for (let m = 0; m < n; m++) {
        expect(inclusionProof(m, leaves).map(hex), `PATH(${m}, D[${n}])`).toEqual(refPATH(m, leaves).map(hex));
      }
    }
  });

  it('PROOF: consistencyProof equals the definition for every 1 <= m <= n <= 70', () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = all.slice(0, n);
      for (let m = 1; m <= n; m++) {
        expect(consistencyProof(m, leaves).map(hex), `PROOF(${m}, D[${n}])`).toEqual(refPROOF(m, leaves).map(hex));
      }
    }
  });
});
