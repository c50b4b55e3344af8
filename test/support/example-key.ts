import { createPrivateKey, createPublicKey } from 'node:crypto';
import { LocalSigner } from '../../lib/core/local-signer';

/**
 * The P-256 key that signs the examples in docs/FORMAT.md (sections 4.1 and 7).
 * Its private half is published here on purpose: it is a test key, so that a
 * test can re-sign the documented texts and a reader can check them. ECDSA
 * signatures are randomized, so re-signing gives other signature bytes; the
 * tests check the documented ones verify and recompute everything else.
 */
export const EXAMPLE_KEY_JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'MhpxVoKfEVj69jEx_59odYu1DBNVBicssGDvYJ1p-hw',
  y: 'GXZR3fcS6b1weWMgFSjJhOUhzwHjDjwFuAOMs8PyFvE',
  d: '0YYdX0cK9uUZkNdBXAI3BgkMEQRN1zArD23CVKBIoO8',
} as const;

export const EXAMPLE_ORIGIN = 'immutrail.example/111122223333/Immutrail';

export function exampleSigner(keyName: string = EXAMPLE_ORIGIN): LocalSigner {
  const privateKey = createPrivateKey({ key: { ...EXAMPLE_KEY_JWK }, format: 'jwk' });
  return new LocalSigner(keyName, { privateKey, publicKey: createPublicKey(privateKey) });
}
