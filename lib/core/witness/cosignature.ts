import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { ed25519PublicFromRaw, rawEd25519PublicKey } from './ed25519-key';
import type { NoteSignature } from '../note/signed-note';
import { WitnessError } from './errors';

/**
 * C2SP tlog-cosignature, the Ed25519 "cosignature/v1" type (signature type
 * 0x04). A cosignature is a signed-note signature line whose bytes are
 * key ID (4) || timestamp (8, big-endian POSIX seconds) || Ed25519 signature (64),
 * the signature covering "cosignature/v1\ntime <seconds>\n" + the checkpoint body.
 */
export const COSIGNATURE_V1_TYPE = 0x04;
/** After the key ID: timestamp (8) || Ed25519 signature (64). */
const SIGNATURE_BYTES = 8 + 64;

export interface Cosigner {
  name: string;
  publicRaw: Buffer;
}

/** SHA-256(name || "\n" || 0x04 || public key)[:4]. */
export function cosignatureKeyId(name: string, publicRaw: Uint8Array): Buffer {
  const h = createHash('sha256')
    .update(name, 'utf8')
    .update('\n')
    .update(Buffer.from([COSIGNATURE_V1_TYPE]))
    .update(publicRaw)
    .digest();
  return h.subarray(0, 4);
}

/** The message an Ed25519 cosignature signs. */
export function cosignedMessage(body: Uint8Array, time: number): Buffer {
  return Buffer.concat([Buffer.from(`cosignature/v1\ntime ${time}\n`, 'utf8'), body]);
}

/** A C2SP verifier key: `<name>+<key ID hex>+<base64(0x04 || key)>`. */
export function cosignerVkey(c: Cosigner): string {
  const material = Buffer.concat([Buffer.from([COSIGNATURE_V1_TYPE]), c.publicRaw]).toString('base64');
  return `${c.name}+${cosignatureKeyId(c.name, c.publicRaw).toString('hex')}+${material}`;
}

/** Parses a cosignature/v1 vkey, checking its type, length and key ID. */
export function parseCosignerVkey(vkey: string): Cosigner {
  // The name holds no '+'; the base64 key material may.
  const parts = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(vkey.trim())?.slice(1);
  if (!parts) throw new WitnessError('WITNESS_KEY', `not a verifier key: ${vkey}`);
  const material = Buffer.from(parts[2]!, 'base64');
  if (material.length !== 33 || material[0] !== COSIGNATURE_V1_TYPE)
    throw new WitnessError('WITNESS_KEY', 'not an Ed25519 cosignature/v1 verifier key (type 0x04, 32 bytes)');
  const c = { name: parts[0]!, publicRaw: material.subarray(1) };
  if (cosignatureKeyId(c.name, c.publicRaw).toString('hex') !== parts[1])
    throw new WitnessError('WITNESS_KEY', `verifier key ${parts[0]} has the wrong key ID`);
  return c;
}

/** The cosigner named `name` whose public key is `key` (a PEM or KeyObject). */
export function cosignerOf(name: string, key: KeyObject): Cosigner {
  return { name, publicRaw: rawEd25519PublicKey(key) };
}

/** Signs `body` at `time` (POSIX seconds): the note signature to append to the checkpoint (see assembleNote). */
export function cosign(body: Uint8Array, name: string, privateKey: KeyObject, publicRaw: Uint8Array, time: number): NoteSignature {
  if (!Number.isSafeInteger(time) || time < 0) throw new WitnessError('WITNESS_KEY', `a cosignature time is whole seconds, got ${time}`);
  const stamp = Buffer.alloc(8);
  stamp.writeBigUInt64BE(BigInt(time));
  const sig = sign(null, cosignedMessage(body, time), privateKey);
  return { keyName: name, keyId: cosignatureKeyId(name, publicRaw), signature: Buffer.concat([stamp, sig]) };
}

/** The time a cosignature/v1 signature carries; null when its bytes are not one (wrong length, time beyond 2^53). */
export function cosignatureTime(sig: NoteSignature): number | null {
  if (sig.signature.length !== SIGNATURE_BYTES) return null;
  const time = sig.signature.readBigUInt64BE(0);
  return time > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(time);
}

/**
 * Whether a note signature is a valid cosignature by `c` over `body`: its
 * time, 'other' when it is not by this cosigner (another name or key ID:
 * ignored, as C2SP says), or 'invalid' when it claims to be and fails.
 */
export function checkCosignature(body: Uint8Array, sig: NoteSignature, c: Cosigner): { time: number } | 'other' | 'invalid' {
  if (sig.keyName !== c.name || !sig.keyId.equals(cosignatureKeyId(c.name, c.publicRaw))) return 'other';
  const time = cosignatureTime(sig);
  if (time === null) return 'invalid';
  const ok = verify(null, cosignedMessage(body, time), ed25519PublicFromRaw(c.publicRaw), sig.signature.subarray(8));
  return ok ? { time } : 'invalid';
}
