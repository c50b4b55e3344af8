import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { WitnessError } from './errors';

/**
 * The witness's Ed25519 key. The deployed witness holds only a random secret
 * string (Secrets Manager generates it, so no key material passes through a
 * template or a build); the key is derived from it the same way every time:
 * seed = SHA-256(secret), private key = the RFC 8410 PKCS#8 wrapping of the seed.
 */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface WitnessKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The 32-byte raw public key, as it appears in key IDs and vkeys. */
  publicRaw: Buffer;
}

export function ed25519FromSeed(seed: Uint8Array): WitnessKey {
  if (seed.length !== 32) throw new WitnessError('WITNESS_KEY', `an Ed25519 seed is 32 bytes, got ${seed.length}`);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicRaw: rawEd25519PublicKey(publicKey) };
}

/** The key derived from a secret string (what the witness Lambda reads from Secrets Manager). */
export function ed25519FromSecret(secret: string): WitnessKey {
  if (secret.length < 32) throw new WitnessError('WITNESS_KEY', 'the witness secret is shorter than 32 characters');
  return ed25519FromSeed(createHash('sha256').update(secret, 'utf8').digest());
}

/** The 32 raw bytes of an Ed25519 public key; anything else is refused. */
export function rawEd25519PublicKey(key: KeyObject): Buffer {
  if (key.asymmetricKeyType !== 'ed25519') throw new WitnessError('WITNESS_KEY', `expected an Ed25519 key, got ${key.asymmetricKeyType ?? 'a symmetric key'}`);
  const der = key.export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(SPKI_ED25519_PREFIX.length));
}

export function ed25519PublicFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new WitnessError('WITNESS_KEY', `an Ed25519 public key is 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}
