import * as crypto from 'node:crypto';
import { MerkleError } from './errors';
import { emptyRoot, HASH_SIZE, nodeHash } from './hash';
import { assertTreeSize } from './ranges';

/**
 * The levels of the perfect subtrees that cover leaves [begin, end), left to
 * right: at each step the largest subtree that starts there (its start a
 * multiple of its width) and ends by `end`. This is the one decomposition a
 * CompactRange over [begin, end) holds, so its hashes alone describe it.
 */
export function rangeLevels(begin: number, end: number): number[] {
  assertTreeSize(begin, 'range begin');
  assertTreeSize(end, 'range end');
  if (end < begin) throw new MerkleError('INVALID_ARGUMENT', `range end ${end} is before its begin ${begin}`);
  const levels: number[] = [];
  for (let at = begin; at < end;) {
    let level = 0;
    let width = 1;
    while (at % (2 * width) === 0 && at + 2 * width <= end) {
      width *= 2;
      level++;
    }
    levels.push(level);
    at += width;
  }
  return levels;
}

// Over [begin, end) below 2^53 a range holds at most two subtrees per level, and one more while appending.
const MAX_NODES = 2 * 53 + 1;

const hashOnce = (crypto as unknown as { hash?: (algorithm: string, data: Uint8Array, encoding: 'latin1') => string }).hash;

/**
 * A compact range (as in transparency-dev/merkle): the roots of the perfect
 * subtrees covering leaves [begin, end). Two adjacent ranges merge into one,
 * and a range that begins at 0 gives the tree's root, so a verifier can hash
 * each batch object's leaves apart (on any thread) and join the results with
 * a few hashes per object.
 *
 * Built for the scan's inner loop: the nodes live in one buffer, a node at
 * 1 + 32 i, and two neighbours are hashed in place as 0x01 || left || right by
 * setting the byte before the left one to 0x01 for the call, through views
 * made once. Appending allocates nothing but the digest string.
 */
export class CompactRange {
  #begin: number;
  #end: number;
  #depth = 0;
  readonly #levels = new Int8Array(MAX_NODES);
  readonly #nodes = Buffer.alloc(1 + HASH_SIZE * MAX_NODES);
  /** #pairs[i]: the byte before node i, node i and node i + 1: one node hash's input once that byte is 0x01. */
  readonly #pairs: Buffer[] = [];

  constructor(begin = 0) {
    assertTreeSize(begin, 'range begin');
    this.#begin = begin;
    this.#end = begin;
    for (let i = 0; i + 1 < MAX_NODES; i++) this.#pairs.push(this.#nodes.subarray(HASH_SIZE * i, 1 + HASH_SIZE * (i + 2)));
  }

  get begin(): number {
    return this.#begin;
  }

  get end(): number {
    return this.#end;
  }

  /** Empties the range and starts it at `begin`, keeping its buffers. */
  reset(begin: number): void {
    assertTreeSize(begin, 'range begin');
    this.#begin = begin;
    this.#end = begin;
    this.#depth = 0;
  }

  /** Appends leaf `end` by its hash, the 32 bytes at `from[at]`: appendNode(0, ...) for the scan's inner loop. */
  appendLeaf(from: Uint8Array, at: number): void {
    if (this.#end === Number.MAX_SAFE_INTEGER) throw new MerkleError('INVALID_ARGUMENT', 'a range cannot grow past 2^53 - 1 leaves');
    const nodes = this.#nodes;
    const to = 1 + HASH_SIZE * this.#depth;
    for (let j = 0; j < HASH_SIZE; j++) nodes[to + j] = from[at + j];
    this.#levels[this.#depth++] = 0;
    // Each halving of the new end that leaves it even is one level at which the new leaf completes a subtree.
    let half = ++this.#end;
    for (let level = 0, d = this.#depth; d >= 2 && this.#levels[d - 2] === level && half % 2 === 0; level++, d--) {
      this.#mergeLast(d);
      half /= 2;
    }
  }

  /**
   * Appends the perfect subtree of 2^level leaves that starts at `end` by its
   * root, the 32 bytes at `from[at]`, then merges what it completes.
   */
  appendNode(level: number, from: Uint8Array, at: number): void {
    let width = 2 ** level;
    if (this.#end % width !== 0 || this.#end + width > Number.MAX_SAFE_INTEGER) {
      throw new MerkleError('INVALID_ARGUMENT', `a subtree of 2^${level} leaves cannot start at ${this.#end}`);
    }
    const nodes = this.#nodes;
    const to = 1 + HASH_SIZE * this.#depth;
    for (let j = 0; j < HASH_SIZE; j++) nodes[to + j] = from[at + j];
    this.#levels[this.#depth++] = level;
    this.#end += width;
    // The two last nodes are siblings when they are the same size and the pair starts on a multiple of twice that size.
    for (let d = this.#depth; d >= 2 && this.#levels[d - 2] === level && this.#end % (2 * width) === 0; d--) {
      this.#mergeLast(d);
      level++;
      width *= 2;
    }
  }

  /** Appends a range that begins where this one ends, given by its end and its hashes (as bytes() gave them). */
  appendRange(end: number, hashes: Uint8Array): void {
    const levels = rangeLevels(this.#end, end);
    if (hashes.length !== HASH_SIZE * levels.length) {
      throw new MerkleError('INVALID_ARGUMENT', `a range [${this.#end}, ${end}) has ${levels.length} hashes, got ${hashes.length / HASH_SIZE}`);
    }
    levels.forEach((level, i) => this.appendNode(level, hashes, HASH_SIZE * i));
  }

  /** The subtree roots, 32 bytes each, left to right, in a buffer of their own. */
  bytes(): Buffer {
    return Buffer.from(this.#nodes.subarray(1, 1 + HASH_SIZE * this.#depth));
  }

  /** MTH of leaves [0, end): only a range that begins at 0 is a whole tree. */
  root(): Buffer {
    if (this.#begin !== 0) throw new MerkleError('INVALID_ARGUMENT', `a range that begins at ${this.#begin} is not a whole tree`);
    if (this.#depth === 0) return emptyRoot();
    const node = (i: number) => this.#nodes.subarray(1 + HASH_SIZE * i, 1 + HASH_SIZE * (i + 1));
    let root: Buffer = Buffer.from(node(this.#depth - 1));
    for (let i = this.#depth - 2; i >= 0; i--) root = nodeHash(node(i), root);
    return root;
  }

  /** Replaces the nodes at d - 2 and d - 1 with their parent. */
  #mergeLast(d: number): void {
    const nodes = this.#nodes;
    const before = HASH_SIZE * (d - 2);
    const kept = nodes[before];
    nodes[before] = 0x01;
    const input = this.#pairs[d - 2];
    if (hashOnce) nodes.write(hashOnce('sha256', input, 'latin1'), before + 1, 'latin1');
    else
      crypto
        .createHash('sha256')
        .update(input)
        .digest()
        .copy(nodes, before + 1);
    nodes[before] = kept;
    this.#levels[d - 2]++;
    this.#depth--;
  }
}
