import { createPublicKey } from 'node:crypto';
import { NoteError } from './errors';
import { SIG_ECDSA, SIG_ED25519 } from './key-id';
import { decodeBase64, isValidKeyName } from './signed-note';
import { ecdsaVerifier, ed25519Verifier, type NoteVerifier } from './verifier';

/**
 * Reads a verifier key in the text form Go's sumdb/note and transparency-dev
 * use: "<name>+<8 hex key ID>+<base64(type byte || public key)>", where the
 * public key is 32 raw bytes for Ed25519 (0x01) and SPKI DER for ECDSA (0x02).
 * The key ID in the string must be the one the key yields.
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const bad = (why: string) => new NoteError('NOTE_UNSUPPORTED_KEY', `verifier key "${vkey}": ${why}`);
  // The base64 key may itself hold "+": only the first two separate parts.
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  const parts = second < 0 ? [] : [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)];
  if (parts.length !== 3 || !isValidKeyName(parts[0]) || !/^[0-9a-f]{8}$/.test(parts[1])) throw bad('not name+hexid+key');
  const raw = decodeBase64(parts[2]);
  if (raw === null || raw.length < 2) throw bad('bad key encoding');
  const key = raw.subarray(1);
  let verifier: NoteVerifier;
  try {
    if (raw[0] === SIG_ED25519 && key.length === 32) {
      verifier = ed25519Verifier(parts[0], createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.toString('base64url') }, format: 'jwk' }));
    } else if (raw[0] === SIG_ECDSA) {
      verifier = ecdsaVerifier(parts[0], createPublicKey({ key, format: 'der', type: 'spki' }));
    } else {
      throw bad(`unsupported key type 0x${raw[0].toString(16)} or length`);
    }
  } catch (err) {
    throw err instanceof NoteError ? err : bad(`unreadable public key (${(err as Error).message})`);
  }
  if (verifier.keyId.toString('hex') !== parts[1]) throw bad(`key ID ${parts[1]} does not match the key (${verifier.keyId.toString('hex')})`);
  return verifier;
}
