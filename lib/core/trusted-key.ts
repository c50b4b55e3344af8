import { createPublicKey, type KeyObject } from 'node:crypto';

/**
 * A public key the reader trusts, and the name it is trusted under. One shape
 * for every signature immutrail checks: a checkpoint's signer (the name is the
 * note's key name, or ANY_KEY_NAME) and a deploy attestation's KMS key (the
 * name is the key ARN or key id the attestation names).
 */
export interface TrustedKey {
  keyName: string;
  publicKey: KeyObject;
}

/** For checkpoints: trust the key under whatever name the note gives (the key is what matters). */
export const ANY_KEY_NAME = '*';

/** Parses the key once, where it is configured, so an unreadable key fails there rather than at every check. */
export function trustedKeyFromPem(keyName: string, pem: string | Buffer): TrustedKey {
  return { keyName, publicKey: createPublicKey(pem) };
}

/** KMS GetPublicKey returns the key as DER SubjectPublicKeyInfo. */
export function trustedKeyFromDer(keyName: string, der: Uint8Array): TrustedKey {
  return { keyName, publicKey: createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }) };
}
