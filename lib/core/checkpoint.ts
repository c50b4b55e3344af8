import { createHash, type KeyObject } from 'node:crypto';
import { leafHash, rootOf } from './merkle';
import { ANY_KEY_NAME, type TrustedKey } from './trusted-key';
import { ImmutrailError } from './errors';
import { NoteError } from './note/errors';
import { noteKeyId } from './note/key-id';
import { assembleNote as assembleSignedNote, parseNote, type NoteSignature, type SignedNote } from './note/signed-note';
import { ecdsaVerifier, legacyEcdsaVerifier, verifierFor, verifyNote, type NoteVerifier } from './note/verifier';

export type { NoteSignature } from './note/signed-note';

/**
 * A checkpoint commits to every shard's tree at one moment. Its text follows the
 * C2SP tlog-checkpoint layout (origin, size, base64 root, then extension lines)
 * and is signed as a C2SP signed note. docs/FORMAT.md specifies the bytes.
 */
export interface ShardState {
  shard: string;
  /** Records in the shard's tree (= head seq + 1). */
  size: number;
  /** RFC 6962 root of the shard's tree, hex. */
  root: string;
  /** Record hash of the shard's last record, hex (equal to the last leaf). */
  head: string;
}

export interface Checkpoint {
  origin: string;
  /** Sum of the shard sizes. */
  size: number;
  /** RFC 6962 root over one leaf per shard (see shardLeaf), hex. */
  root: string;
  shards: ShardState[];
  /** SHA-256 of the previous checkpoint's signed note bytes, hex; null for the first. */
  prev: string | null;
  time: string;
}

export interface SignedCheckpoint {
  checkpoint: Checkpoint;
  /** The signed text (everything before the blank line), UTF-8. */
  body: Buffer;
  signatures: NoteSignature[];
  /** The whole note as stored; its SHA-256 is what the next checkpoint's `prev` names. */
  note: Buffer;
}

