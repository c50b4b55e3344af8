import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { leafHash, rootOf } from './merkle';
import { ImmutrailError } from './errors';

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

export interface NoteSignature {
  keyName: string;
  /** First 4 bytes of keyHash(keyName, public key). */
  keyId: Buffer;
  signature: Buffer;
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

/**
 * Key id of a signed-note signer: SHA-256(keyName || "\n" || 0x02 || SPKI DER)[0:4].
 * (0x02 is immutrail's signature-type byte for ECDSA P-256 / SHA-256 over the body.)
 */
export function keyId(keyName: string, publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256')
    .update(Buffer.from(keyName + '\n', 'utf8'))
    .update(Buffer.from([0x02]))
    .update(spki)
    .digest()
    .subarray(0, 4);
}

/** Assembles the signed note: body, blank line, one "— name base64(keyId||sig)" line per signature. */
export function assembleNote(body: Buffer, signatures: readonly NoteSignature[]): Buffer {
  const sigLines = signatures.map((s) => `\u2014 ${s.keyName} ${Buffer.concat([s.keyId, s.signature]).toString('base64')}\n`);
  return Buffer.concat([body, Buffer.from('\n' + sigLines.join(''), 'utf8')]);
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

/** Parses a signed note; signatures are not checked here (see verifyCheckpoint). */
export function parseSignedCheckpoint(note: Buffer): SignedCheckpoint {
  const text = note.toString('utf8');
  const split = text.indexOf('\n\n');
  if (split < 0) throw new CheckpointError('MALFORMED', 'signed note has no blank line before its signatures');
  const bodyText = text.slice(0, split + 1);
  const sigText = text.slice(split + 2);
  const signatures: NoteSignature[] = [];
  for (const line of sigText.split('\n')) {
    if (line === '') continue;
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) throw new CheckpointError('MALFORMED', `bad signature line "${line}"`);
    const raw = Buffer.from(m[2], 'base64');
    if (raw.length < 5) throw new CheckpointError('MALFORMED', 'signature too short');
    signatures.push({ keyName: m[1], keyId: raw.subarray(0, 4), signature: raw.subarray(4) });
  }
  if (signatures.length === 0) throw new CheckpointError('MALFORMED', 'signed note has no signature');
  return { checkpoint: parseBody(bodyText), body: Buffer.from(bodyText, 'utf8'), signatures, note };
}

export interface TrustedKey {
  /** The signer's name; ANY_KEY_NAME trusts the key under whatever name the note gives (the key is what matters). */
  keyName: string;
  publicKey: KeyObject;
}

export const ANY_KEY_NAME = '*';

export function trustedKeyFromPem(keyName: string, pem: string | Buffer): TrustedKey {
  return { keyName, publicKey: createPublicKey(pem) };
}

/** Throws CheckpointError unless some signature on the note verifies under one of the trusted keys. */
export function verifyCheckpoint(signed: SignedCheckpoint, keys: readonly TrustedKey[]): void {
  let known = false;
  for (const sig of signed.signatures) {
    for (const k of keys) {
      const name = k.keyName === ANY_KEY_NAME ? sig.keyName : k.keyName;
      if (sig.keyName !== name || !sig.keyId.equals(keyId(name, k.publicKey))) continue;
      known = true;
      if (cryptoVerify('sha256', signed.body, k.publicKey, sig.signature)) return;
    }
  }
  if (!known) throw new CheckpointError('UNKNOWN_KEY', 'no signature on the checkpoint is by a trusted key');
  throw new CheckpointError('BAD_SIGNATURE', 'checkpoint signature does not verify');
}
