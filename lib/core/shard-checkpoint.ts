import { ANY_KEY_NAME, CheckpointError, checkpointVerifiers, parseCheckpointNote, verifyNoteAsCheckpoint, type TrustedKey } from './checkpoint';
import type { NoteSignature } from './note/signed-note';

/**
 * A shard checkpoint: each shard is its own C2SP tlog-checkpoint log, so that
 * standard tools and witnesses can check it. The text is exactly the three
 * mandatory lines (no extension lines); docs/FORMAT.md 4.1 specifies the bytes.
 */
export interface ShardCheckpoint {
  /** `<archive origin>/<shard id>`. */
  origin: string;
  /** Records in the shard's tree. */
  size: number;
  /** RFC 6962 root of the shard's tree, hex. */
  root: string;
}

export interface SignedShardCheckpoint {
  checkpoint: ShardCheckpoint;
  /** The signed text. */
  body: Buffer;
  signatures: NoteSignature[];
  note: Buffer;
}

export function shardOrigin(archiveOrigin: string, shard: string): string {
  return `${archiveOrigin}/${shard}`;
}

export function shardCheckpointBody(c: ShardCheckpoint): Buffer {
  return Buffer.from(`${c.origin}\n${c.size}\n${Buffer.from(c.root, 'hex').toString('base64')}\n`, 'utf8');
}

/** Parses a shard checkpoint note; the text must be in the canonical form shardCheckpointBody writes. */
export function parseShardCheckpoint(note: Buffer): SignedShardCheckpoint {
  const { text, signatures } = parseCheckpointNote(note);
  const lines = text.toString('utf8').split('\n');
  if (lines.length !== 4) throw new CheckpointError('MALFORMED', 'a shard checkpoint has exactly three lines: origin, size, root');
  const [origin, sizeLine, rootLine] = lines;
  if (!/^(0|[1-9]\d{0,15})$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) throw new CheckpointError('MALFORMED', `bad tree size "${sizeLine}"`);
  const root = Buffer.from(rootLine, 'base64');
  const checkpoint = { origin, size: Number(sizeLine), root: root.toString('hex') };
  if (origin === '' || root.length !== 32 || !shardCheckpointBody(checkpoint).equals(text)) {
    throw new CheckpointError('MALFORMED', 'shard checkpoint text is not in canonical form');
  }
  return { checkpoint, body: text, signatures, note };
}

/**
 * Checks a shard checkpoint's signature with C2SP rules only (key ID type
 * 0x02 over the SPKI): these notes are new, so no legacy key ID is accepted.
 * The signer's key name must be the note's origin.
 */
export function verifyShardCheckpoint(signed: SignedShardCheckpoint, keys: readonly TrustedKey[]): void {
  const origin = signed.checkpoint.origin;
  const named = keys.map((k) => ({ ...k, keyName: origin }));
  // A trusted key named for the archive trusts the shard origins under it; a key named otherwise trusts nothing here.
  const usable = keys.flatMap((k, i) => (k.keyName === ANY_KEY_NAME || origin.startsWith(`${k.keyName}/`) ? [named[i]] : []));
  verifyNoteAsCheckpoint({ text: signed.body, signatures: signed.signatures, note: signed.note }, checkpointVerifiers(usable, signed.signatures, false));
}
