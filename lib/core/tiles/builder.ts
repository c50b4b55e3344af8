import { TileError } from './errors';
import { fullTileRoot } from './contents';
import { hashesAtLevel, topLevel } from './layout';
import { TILE_WIDTH, type TileCoord } from './path';

export interface BuiltTile {
  coord: TileCoord;
  hashes: Buffer[];
}

/**
 * Grows a tree's tiles one leaf at a time, holding only the right edge: at
 * each level the hashes of its incomplete tile (at most 255 per level, so a
 * few kilobytes whatever the tree's size). A tile that fills up is handed
 * back once, and its root moves up a level.
 */
export class TileBuilder {
  private constructor(
    private leaves: number,
    private readonly pending: Buffer[][],
  ) {}

  static empty(): TileBuilder {
    return new TileBuilder(0, []);
  }

  /**
   * Resumes at a tree of `size` leaves from its partial tiles (pending[level]
   * = the hashes of that level's partial tile, empty where there is none).
   */
  static resume(size: number, pending: readonly (readonly Uint8Array[])[]): TileBuilder {
    const top = topLevel(size);
    for (let level = 0; level <= Math.max(top, pending.length - 1); level++) {
      const want = hashesAtLevel(size, level) % TILE_WIDTH;
      const got = pending[level]?.length ?? 0;
      if (got !== want) throw new TileError('TILE_BODY', `a tree of ${size} leaves has ${want} hashes in its level-${level} partial tile, got ${got}`);
    }
    return new TileBuilder(
      size,
      pending.map((hs) => hs.map((h) => Buffer.from(h))),
    );
  }

  get size(): number {
    return this.leaves;
  }

  /** Adds the next leaf hash; returns the tiles it completed, lowest level first. */
  append(leaf: Uint8Array): BuiltTile[] {
    this.leaves++;
    const done: BuiltTile[] = [];
    // Kept as given (often a view into a batch-log item): copying a million leaves costs more than it saves.
    let carry = leaf as Buffer;
    for (let level = 0; ; level++) {
      const row = (this.pending[level] ??= []);
      row.push(carry);
      if (row.length < TILE_WIDTH) return done;
      const index = hashesAtLevel(this.leaves, level) / TILE_WIDTH - 1;
      done.push({ coord: { level, index, width: TILE_WIDTH }, hashes: row.splice(0) });
      carry = fullTileRoot(done[done.length - 1]!.hashes);
    }
  }

  /** The partial tiles of the current size (none at levels that end on a tile boundary). */
  partials(): BuiltTile[] {
    const out: BuiltTile[] = [];
    this.pending.forEach((row, level) => {
      if (row.length === 0) return;
      out.push({ coord: { level, index: Math.floor(hashesAtLevel(this.leaves, level) / TILE_WIDTH), width: row.length }, hashes: [...row] });
    });
    return out;
  }
}
