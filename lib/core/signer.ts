import type { KeyObject } from 'node:crypto';

/** Signs checkpoint bodies: KMS in the cloud, a local key in tests and the demo. */
export interface Signer {
  /** Name that appears on the signature line (the archive's origin). */
  readonly keyName: string;
  publicKey(): Promise<KeyObject>;
  /** ECDSA P-256 over SHA-256(message), DER encoded. */
  sign(message: Buffer): Promise<Buffer>;
}
