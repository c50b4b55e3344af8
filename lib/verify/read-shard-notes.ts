import { ADD_CHECKPOINT_SUFFIX, SHARD_CHECKPOINTS_PREFIX } from '../core/layout';
import type { ArchiveSource } from '../core/archive-source';

/** Every stored shard checkpoint note (FORMAT.md 4.1), by key, optionally of one shard: the I/O half of their check. */
export async function readShardNoteFiles(source: ArchiveSource, shard?: string): Promise<{ key: string; note: Buffer }[]> {
  const keys: string[] = [];
  // The seal's witness requests (`.add-checkpoint`, same stem) sit beside the notes: they are not notes.
  for await (const o of source.list(shard ? `${SHARD_CHECKPOINTS_PREFIX}${shard}/` : SHARD_CHECKPOINTS_PREFIX))
    if (!o.key.endsWith(ADD_CHECKPOINT_SUFFIX)) keys.push(o.key);
  const files: { key: string; note: Buffer }[] = [];
  for (const key of keys) files.push({ key, note: await source.get(key) });
  return files;
}
