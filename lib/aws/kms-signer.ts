import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { onceOk } from '../core/once-ok';
import type { Signer } from '../core/signer';

/** KMS signs RAW messages up to 4 KiB; larger ones are hashed here and sent as a DIGEST. */
export const KMS_RAW_LIMIT = 4096;

/**
 * Signs with a KMS ECC_NIST_P256 key. The signature is the same ECDSA_SHA_256
 * either way; RAW is preferred when it fits because some emulators (moto 5)
 * hash a DIGEST message a second time.
 */
export function kmsMessage(message: Buffer, hash: 'sha256' | 'sha384' | 'sha512' = 'sha256'): { Message: Buffer; MessageType: 'RAW' | 'DIGEST' } {
  return message.length <= KMS_RAW_LIMIT
    ? { Message: message, MessageType: 'RAW' }
    : { Message: createHash(hash).update(message).digest(), MessageType: 'DIGEST' };
}

export class KmsSigner implements Signer {
  // A throttled GetPublicKey is retried by the next call, not cached for the container's life.
  private readonly cachedKey = onceOk(async () => {
    const out = await this.kms.send(new GetPublicKeyCommand({ KeyId: this.keyId }));
    if (!out.PublicKey) throw new Error(`KMS returned no public key for ${this.keyId}`);
    return createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
  });

  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
    readonly keyName: string,
  ) {}

  publicKey(): Promise<KeyObject> {
    return this.cachedKey();
  }

  async sign(message: Buffer): Promise<Buffer> {
    const out = await this.kms.send(new SignCommand({ KeyId: this.keyId, ...kmsMessage(message), SigningAlgorithm: 'ECDSA_SHA_256' }));
    if (!out.Signature) throw new Error('KMS returned no signature');
    return Buffer.from(out.Signature);
  }
}
