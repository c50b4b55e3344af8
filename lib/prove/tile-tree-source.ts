import { ProveError } from '../verify/prove-error';
import type { ShardTree, ShardTreeSource } from '../verify/consistency-source';
import { TileTree, tileReaderOf } from './tile-tree';

// The tile side of the consistency sources: the tiles are the index the seal
// builds, so reading them is lib/prove's; the archive side (archiveTreeSource)
// is the verifier's and lives in lib/verify/consistency-source.ts.

/** From the tiles the seal stored with the newer checkpoint, in the bucket (S3Source) or a copy of it (DirSource): no table. */
export function tileTreeSource(objects: { get(key: string): Promise<Buffer> }): ShardTreeSource {
  const reader = tileReaderOf(objects);
  return async (at) => new TileTree(reader, at.shard, at.size);
}

const tilesMissing = (err: unknown) => err instanceof ProveError && (err.code === 'TILE_MISSING' || err.code === 'TILE_DAMAGED');

/**
 * `primary` (tiles), switching a shard to `fallback` (rebuilding from the
 * batch objects) when its tiles are missing: an archive sealed before tiles
 * existed, or a tile step that failed. The proof is checked either way.
 */
export function withFallback(primary: ShardTreeSource, fallback: ShardTreeSource): ShardTreeSource {
  return async (at) => {
    const first = await primary(at);
    let second: Promise<ShardTree> | null = null;
    const backup = () => (second ??= fallback(at));
    const attempt = async <T>(run: (tree: ShardTree) => Promise<T> | T): Promise<T> => {
      if (second) return run(await second);
      try {
        return await run(first);
      } catch (err) {
        if (!tilesMissing(err)) throw err;
        return run(await backup());
      }
    };
    return {
      getSubtreeRoot: (start, end) => attempt((t) => t.getSubtreeRoot(start, end)),
      prefetch: (ranges) => attempt(async (t) => void (await t.prefetch?.(ranges))),
    };
  };
}
