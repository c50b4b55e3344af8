import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { Signer } from '../core/signer';

/**
 * Signs with a KMS ECC_NIST_P256 key. The message is hashed here and sent as a
 * DIGEST: KMS caps RAW messages at 4 KiB, which a checkpoint with many shards
 * would exceed, and the signature is the same ECDSA_SHA_256 either way.
 */
export class KmsSigner implements Signer {
  private cachedKey?: Promise<KeyObject>;

  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
    readonly keyName: string,
  ) {}

  publicKey(): Promise<KeyObject> {
    this.cachedKey ??= this.kms.send(new GetPublicKeyCommand({ KeyId: this.keyId })).then((out) => {
      if (!out.PublicKey) throw new Error(`KMS returned no public key for ${this.keyId}`);
      return createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
    });
    return this.cachedKey;
  }

  async sign(message: Buffer): Promise<Buffer> {
    const digest = createHash('sha256').update(message).digest();
    const out = await this.kms.send(
      new SignCommand({ KeyId: this.keyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }),
    );
    if (!out.Signature) throw new Error('KMS returned no signature');
    return Buffer.from(out.Signature);
  }
}
