import type { ShardState } from '../core/checkpoint';
import { noteHash } from '../core/checkpoint';
import { shardCheckpointKey } from '../core/layout';
import { assembleNote } from '../core/note/signed-note';
import { noteKeyId } from '../core/note/key-id';
import { shardCheckpointBody, shardOrigin } from '../core/shard-checkpoint';
import type { Signer } from '../core/signer';

/** One shard checkpoint the seal wrote, for the witness and tiles steps that follow it. */
export interface ShardNoteWritten {
  shard: string;
  size: number;
  /** Object key under checkpoints/shards/. */
  key: string;
  note: Buffer;
  /** The shard's size in the previous archive-wide checkpoint (0 if it had none): the size this note extends. */
  previousSize: number;
}

/** Signs one shard's C2SP checkpoint with the archive's key, under the shard's own origin. */
export async function signShardNote(signer: Signer, archiveOrigin: string, state: ShardState): Promise<{ key: string; note: Buffer }> {
  const origin = shardOrigin(archiveOrigin, state.shard);
  const body = shardCheckpointBody({ origin, size: state.size, root: state.root });
  const signature = await signer.sign(body);
  const note = assembleNote(body, [{ keyName: origin, keyId: noteKeyId(origin, await signer.publicKey()), signature }]);
  return { key: shardCheckpointKey(state.shard, state.size, noteHash(note)), note };
}

/** Shards whose size differs from the previous archive-wide checkpoint (or that it did not have), with that size. */
export function changedShards(previous: readonly ShardState[] | null, states: readonly ShardState[]): { state: ShardState; previousSize: number }[] {
  const before = new Map((previous ?? []).map((s) => [s.shard, s.size]));
  return states.filter((s) => before.get(s.shard) !== s.size).map((state) => ({ state, previousSize: before.get(state.shard) ?? 0 }));
}

/**
 * Signs and stores a shard checkpoint for every changed shard. It runs before
 * the archive-wide checkpoint is published, so every size that checkpoint
 * commits to has a shard note (an unchanged shard's note is an earlier one).
 */
export async function writeShardNotes(
  signer: Signer,
  archiveOrigin: string,
  previous: readonly ShardState[] | null,
  states: readonly ShardState[],
  put: (key: string, note: Buffer) => Promise<void>,
): Promise<ShardNoteWritten[]> {
  return Promise.all(
    changedShards(previous, states).map(async ({ state, previousSize }) => {
      const { key, note } = await signShardNote(signer, archiveOrigin, state);
      await put(key, note);
      return { shard: state.shard, size: state.size, key, note, previousSize };
    }),
  );
}
