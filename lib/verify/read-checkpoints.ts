import { CHECKPOINTS_PREFIX, isCheckpointKey } from '../core/layout';
import type { CheckpointNote } from './checkpoint-chain';
import type { ArchiveSource } from '../core/archive-source';

/** Every stored checkpoint note, by key: the I/O half of step 1 (checkpoint-chain.ts checks them). */
export async function readCheckpointNotes(source: ArchiveSource): Promise<CheckpointNote[]> {
  const keys: string[] = [];
  for await (const o of source.list(CHECKPOINTS_PREFIX)) if (isCheckpointKey(o.key)) keys.push(o.key);
  const notes: CheckpointNote[] = [];
  for (const key of keys) notes.push({ key, note: await source.get(key) });
  return notes;
}
