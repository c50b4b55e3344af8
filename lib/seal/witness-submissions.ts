import { formatAddCheckpoint } from '../core/witness/add-checkpoint';
import { proofFromTiles, type TileReader } from '../prove/tile-tree';

/** The note written by the seal for one shard that grew (see ShardNoteWritten in shard-notes.ts). */
export interface GrownShardNote {
  shard: string;
  size: number;
  /** `checkpoints/shards/<shard>/<size16>-<hash16>.note` */
  key: string;
  note: Buffer;
  previousSize: number;
}

const NOTE_SUFFIX = '.note';
export const ADD_CHECKPOINT_SUFFIX = '.add-checkpoint';

/** The submission sits beside its note, under the same stem. */
export function submissionKey(noteKey: string): string {
  if (!noteKey.endsWith(NOTE_SUFFIX)) throw new Error(`not a shard note key: ${noteKey}`);
  return noteKey.slice(0, -NOTE_SUFFIX.length) + ADD_CHECKPOINT_SUFFIX;
}

/** A C2SP tlog-witness add-checkpoint request body: `old <size>`, the proof in base64 one per line, an empty line, the note. */
export function witnessSubmission(oldSize: number, proof: readonly Uint8Array[], note: Buffer): Buffer {
  return formatAddCheckpoint({ oldSize, proof: proof.map((h) => Buffer.from(h)), note });
}

/**
 * Writes, for each shard note of this seal, the request a witness would get
 * over HTTP, proving the note extends the shard's previous size. Runs after
 * the tiles of the new sizes are stored: the proofs are read from them.
 */
export async function writeWitnessSubmissions(
  objects: TileReader & { put(key: string, body: Buffer): Promise<void> },
  notes: readonly GrownShardNote[],
): Promise<string[]> {
  return Promise.all(
    notes.map(async (n) => {
      const proof = await proofFromTiles(objects, n.shard, n.previousSize, n.size);
      const key = submissionKey(n.key);
      await objects.put(key, witnessSubmission(n.previousSize, proof, n.note));
      return key;
    }),
  );
}
