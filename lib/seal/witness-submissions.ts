import { addCheckpointKey as submissionKey } from '../core/layout';
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

/** The submission sits beside its note, under the same stem. */
export { addCheckpointKey as submissionKey } from '../core/layout';

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
