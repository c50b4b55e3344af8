import { parseNote, assembleNote } from '../core/note/signed-note';
import { cosign } from '../core/witness/cosignature';
import type { WitnessKey } from '../core/witness/ed25519-key';

/**
 * The checkpoint note with the witness's cosignature appended to its
 * signature lines: what a verifier reads. Ed25519 is deterministic, so the
 * same note, key and time always give the same bytes (which lets a run that
 * stopped before storing it rebuild it exactly).
 */
export function cosignedNote(note: Buffer, keyName: string, key: WitnessKey, time: number): Buffer {
  const parsed = parseNote(note);
  const sig = cosign(parsed.text, keyName, key.privateKey, key.publicRaw, time);
  return assembleNote(parsed.text, [...parsed.signatures, sig]);
}
