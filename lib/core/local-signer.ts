import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { Signer } from './signer';

/** A P-256 key held in memory: for tests and for verifying the signing path offline. */
export class LocalSigner implements Signer {
  private readonly privateKey: KeyObject;
  private readonly pub: KeyObject;

  constructor(
    readonly keyName: string,
    keys: { privateKey: KeyObject; publicKey: KeyObject } = generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ) {
    this.privateKey = keys.privateKey;
    this.pub = keys.publicKey;
  }

  async publicKey(): Promise<KeyObject> {
    return this.pub;
  }

  async sign(message: Buffer): Promise<Buffer> {
    return sign('sha256', message, this.privateKey);
  }

  publicKeyPem(): string {
    return this.pub.export({ type: 'spki', format: 'pem' }).toString();
  }
}
