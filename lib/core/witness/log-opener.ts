import type { KeyObject } from 'node:crypto';
import { CheckpointError } from '../checkpoint';
import { NoteError } from '../note/errors';
import { ecdsaVerifier, verifyNote } from '../note/verifier';
import { parseShardCheckpoint, type SignedShardCheckpoint } from '../shard-checkpoint';
import type { CheckpointOpener } from './decide';

/**
 * The witness's view of the archive's shard logs: notes it opens only with
 * the key it was configured with (never one the log hands out). Shard notes
 * are signed with the archive's ECDSA key, signature type 0x02, under the
 * shard's origin as key name (FORMAT.md 4.1).
 */
export function checkpointOpener(logKey: KeyObject): CheckpointOpener {
  return (bytes) => {
    let signed: SignedShardCheckpoint;
    try {
      signed = parseShardCheckpoint(bytes);
      verifyNote({ text: signed.body, signatures: signed.signatures, note: signed.note }, [ecdsaVerifier(signed.checkpoint.origin, logKey)]);
    } catch (err) {
      if (err instanceof CheckpointError && err.code === 'MALFORMED') return { code: 'WITNESS_MALFORMED', message: err.message };
      if (err instanceof NoteError) return { code: err.code === 'NOTE_MALFORMED' ? 'WITNESS_MALFORMED' : 'WITNESS_BAD_SIGNATURE', message: err.message };
      if (err instanceof CheckpointError) return { code: 'WITNESS_BAD_SIGNATURE', message: err.message };
      throw err;
    }
    const { origin, size, root } = signed.checkpoint;
    return { origin, size, root: Buffer.from(root, 'hex'), body: signed.body };
  };
}
