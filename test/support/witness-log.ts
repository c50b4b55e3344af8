import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { consistencyProof, leafHash, rootOf } from '../../lib/core/merkle';
import { ecdsaKeyId, spkiDer } from '../../lib/core/note/key-id';
import { assembleNote } from '../../lib/core/note/signed-note';
import { formatAddCheckpoint } from '../../lib/core/witness/add-checkpoint';

/**
 * A shard log as the seal publishes it (the contract the witness reads):
 * C2SP checkpoints "<origin>\n<size>\n<base64 root>\n" signed with an ECDSA
 * P-256 key as signature type 0x02, and add-checkpoint bodies from the
 * previous note's size. For tests of the witness and of witness checks only.
 */
export interface TestLog {
  origin: string;
  keys: { privateKey: KeyObject; publicKey: KeyObject };
  leaves: Buffer[];
}

export function newTestLog(origin: string, keys = generateKeyPairSync('ec', { namedCurve: 'P-256' })): TestLog {
  return { origin, keys, leaves: [] };
}

export function append(log: TestLog, n: number, tag = 'r'): void {
  for (let i = 0; i < n; i++) log.leaves.push(leafHash(Buffer.from(`${tag}-${log.leaves.length}`)));
}

export function rootAt(log: TestLog, size: number): Buffer {
  return rootOf(log.leaves.slice(0, size));
}

export function checkpointText(origin: string, size: number, root: Buffer): Buffer {
  return Buffer.from(`${origin}\n${size}\n${root.toString('base64')}\n`);
}

/** The log's signed note at `size` (default: all leaves). */
export function noteAt(log: TestLog, size = log.leaves.length): Buffer {
  const text = checkpointText(log.origin, size, rootAt(log, size));
  const signature = sign('sha256', text, { key: log.keys.privateKey, dsaEncoding: 'der' });
  return assembleNote(text, [{ keyName: log.origin, keyId: ecdsaKeyId(spkiDer(log.keys.publicKey)), signature }]);
}

/** The add-checkpoint body from `oldSize` to `newSize`, with an honest proof. */
export function addCheckpointBody(log: TestLog, oldSize: number, newSize = log.leaves.length): Buffer {
  const proof = oldSize === 0 ? [] : consistencyProof(oldSize, log.leaves.slice(0, newSize));
  return formatAddCheckpoint({ oldSize, proof, note: noteAt(log, newSize) });
}

/** `<size16>-<hash16>` as the seal names a shard note: size zero-padded, then the start of the note's SHA-256. */
export function noteStem(note: Buffer, size: number): string {
  return `${String(size).padStart(16, '0')}-${createHash('sha256').update(note).digest('hex').slice(0, 16)}`;
}

/** The two objects the seal writes for a shard note, as [key, bytes] pairs, in the audit bucket's layout. */
export function sealedObjects(log: TestLog, shard: string, oldSize: number, newSize = log.leaves.length): [string, Buffer][] {
  const note = noteAt(log, newSize);
  const stem = noteStem(note, newSize);
  return [
    [`checkpoints/shards/${shard}/${stem}.note`, note],
    [`checkpoints/shards/${shard}/${stem}.add-checkpoint`, addCheckpointBody(log, oldSize, newSize)],
  ];
}
