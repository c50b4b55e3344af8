import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  Frontier,
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from '../../../lib/core/merkle';
import { hex } from './helpers';

// Every expected value below is computed in this file from RFC 6962 section 2.1
// with explicit SHA-256 calls, never with the module under test.
const H = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const LEAF = Uint8Array.of(0x00);
const NODE = Uint8Array.of(0x01);

// The eight leaf inputs used by Certificate Transparency implementations' tests.
const inputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => Buffer.from(h, 'hex'));

const [L0, L1, L2, L3, L4, L5, L6, L7] = inputs.map((d) => H(LEAF, d)) as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
const L = [L0, L1, L2, L3, L4, L5, L6, L7];

// MTH(D[n]) for n = 0..8 written out by hand: split at the largest power of two below n.
const handRoots: Buffer[] = [
  H(),
  L0,
  H(NODE, L0, L1),
  H(NODE, H(NODE, L0, L1), L2),
  H(NODE, H(NODE, L0, L1), H(NODE, L2, L3)),
  H(NODE, H(NODE, H(NODE, L0, L1), H(NODE, L2, L3)), L4),
  H(NODE, H(NODE, H(NODE, L0, L1), H(NODE, L2, L3)), H(NODE, L4, L5)),
  H(NODE, H(NODE, H(NODE, L0, L1), H(NODE, L2, L3)), H(NODE, H(NODE, L4, L5), L6)),
  H(NODE, H(NODE, H(NODE, L0, L1), H(NODE, L2, L3)), H(NODE, H(NODE, L4, L5), H(NODE, L6, L7))),
];

describe('RFC 6962 hashing', () => {
  it('hashes a leaf as SHA-256(0x00 || data) and a node as SHA-256(0x01 || left || right)', () => {
    for (const d of inputs) expect(hex(leafHash(d))).toBe(hex(H(LEAF, d)));
    expect(hex(nodeHash(L3, L5))).toBe(hex(H(NODE, L3, L5)));
    // Order matters: a node is not symmetric in its children.
    expect(hex(nodeHash(L5, L3))).not.toBe(hex(nodeHash(L3, L5)));
    // Domain separation: a node's bytes hashed as a leaf give something else.
    expect(hex(leafHash(Buffer.concat([L3, L5])))).not.toBe(hex(nodeHash(L3, L5)));
  });

  it('gives the empty tree the root SHA-256("")', () => {
    expect(hex(emptyRoot())).toBe(hex(H()));
    expect(hex(rootOf([]))).toBe(hex(H()));
  });

  it('computes the hand-derived root for every size 0..8, in the array and in the frontier', () => {
    const f = Frontier.empty();
    for (let n = 0; n <= 8; n++) {
      expect(hex(rootOf(L.slice(0, n))), `rootOf size ${n}`).toBe(hex(handRoots[n]!));
      expect(hex(f.root()), `frontier size ${n}`).toBe(hex(handRoots[n]!));
      if (n < 8) f.append(L[n]!);
    }
  });

  it('matches the root of all eight leaves that CT implementations publish', () => {
    expect(hex(handRoots[8]!)).toBe('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
    expect(hex(rootOf(L))).toBe('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
  });

  it('matches the published roots of the intermediate sizes, which the hand derivation also gives', () => {
    // From github.com/transparency-dev/merkle testonly/constants.go (Apache-2.0),
    // RootHashes() for sizes 1..8. The hand-derived values above agree with them;
    // this ties our definition to an independent implementation's.
    const published = [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
      '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
      'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    ];
    expect(handRoots.slice(1).map(hex)).toEqual(published);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => hex(rootOf(L.slice(0, n))))).toEqual(published);
  });
});

describe('RFC 6962 proofs over the eight test leaves', () => {
  const N01 = H(NODE, L0, L1);
  const N23 = H(NODE, L2, L3);
  const N45 = H(NODE, L4, L5);
  const N67 = H(NODE, L6, L7);
  const N0123 = H(NODE, N01, N23);
  const N4567 = H(NODE, N45, N67);

  // PATH(m, D[n]) derived by hand from the recursive definition, leaf sibling first.
  const inclusionCases: Array<[index: number, size: number, path: Buffer[]]> = [
    [0, 1, []],
    [0, 8, [L1, N23, N4567]],
    [5, 8, [L4, N67, N0123]],
    [2, 3, [N01]],
    [1, 5, [L0, N23, L4]],
    [4, 5, [N0123]],
    [6, 7, [N45, N0123]],
    [3, 7, [L2, N01, H(NODE, N45, L6)]],
  ];

  it.each(inclusionCases)('PATH(%i, D[%i]) is the hand-derived path and verifies', (index, size, path) => {
    const leaves = L.slice(0, size);
    expect(inclusionProof(index, leaves).map(hex)).toEqual(path.map(hex));
    expect(verifyInclusion(index, size, L[index]!, path, handRoots[size]!)).toBe(true);
  });

  // PROOF(m, D[n]) derived by hand from SUBPROOF.
  const consistencyCases: Array<[oldSize: number, newSize: number, proof: Buffer[]]> = [
    [1, 1, []],
    [8, 8, []],
    [1, 8, [L1, N23, N4567]],
    [6, 8, [N45, N67, N0123]],
    [2, 5, [N23, L4]],
    [6, 7, [N45, L6, N0123]],
    [3, 7, [L2, L3, N01, H(NODE, N45, L6)]],
    [4, 7, [H(NODE, N45, L6)]],
    [7, 8, [L6, L7, N45, N0123]],
  ];

  it.each(consistencyCases)('PROOF(%i, D[%i]) is the hand-derived proof and verifies', (oldSize, newSize, proof) => {
    expect(consistencyProof(oldSize, L.slice(0, newSize)).map(hex)).toEqual(proof.map(hex));
    expect(verifyConsistency(oldSize, newSize, handRoots[oldSize]!, handRoots[newSize]!, proof)).toBe(true);
  });

  it('matches the inclusion and consistency proofs CT implementations publish', () => {
    // From github.com/transparency-dev/merkle proof/verify_test.go (Apache-2.0);
    // that file numbers leaves from 1, these indices are 0-based.
    const h = (x: string): Buffer => Buffer.from(x, 'hex');
    const inclusion: Array<[number, number, string[]]> = [
      [
        0,
        8,
        [
          '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
          '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
          '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
        ],
      ],
      [
        5,
        8,
        [
          'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
          'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
          'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
        ],
      ],
      [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
      [
        1,
        5,
        [
          '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
          '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
          'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
        ],
      ],
    ];
    for (const [index, size, path] of inclusion) {
      expect(inclusionProof(index, L.slice(0, size)).map(hex)).toEqual(path);
      expect(verifyInclusion(index, size, L[index]!, path.map(h), handRoots[size]!)).toBe(true);
    }
    const consistency: Array<[number, number, string[]]> = [
      [
        1,
        8,
        [
          '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
          '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
          '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
        ],
      ],
      [
        6,
        8,
        [
          '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
          'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
          'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
        ],
      ],
      [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
      [
        6,
        7,
        [
          '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
          'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
          'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
        ],
      ],
    ];
    for (const [oldSize, newSize, proof] of consistency) {
      expect(consistencyProof(oldSize, L.slice(0, newSize)).map(hex)).toEqual(proof);
      expect(verifyConsistency(oldSize, newSize, handRoots[oldSize]!, handRoots[newSize]!, proof.map(h))).toBe(true);
    }
  });
});
