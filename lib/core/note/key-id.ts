import { createHash, type KeyObject } from 'node:crypto';
import { NoteError } from './errors';

/** C2SP signed-note signature type bytes this project reads or writes. */
export const SIG_ED25519 = 0x01;
/** ECDSA as implemented by github.com/transparency-dev/witness (and Sigstore's Rekor): ASN.1 DER signature over SHA-256 of the text. */
export const SIG_ECDSA = 0x02;

const sha256 = (...parts: Buffer[]): Buffer => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();

/** Type 0x01: SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 key)[:4]. */
export function ed25519KeyId(keyName: string, rawKey: Buffer): Buffer {
  return sha256(Buffer.from(keyName + '\n', 'utf8'), Buffer.from([SIG_ED25519]), rawKey).subarray(0, 4);
}

/** Type 0x02: SHA-256(SPKI DER of the public key)[:4]; unlike 0x01 the key name takes no part. */
export function ecdsaKeyId(spkiDer: Buffer): Buffer {
  return sha256(spkiDer).subarray(0, 4);
}

/**
 * The key ID immutrail wrote on archive-wide checkpoints before it followed
 * C2SP: SHA-256(key name || 0x0A || 0x02 || SPKI DER)[:4]. Read only, for notes
 * whose signer can no longer re-sign them (FORMAT.md 4).
 */
export function legacyEcdsaKeyId(keyName: string, spkiDer: Buffer): Buffer {
  return sha256(Buffer.from(keyName + '\n', 'utf8'), Buffer.from([SIG_ECDSA]), spkiDer).subarray(0, 4);
}

export function spkiDer(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' });
}

/** Raw 32-byte Ed25519 public key. */
export function ed25519Raw(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url');
}

/** The C2SP key ID of a signer, by the type its key implies: Ed25519 keys are 0x01, EC keys 0x02. */
export function noteKeyId(keyName: string, publicKey: KeyObject): Buffer {
  switch (publicKey.asymmetricKeyType) {
    case 'ed25519':
      return ed25519KeyId(keyName, ed25519Raw(publicKey));
    case 'ec':
      return ecdsaKeyId(spkiDer(publicKey));
    default:
      throw new NoteError('NOTE_UNSUPPORTED_KEY', `no signed-note signature type for ${publicKey.asymmetricKeyType} keys`);
  }
}
