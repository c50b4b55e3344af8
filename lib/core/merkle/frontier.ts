import { MerkleError } from './errors';
import { assertHash, emptyRoot, nodeHash, ownedCopy } from './hash';
import { assertTreeSize } from './ranges';

/** How a frontier is stored in a shard's head item. */
export interface FrontierJSON {
  size: number;
  hashes: string[];
}

const HEX_HASH = /^[0-9a-f]{64}$/;

function setBits(n: number): number {
  let count = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) count += rest % 2;
  return count;
}

/**
 * A compact range over leaves [0, size): the roots of the perfect subtrees the
 * tree decomposes into, left to right, one per set bit of size. It is enough to
 * append leaves and to compute the root without reading any earlier leaf, which
 * is what a shard's head in DynamoDB keeps between ingest batches.
 */
export class Frontier {
  #size: number;
  readonly #hashes: Buffer[];

  private constructor(size: number, hashes: Buffer[]) {
    this.#size = size;
    this.#hashes = hashes;
  }

  static empty(): Frontier {
    return new Frontier(0, []);
  }

  /**
   * A frontier from the roots of frontierRanges(size), e.g. read from stored
   * tiles. The hashes are copied.
   */
  static fromSubtreeRoots(size: number, hashes: readonly Uint8Array[]): Frontier {
    try {
      assertTreeSize(size, 'frontier size');
    } catch (e) {
      throw new MerkleError('INVALID_FRONTIER', (e as Error).message);
    }
    const expected = setBits(size);
    if (hashes.length !== expected) {
      throw new MerkleError('INVALID_FRONTIER', `a tree of size ${size} has ${expected} frontier hashes, got ${hashes.length}`);
    }
    return new Frontier(
      size,
      hashes.map((h, i) => {
        try {
          assertHash(h, `frontier hash ${i}`);
        } catch (e) {
          throw new MerkleError('INVALID_FRONTIER', (e as Error).message);
        }
        return ownedCopy(h);
      }),
    );
  }

  /** Parses what toJSON wrote; anything else, including upper-case hex, is INVALID_FRONTIER. */
  static fromJSON(x: FrontierJSON): Frontier {
    const shape = x as unknown as { size?: unknown; hashes?: unknown } | null;
    if (typeof shape !== 'object' || shape === null || typeof shape.size !== 'number' || !Array.isArray(shape.hashes)) {
      throw new MerkleError('INVALID_FRONTIER', 'a frontier is {size: number, hashes: string[]}');
    }
    const hashes = shape.hashes.map((h: unknown, i) => {
      if (typeof h !== 'string' || !HEX_HASH.test(h)) {
        throw new MerkleError('INVALID_FRONTIER', `frontier hash ${i} must be 64 lower-case hex digits`);
      }
      return Buffer.from(h, 'hex');
    });
    return Frontier.fromSubtreeRoots(shape.size, hashes);
  }

  toJSON(): FrontierJSON {
    return { size: this.#size, hashes: this.#hashes.map((h) => h.toString('hex')) };
  }

  get size(): number {
    return this.#size;
  }

  /** Copies of the roots of frontierRanges(size), left to right. */
  subtreeRoots(): Buffer[] {
    return this.#hashes.map(ownedCopy);
  }

  /** Adds the next leaf (its hash, not its data): amortised one node hash per leaf. */
  append(leafHash: Uint8Array): void {
    assertHash(leafHash, 'leaf hash');
    if (this.#size === Number.MAX_SAFE_INTEGER) {
      throw new MerkleError('SIZE_OUT_OF_RANGE', 'a frontier cannot grow past 2^53 - 1 leaves');
    }
    let h: Uint8Array = leafHash;
    // Each trailing 1 bit of the old size is a perfect subtree that the new leaf completes.
    for (let seen = this.#size; seen % 2 === 1; seen = (seen - 1) / 2) h = nodeHash(this.#hashes.pop()!, h);
    // Only a leaf kept as is needs copying: a computed node is already ours.
    this.#hashes.push(h === leafHash ? ownedCopy(leafHash) : (h as Buffer));
    this.#size += 1;
  }

  /** MTH of all leaves appended so far. */
  root(): Buffer {
    const n = this.#hashes.length;
    if (n === 0) return emptyRoot();
    let root: Buffer = this.#hashes[n - 1]!;
    for (let i = n - 2; i >= 0; i--) root = nodeHash(this.#hashes[i]!, root);
    return root === this.#hashes[n - 1] ? ownedCopy(root) : root;
  }

  clone(): Frontier {
    // Stored hashes are never mutated in place, so sharing them is safe.
    return new Frontier(this.#size, this.#hashes.slice());
  }
}