export class CheckpointError extends ImmutrailError {
  constructor(
    readonly code: 'MALFORMED' | 'BAD_SIGNATURE' | 'UNKNOWN_KEY' | 'INCONSISTENT',
    message: string,
  ) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** Leaf of the top-level tree for one shard: its name, size and root bind together. */
export function shardLeaf(s: ShardState): Buffer {
  return leafHash(Buffer.from(`${s.shard} ${s.size} ${s.root}`, 'utf8'));
}

/** The top-level root over shards sorted by id. */
export function topRoot(shards: readonly ShardState[]): string {
  const sorted = [...shards].sort((a, b) => (a.shard < b.shard ? -1 : a.shard > b.shard ? 1 : 0));
  return rootOf(sorted.map(shardLeaf)).toString('hex');
}

export function makeCheckpoint(origin: string, shards: readonly ShardState[], prev: string | null, time: Date): Checkpoint {
  const sorted = [...shards].sort((a, b) => (a.shard < b.shard ? -1 : a.shard > b.shard ? 1 : 0));
  return {
    origin,
    size: sorted.reduce((n, s) => n + s.size, 0),
    root: topRoot(sorted),
    shards: sorted,
    prev,
    time: time.toISOString(),
  };
}

const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
const hex = (b64s: string): string => Buffer.from(b64s, 'base64').toString('hex');

/** The exact text that is signed. */
export function checkpointBody(c: Checkpoint): Buffer {
  const lines = [c.origin, String(c.size), b64(c.root)];
  for (const s of c.shards) lines.push(`shard ${s.shard} ${s.size} ${b64(s.root)} ${b64(s.head)}`);
  lines.push(`prev ${c.prev === null ? '-' : b64(c.prev)}`);
  lines.push(`time ${c.time}`);
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

/** The C2SP key ID of the signer (type 0x02 for the EC keys immutrail signs with: SHA-256 of the SPKI DER, first 4 bytes). */
export function keyId(keyName: string, publicKey: KeyObject): Buffer {
  return noteKeyId(keyName, publicKey);
}

/** Assembles the signed note: body, blank line, one "— name base64(keyId||sig)" line per signature. */
export function assembleNote(body: Buffer, signatures: readonly NoteSignature[]): Buffer {
  return assembleSignedNote(body, signatures);
}

export function noteHash(note: Uint8Array): string {
  return createHash('sha256').update(note).digest('hex');
}

const HEX64 = /^[0-9a-f]{64}$/;

function parseBody(text: string): Checkpoint {
  const lines = text.split('\n');
  if (lines.pop() !== '') throw new CheckpointError('MALFORMED', 'checkpoint body must end with a newline');
  if (lines.length < 5) throw new CheckpointError('MALFORMED', 'checkpoint body is too short');
  const [origin, sizeLine, rootLine] = lines;
  if (!/^[1-9]\d*$|^0$/.test(sizeLine)) throw new CheckpointError('MALFORMED', `bad tree size "${sizeLine}"`);
  const root = hex(rootLine);
  if (!HEX64.test(root)) throw new CheckpointError('MALFORMED', 'bad root hash');
  const shards: ShardState[] = [];
  let prev: string | null | undefined;
  let time: string | undefined;
  for (const line of lines.slice(3)) {
    const parts = line.split(' ');
    if (parts[0] === 'shard' && parts.length === 5 && prev === undefined) {
      const s = { shard: parts[1], size: Number(parts[2]), root: hex(parts[3]), head: hex(parts[4]) };
      if (!Number.isSafeInteger(s.size) || s.size < 0 || !HEX64.test(s.root) || !HEX64.test(s.head)) {
        throw new CheckpointError('MALFORMED', `bad shard line "${line}"`);
      }
      shards.push(s);
    } else if (parts[0] === 'prev' && parts.length === 2 && prev === undefined) {
      prev = parts[1] === '-' ? null : hex(parts[1]);
      if (prev !== null && !HEX64.test(prev)) throw new CheckpointError('MALFORMED', 'bad prev hash');
    } else if (parts[0] === 'time' && parts.length === 2 && prev !== undefined && time === undefined) {
      time = parts[1];
    } else {
      throw new CheckpointError('MALFORMED', `unexpected line "${line}"`);
    }
  }
  if (prev === undefined || time === undefined) throw new CheckpointError('MALFORMED', 'missing prev or time line');
  const c: Checkpoint = { origin, size: Number(sizeLine), root, shards, prev, time };
  if (!checkpointBody(c).equals(Buffer.from(text, 'utf8'))) throw new CheckpointError('MALFORMED', 'checkpoint body is not in canonical form');
  if (c.size !== shards.reduce((n, s) => n + s.size, 0)) throw new CheckpointError('INCONSISTENT', 'total size is not the sum of the shard sizes');
  if (c.root !== topRoot(shards)) throw new CheckpointError('INCONSISTENT', 'root is not the root over the shard lines');
  return c;
}

/** Parses a note into its text and signatures; NoteError becomes CheckpointError MALFORMED. */
export function parseCheckpointNote(note: Buffer): SignedNote {
  try {
    return parseNote(note);
  } catch (err) {
    if (err instanceof NoteError) throw new CheckpointError('MALFORMED', err.message);
    throw err;
  }
}

/** Parses a signed note; signatures are not checked here (see verifyCheckpoint). */
export function parseSignedCheckpoint(note: Buffer): SignedCheckpoint {
  const { text, signatures } = parseCheckpointNote(note);
  return { checkpoint: parseBody(text.toString('utf8')), body: text, signatures, note };
}

// Checkpoint readers import the trusted key from here, beside the checks that use it.
export { ANY_KEY_NAME, trustedKeyFromPem, type TrustedKey } from './trusted-key';

/**
 * Verifiers for the trusted keys. With `legacy`, each key is also trusted under
 * the key ID immutrail wrote before it followed C2SP (FORMAT.md 4): archive-wide
 * checkpoints signed then cannot be re-signed. Shard checkpoints never take it.
 */
export function checkpointVerifiers(keys: readonly TrustedKey[], signatures: readonly NoteSignature[], legacy: boolean): NoteVerifier[] {
  return keys.flatMap((k) => {
    const name = k.keyName === ANY_KEY_NAME ? null : k.keyName;
    const strict = name === null ? ecdsaVerifier(null, k.publicKey) : verifierFor(name, k.publicKey);
    if (!legacy || k.publicKey.asymmetricKeyType !== 'ec') return [strict];
    const names = name === null ? [...new Set(signatures.map((s) => s.keyName))] : [name];
    return [strict, ...names.map((n) => legacyEcdsaVerifier(n, k.publicKey))];
  });
}

/** Runs C2SP note verification, turning NoteError into CheckpointError (UNKNOWN_KEY or BAD_SIGNATURE). */
export function verifyNoteAsCheckpoint(note: SignedNote, verifiers: readonly NoteVerifier[]): void {
  try {
    verifyNote(note, verifiers);
  } catch (err) {
    if (!(err instanceof NoteError)) throw err;
    throw new CheckpointError(err.code === 'NOTE_BAD_SIGNATURE' ? 'BAD_SIGNATURE' : 'UNKNOWN_KEY', `checkpoint: ${err.message}`);
  }
}

/**
 * Throws CheckpointError unless the note verifies under the trusted keys as C2SP
 * says: other signers are ignored, a trusted signer's failing signature rejects it.
 */
export function verifyCheckpoint(signed: SignedCheckpoint, keys: readonly TrustedKey[]): void {
  const note = { text: signed.body, signatures: signed.signatures, note: signed.note };
  verifyNoteAsCheckpoint(note, checkpointVerifiers(keys, signed.signatures, true));
}
