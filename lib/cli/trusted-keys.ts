import { readFileSync } from 'node:fs';
import { ANY_KEY_NAME, trustedKeyFromPem, type TrustedKey } from '../core/checkpoint';
import { UsageError } from './errors';
import type { ResolvedTarget } from './target';

/** A file the user named; one that cannot be read is bad usage (exit 2), with the reason. */
export function readOrUsage(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The trusted key in a PEM file, read offline; a file that is not one is bad usage. */
export function pemKey(path: string, name: string = ANY_KEY_NAME): TrustedKey {
  const pem = readOrUsage(path, 'public key');
  try {
    return trustedKeyFromPem(name, pem);
  } catch {
    throw new UsageError(`${path} is not a PEM public key`);
  }
}

/** The checkpoint key to trust: a PEM file (fully offline) or the stack's KMS key (GetPublicKey). */
export async function trustedKeys(opts: { publicKey?: string }, target: ResolvedTarget): Promise<TrustedKey[]> {
  const name = target.origin ?? ANY_KEY_NAME;
  if (opts.publicKey) return [pemKey(opts.publicKey, name)];
  if (target.signingKey) {
    // Loaded here, not at the top: the KMS client alone costs ~0.2 s of start-up, and offline commands never need it.
    const [{ KMSClient }, { clientConfig }, { KmsSigner }] = await Promise.all([
      import('@aws-sdk/client-kms'),
      import('../aws/client-config'),
      import('../aws/kms-signer'),
    ]);
    try {
      const signer = new KmsSigner(new KMSClient(clientConfig(target.aws)), target.signingKey, name);
      return [{ keyName: name, publicKey: await signer.publicKey() }];
    } catch (err) {
      throw new UsageError(`cannot get the public key of ${target.signingKey}: ${(err as Error).message}`);
    }
  }
  throw new UsageError('give --public-key PEM (offline) or --signing-key / --stack (public key from KMS)');
}
