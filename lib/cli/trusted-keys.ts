import { readFileSync } from 'node:fs';
import { KMSClient } from '@aws-sdk/client-kms';
import { ANY_KEY_NAME, trustedKeyFromPem, type TrustedKey } from '../core/checkpoint';
import { clientConfig } from '../aws/client-config';
import { KmsSigner } from '../aws/kms-signer';
import { UsageError } from './errors';
import type { ResolvedTarget } from './target';

/** The checkpoint key to trust: a PEM file (fully offline) or the stack's KMS key (GetPublicKey). */
export async function trustedKeys(opts: { publicKey?: string }, target: ResolvedTarget): Promise<TrustedKey[]> {
  const name = target.origin ?? ANY_KEY_NAME;
  if (opts.publicKey) {
    let pem: Buffer;
    try {
      pem = readFileSync(opts.publicKey);
    } catch (err) {
      throw new UsageError(`cannot read public key ${opts.publicKey}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    try {
      return [trustedKeyFromPem(name, pem)];
    } catch {
      throw new UsageError(`${opts.publicKey} is not a PEM public key`);
    }
  }
  if (target.signingKey) {
    try {
      const signer = new KmsSigner(new KMSClient(clientConfig(target.aws)), target.signingKey, name);
      return [{ keyName: name, publicKey: await signer.publicKey() }];
    } catch (err) {
      throw new UsageError(`cannot get the public key of ${target.signingKey}: ${(err as Error).message}`);
    }
  }
  throw new UsageError('give --public-key PEM (offline) or --signing-key / --stack (public key from KMS)');
}
