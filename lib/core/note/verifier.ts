import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { NoteError } from './errors';
import { ecdsaKeyId, ed25519KeyId, ed25519Raw, legacyEcdsaKeyId, spkiDer } from './key-id';
import type { NoteSignature, SignedNote } from './signed-note';

/**
 * One trusted signer. C2SP identifies a signer by the pair (key name, key ID):
 * `matches` says whether a signature line claims to be by this signer.
 */
export interface NoteVerifier {
  /** The key name, or null for a verifier that trusts the key under any name (the key is what matters). */
  readonly name: string | null;
  readonly keyId: Buffer;
  matches(sig: NoteSignature): boolean;
  verify(text: Buffer, signature: Buffer): boolean;
}

function makeVerifier(name: string | null, keyId: Buffer, verify: NoteVerifier['verify']): NoteVerifier {
  return {
    name,
    keyId,
    matches: (sig) => (name === null || sig.keyName === name) && sig.keyId.equals(keyId),
    verify,
  };
}

/** Type 0x02: ECDSA (P-256 in practice) over SHA-256 of the text, ASN.1 DER signature, key ID over the SPKI alone. */
export function ecdsaVerifier(name: string | null, publicKey: KeyObject): NoteVerifier {
  if (publicKey.asymmetricKeyType !== 'ec') throw new NoteError('NOTE_UNSUPPORTED_KEY', 'an ECDSA note verifier needs an EC public key');
  return makeVerifier(name, ecdsaKeyId(spkiDer(publicKey)), (text, sig) => cryptoVerify('sha256', text, { key: publicKey, dsaEncoding: 'der' }, sig));
}

/** immutrail's archive-wide checkpoints before C2SP key IDs (FORMAT.md 4): same signature, key ID over name, 0x02 and SPKI. */
export function legacyEcdsaVerifier(name: string, publicKey: KeyObject): NoteVerifier {
  const strict = ecdsaVerifier(name, publicKey);
  return makeVerifier(name, legacyEcdsaKeyId(name, spkiDer(publicKey)), strict.verify);
}

/** Type 0x01: Ed25519 (RFC 8032) over the text. */
export function ed25519Verifier(name: string, publicKey: KeyObject): NoteVerifier {
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new NoteError('NOTE_UNSUPPORTED_KEY', 'an Ed25519 note verifier needs an Ed25519 public key');
  return makeVerifier(name, ed25519KeyId(name, ed25519Raw(publicKey)), (text, sig) => sig.length === 64 && cryptoVerify(null, text, publicKey, sig));
}

/** A verifier of the type the key implies. A null name (any name) is only meaningful for 0x02, whose key ID ignores the name. */
export function verifierFor(name: string | null, publicKey: KeyObject): NoteVerifier {
  if (publicKey.asymmetricKeyType === 'ed25519') {
    if (name === null) throw new NoteError('NOTE_UNSUPPORTED_KEY', 'an Ed25519 key ID depends on the key name: give one');
    return ed25519Verifier(name, publicKey);
  }
  return ecdsaVerifier(name, publicKey);
}

/**
 * C2SP verification: signatures by unknown (name, key ID) pairs are ignored;
 * a signature by a known signer that fails rejects the whole note; at least
 * one known signer must verify. Returns the signatures that verified.
 */
export function verifyNote(note: SignedNote, verifiers: readonly NoteVerifier[]): NoteSignature[] {
  const verified: NoteSignature[] = [];
  for (const sig of note.signatures) {
    const known = verifiers.filter((v) => v.matches(sig));
    if (known.length === 0) continue;
    if (!known.some((v) => v.verify(note.text, sig.signature))) {
      throw new NoteError('NOTE_BAD_SIGNATURE', `the signature by ${sig.keyName}+${sig.keyId.toString('hex')} does not verify`);
    }
    verified.push(sig);
  }
  if (verified.length === 0) throw new NoteError('NOTE_UNKNOWN_KEY', 'no signature on the note is by a trusted key');
  return verified;
}
